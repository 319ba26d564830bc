/**
 * NumPy `.npy` and `.npz` files, read and written in pure TypeScript.
 *
 * - `.npy` (format versions 1.0, 2.0 and 3.0): a magic string, a small
 *   Python-dict header (`descr`, `fortran_order`, `shape`) and the raw array
 *   bytes. Written files use version 1.0 (2.0 when the header is large), C
 *   order and little-endian numbers, exactly what `numpy.save` writes.
 * - `.npz`: a zip archive with one `<key>.npy` member per array, as written by
 *   `numpy.savez` (stored) or `numpy.savez_compressed` (deflated). The zip is
 *   handled by `fflate`.
 *
 * Supported dtypes: booleans, signed and unsigned integers of 8/16/32/64
 * bits, float32/float64, fixed-width unicode (`<U..`) and byte strings
 * (`|S..`). Object arrays (`|O`) need Python's pickle and are refused with a
 * clear error, so every file written here loads with
 * `numpy.load(path)` without `allow_pickle=True`.
 *
 * @example
 * ```ts
 * const images = npyArray("uint8", [2, 120, 90, 3], new Uint8Array(2 * 120 * 90 * 3));
 * const labels = npyStrings(["Boots", "Ballerina"]);
 * await writeNpz("data/processed/x.npz", { images, labels });
 * const back = await readNpz("data/processed/x.npz");
 * back.images.shape; // [2, 120, 90, 3]
 * ```
 *
 * @module
 */
import { unzipSync, zipSync } from "fflate";
import { writeFileAtomic } from "../../io/atomic.ts";

/** Numeric dtypes this module reads and writes. */
export type NumericDtype =
  | "bool"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float32"
  | "float64";

/** All dtypes this module reads and writes (`unicode` = `<U..`, `bytes` = `|S..`). */
export type NpyDtype = NumericDtype | "unicode" | "bytes";

/** Typed-array storage for each numeric dtype. */
export type NumericData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/**
 * An n-dimensional array in C (row-major) order. Numeric arrays hold a typed
 * array; string arrays (`unicode`, `bytes`) hold a `string[]`.
 */
export interface NpyArray {
  /** Element type. */
  dtype: NpyDtype;
  /** Dimensions, outermost first; `[]` for a scalar. */
  shape: number[];
  /** Elements in C order. */
  data: NumericData | string[];
  /** For string dtypes: characters (unicode) or bytes per element. */
  itemSize?: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface DtypeInfo {
  dtype: NumericDtype;
  size: number;
}

const NUMERIC_BY_CODE: Record<string, DtypeInfo> = {
  b1: { dtype: "bool", size: 1 },
  i1: { dtype: "int8", size: 1 },
  u1: { dtype: "uint8", size: 1 },
  i2: { dtype: "int16", size: 2 },
  u2: { dtype: "uint16", size: 2 },
  i4: { dtype: "int32", size: 4 },
  u4: { dtype: "uint32", size: 4 },
  i8: { dtype: "int64", size: 8 },
  u8: { dtype: "uint64", size: 8 },
  f4: { dtype: "float32", size: 4 },
  f8: { dtype: "float64", size: 8 },
};

const CODE_BY_NUMERIC: Record<NumericDtype, string> = {
  bool: "|b1",
  int8: "|i1",
  uint8: "|u1",
  int16: "<i2",
  uint16: "<u2",
  int32: "<i4",
  uint32: "<u4",
  int64: "<i8",
  uint64: "<u8",
  float32: "<f4",
  float64: "<f8",
};

/** Number of elements implied by a shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Wraps a typed array as an {@link NpyArray}, checking that its length
 * matches the shape.
 */
export function npyArray(
  dtype: NumericDtype,
  shape: number[],
  data: NumericData,
): NpyArray {
  if (data.length !== shapeSize(shape)) {
    throw new Error(
      `npyArray: shape [${shape}] needs ${shapeSize(shape)} elements, ` +
        `got ${data.length}`,
    );
  }
  return { dtype, shape, data };
}

/**
 * A 1-D fixed-width unicode array (`<U n`, n = longest string), the encoding
 * numpy loads without pickle.
 */
export function npyStrings(values: readonly string[]): NpyArray {
  const itemSize = Math.max(1, ...values.map((v) => [...v].length));
  return {
    dtype: "unicode",
    shape: [values.length],
    data: [...values],
    itemSize,
  };
}

// ---------------------------------------------------------------- header

function formatShape(shape: readonly number[]): string {
  if (shape.length === 0) return "()";
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}

function descrOf(array: NpyArray): string {
  if (array.dtype === "unicode") return `<U${array.itemSize ?? 1}`;
  if (array.dtype === "bytes") return `|S${array.itemSize ?? 1}`;
  return CODE_BY_NUMERIC[array.dtype];
}

/** Parses the Python-literal header dict of a `.npy` file. */
function parseHeader(
  text: string,
  source: string,
): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(
      `${source}: .npy header is not a numpy header (${
        JSON.stringify(text.slice(0, 120))
      }); structured dtypes are not supported`,
    );
  }
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) =>
    s.length > 0
  ).map((s) => {
    const n = Number(s.replace(/L$/, ""));
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`${source}: bad dimension '${s}' in .npy shape`);
    }
    return n;
  });
  return { descr, fortranOrder: fortran === "True", shape };
}

// ---------------------------------------------------------------- decode

function fortranToC<T>(values: T[], shape: readonly number[]): T[] {
  const n = values.length;
  const out = new Array<T>(n);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  // Walk C order, computing the Fortran offset of each element.
  const fStride = new Array<number>(rank);
  let s = 1;
  for (let d = 0; d < rank; d++) {
    fStride[d] = s;
    s *= shape[d];
  }
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += idx[d] * fStride[d];
    out[i] = values[off];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function readNumeric(
  info: DtypeInfo,
  littleEndian: boolean,
  bytes: Uint8Array,
  count: number,
): NumericData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = <A extends NumericData>(
    make: (n: number) => A,
    get: (offset: number) => number | bigint,
  ): A => {
    const out = make(count);
    for (let i = 0; i < count; i++) {
      (out as unknown as (number | bigint)[])[i] = get(i * info.size);
    }
    return out;
  };
  const le = littleEndian;
  switch (info.dtype) {
    case "bool":
    case "uint8":
      return bytes.slice(0, count);
    case "int8":
      return new Int8Array(bytes.slice(0, count).buffer);
    case "int16":
      return read((n) => new Int16Array(n), (o) => view.getInt16(o, le));
    case "uint16":
      return read((n) => new Uint16Array(n), (o) => view.getUint16(o, le));
    case "int32":
      return read((n) => new Int32Array(n), (o) => view.getInt32(o, le));
    case "uint32":
      return read((n) => new Uint32Array(n), (o) => view.getUint32(o, le));
    case "int64":
      return read((n) => new BigInt64Array(n), (o) => view.getBigInt64(o, le));
    case "uint64":
      return read(
        (n) => new BigUint64Array(n),
        (o) => view.getBigUint64(o, le),
      );
    case "float32":
      return read((n) => new Float32Array(n), (o) => view.getFloat32(o, le));
    case "float64":
      return read((n) => new Float64Array(n), (o) => view.getFloat64(o, le));
  }
}

/**
 * Decodes the bytes of one `.npy` file. `source` names the file in errors.
 *
 * @throws if the magic string, header, dtype or data length is wrong, or the
 *   array holds pickled Python objects.
 */
export function decodeNpy(bytes: Uint8Array, source = "<npy>"): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(
      `${source}: not a .npy file (missing the \\x93NUMPY magic string)`,
    );
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error(`${source}: truncated .npy header`);
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new Error(`${source}: unsupported .npy format version ${major}`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    throw new Error(`${source}: truncated .npy header`);
  }
  const headerText = new TextDecoder(major === 3 ? "utf-8" : "latin1")
    .decode(bytes.subarray(headerStart, dataStart));
  const { descr, fortranOrder, shape } = parseHeader(headerText, source);
  const count = shapeSize(shape);
  const body = bytes.subarray(dataStart);

  const m = /^([<>|=])?([a-zA-Z])(\d+)?$/.exec(descr);
  if (!m) throw new Error(`${source}: unsupported dtype '${descr}'`);
  const order = m[1] ?? "=";
  const kind = m[2];
  const width = Number(m[3] ?? "0");
  const littleEndian = order !== ">";
  if (kind === "O") {
    throw new Error(
      `${source}: holds Python objects (dtype '${descr}'), which need pickle; ` +
        `re-save it with fixed-width strings (arr.astype('U')) or integers`,
    );
  }

  let data: NumericData | string[];
  let dtype: NpyDtype;
  let itemSize: number | undefined;
  if (kind === "U" || kind === "S") {
    const unit = kind === "U" ? 4 : 1;
    const need = count * width * unit;
    if (body.length < need) {
      throw new Error(
        `${source}: data is ${body.length} bytes, shape [${shape}] of '${descr}' needs ${need}`,
      );
    }
    const strings: string[] = new Array(count);
    const latin = new TextDecoder("latin1");
    for (let i = 0; i < count; i++) {
      const off = i * width * unit;
      if (kind === "U") {
        let s = "";
        for (let c = 0; c < width; c++) {
          const cp = new DataView(body.buffer, body.byteOffset + off + c * 4, 4)
            .getUint32(0, littleEndian);
          if (cp === 0) break;
          s += String.fromCodePoint(cp);
        }
        strings[i] = s;
      } else {
        let end = off + width;
        while (end > off && body[end - 1] === 0) end--;
        strings[i] = latin.decode(body.subarray(off, end));
      }
    }
    data = strings;
    dtype = kind === "U" ? "unicode" : "bytes";
    itemSize = width;
  } else {
    const info = NUMERIC_BY_CODE[`${kind}${width}`];
    if (!info) throw new Error(`${source}: unsupported dtype '${descr}'`);
    const need = count * info.size;
    if (body.length < need) {
      throw new Error(
        `${source}: data is ${body.length} bytes, shape [${shape}] of '${descr}' needs ${need} (file truncated?)`,
      );
    }
    data = readNumeric(info, littleEndian, body, count);
    dtype = info.dtype;
  }
  if (fortranOrder && shape.length > 1) {
    const reordered = fortranToC(Array.from(data as ArrayLike<unknown>), shape);
    if (Array.isArray(data)) data = reordered as string[];
    else {
      const copy = (data as NumericData).slice() as NumericData;
      (reordered as (number | bigint)[]).forEach((v, i) =>
        (copy as unknown as (number | bigint)[])[i] = v
      );
      data = copy;
    }
  }
  return itemSize === undefined
    ? { dtype, shape, data }
    : { dtype, shape, data, itemSize };
}

// ---------------------------------------------------------------- encode

function encodeBody(array: NpyArray): Uint8Array {
  const count = shapeSize(array.shape);
  if (array.data.length !== count) {
    throw new Error(
      `encodeNpy: shape [${array.shape}] needs ${count} elements, got ${array.data.length}`,
    );
  }
  if (array.dtype === "unicode" || array.dtype === "bytes") {
    const strings = array.data as string[];
    const width = array.itemSize ?? 1;
    if (array.dtype === "unicode") {
      const out = new Uint8Array(count * width * 4);
      const view = new DataView(out.buffer);
      strings.forEach((s, i) => {
        const cps = [...s];
        if (cps.length > width) {
          throw new Error(
            `encodeNpy: '${s}' is longer than the array's width <U${width}`,
          );
        }
        cps.forEach((ch, c) =>
          view.setUint32((i * width + c) * 4, ch.codePointAt(0)!, true)
        );
      });
      return out;
    }
    const out = new Uint8Array(count * width);
    strings.forEach((s, i) => {
      if (s.length > width) {
        throw new Error(`encodeNpy: '${s}' is longer than |S${width}`);
      }
      for (let c = 0; c < s.length; c++) {
        const code = s.charCodeAt(c);
        if (code > 255) {
          throw new Error(`encodeNpy: '${s}' is not latin-1; use npyStrings`);
        }
        out[i * width + c] = code;
      }
    });
    return out;
  }
  const typed = array.data as NumericData;
  // Typed arrays are little-endian on every platform Deno runs on.
  return new Uint8Array(
    typed.buffer.slice(typed.byteOffset, typed.byteOffset + typed.byteLength),
  );
}

/** Encodes an array as the bytes of a `.npy` file (format 1.0, C order). */
export function encodeNpy(array: NpyArray): Uint8Array {
  const dict = `{'descr': '${descrOf(array)}', 'fortran_order': False, ` +
    `'shape': ${formatShape(array.shape)}, }`;
  const body = encodeBody(array);
  let version = 1;
  let prefix = 10;
  let total = prefix + dict.length + 1;
  if (Math.ceil(total / 64) * 64 - prefix > 0xffff) {
    version = 2;
    prefix = 12;
    total = prefix + dict.length + 1;
  }
  const padded = Math.ceil(total / 64) * 64;
  const header = dict + " ".repeat(padded - total) + "\n";
  const out = new Uint8Array(prefix + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) {
    out[prefix + i] = header.charCodeAt(i);
  }
  out.set(body, prefix + header.length);
  return out;
}

// ---------------------------------------------------------------- npz

/** Options for {@link encodeNpz} / {@link writeNpz}. */
export interface NpzWriteOptions {
  /** Deflate the members like `numpy.savez_compressed` (default false: stored, like `numpy.savez`). */
  compress?: boolean;
}

/** Encodes named arrays as the bytes of an `.npz` (zip of `<key>.npy`). */
export function encodeNpz(
  arrays: Record<string, NpyArray>,
  options: NpzWriteOptions = {},
): Uint8Array {
  const members: Record<string, Uint8Array> = {};
  let total = 0;
  for (const [key, array] of Object.entries(arrays)) {
    members[`${key}.npy`] = encodeNpy(array);
    total += members[`${key}.npy`].length;
  }
  if (total >= 0xffffffff) {
    throw new Error(
      `encodeNpz: ${total} bytes is beyond the 4 GiB zip limit; split the arrays into several files`,
    );
  }
  return zipSync(members, { level: options.compress ? 6 : 0 });
}

/**
 * Decodes `.npz` bytes into named arrays (keys without `.npy`).
 *
 * @throws naming `source` if the bytes are not a zip or a member is not `.npy`.
 */
export function decodeNpz(
  bytes: Uint8Array,
  source = "<npz>",
): Record<string, NpyArray> {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (error) {
    throw new Error(
      `${source}: not a readable .npz (zip) archive: ${
        (error as Error).message
      }; the file may be truncated or not an .npz`,
    );
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, member] of Object.entries(members)) {
    if (!name.endsWith(".npy")) {
      throw new Error(`${source}: member '${name}' is not a .npy array`);
    }
    out[name.slice(0, -4)] = decodeNpy(member, `${source}:${name}`);
  }
  return out;
}

/** Writes named arrays to an `.npz` file atomically. */
export async function writeNpz(
  path: string,
  arrays: Record<string, NpyArray>,
  options: NpzWriteOptions = {},
): Promise<void> {
  await writeFileAtomic(path, encodeNpz(arrays, options));
}

/** Reads an `.npz` file into named arrays. */
export async function readNpz(path: string): Promise<Record<string, NpyArray>> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new Error(`Cannot read ${path}: ${(error as Error).message}`);
  }
  return decodeNpz(bytes, path);
}

/** Writes one array to a `.npy` file atomically. */
export async function writeNpy(path: string, array: NpyArray): Promise<void> {
  await writeFileAtomic(path, encodeNpy(array));
}

/** Reads one `.npy` file. */
export async function readNpy(path: string): Promise<NpyArray> {
  return decodeNpy(await Deno.readFile(path), path);
}
