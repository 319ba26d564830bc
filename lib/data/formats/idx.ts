/**
 * IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed.
 *
 * An IDX file is a big-endian header (two zero bytes, a type code, the number
 * of dimensions, then one uint32 per dimension) followed by the data. Only
 * unsigned bytes (type `0x08`) are used by Fashion-MNIST: images are
 * `idx3-ubyte` (N x 28 x 28) and labels `idx1-ubyte` (N).
 *
 * @example
 * ```ts
 * const data = await loadFashionMnist("data/raw/fashion-mnist");
 * data.train.images.length; // 60000 * 28 * 28
 * data.classNames[data.train.labels[0]]; // e.g. "T-shirt/top"
 * ```
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { FASHION_MNIST_CLASSES } from "../acquire/catalog.ts";
import { datasetDir } from "../acquire/fingerprint.ts";

/** A decoded unsigned-byte IDX array. */
export interface IdxArray {
  /** Dimensions, outermost first (e.g. `[60000, 28, 28]`). */
  shape: number[];
  /** Values in C order. */
  data: Uint8Array;
}

/** Type code of unsigned bytes, the only type Fashion-MNIST uses. */
const UBYTE = 0x08;

/**
 * Decodes IDX bytes (gunzipped already). `source` names the file in errors.
 *
 * @throws when the magic number, type, dimension count or size is wrong.
 */
export function decodeIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length < 4) {
    throw new Error(
      `${source}: ${bytes.length} bytes is too short for an IDX header`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0) {
    throw new Error(
      `${source}: bad IDX magic number 0x${
        view.getUint32(0).toString(16).padStart(8, "0")
      } (expected 0x000008nn); is it an IDX file, and was it gunzipped?`,
    );
  }
  const type = bytes[2];
  if (type !== UBYTE) {
    throw new Error(
      `${source}: IDX type 0x${
        type.toString(16)
      } is not supported (only unsigned bytes, 0x08)`,
    );
  }
  const dims = bytes[3];
  const headerBytes = 4 + 4 * dims;
  if (dims === 0 || bytes.length < headerBytes) {
    throw new Error(
      `${source}: IDX header declares ${dims} dimensions but the file is ${bytes.length} bytes`,
    );
  }
  const shape = Array.from(
    { length: dims },
    (_, i) => view.getUint32(4 + 4 * i),
  );
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerBytes + size) {
    throw new Error(
      `${source}: IDX shape [${
        shape.join(", ")
      }] needs ${size} data bytes but the file has ${
        bytes.length - headerBytes
      }; the file is truncated or damaged, reinstall it with: deno task data fashion-mnist`,
    );
  }
  return { shape, data: bytes.subarray(headerBytes) };
}

/**
 * Reads an IDX file; `.gz` files are gunzipped first (recognised by their
 * gzip magic bytes, whatever the name).
 */
export async function readIdx(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${path} does not exist; install Fashion-MNIST with: deno task data fashion-mnist (add --mirror DIR when offline)`,
      );
    }
    throw error;
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes));
    } catch (error) {
      throw new Error(
        `${path}: gzip data is damaged (${error}); reinstall it with: deno task data fashion-mnist`,
      );
    }
  }
  return decodeIdx(bytes, path);
}

/** Reads an `idx3-ubyte` image file: N x rows x cols. */
export async function readIdxImages(
  path: string,
): Promise<{ images: Uint8Array; count: number; rows: number; cols: number }> {
  const { shape, data } = await readIdx(path);
  if (shape.length !== 3) {
    throw new Error(
      `${path}: expected an image file with 3 dimensions (N x rows x cols), found [${shape}]`,
    );
  }
  return { images: data, count: shape[0], rows: shape[1], cols: shape[2] };
}

/** Reads an `idx1-ubyte` label file: N labels. */
export async function readIdxLabels(path: string): Promise<Uint8Array> {
  const { shape, data } = await readIdx(path);
  if (shape.length !== 1) {
    throw new Error(
      `${path}: expected a label file with 1 dimension, found [${shape}]`,
    );
  }
  return data;
}

/** One split of Fashion-MNIST. */
export interface MnistSplit {
  /** N x 28 x 28 grey pixels, 0..255, C order. */
  images: Uint8Array;
  /** N labels, 0..9 (index into `classNames`). */
  labels: Uint8Array;
  /** Number of images. */
  count: number;
}

/** Fashion-MNIST as loaded by {@link loadFashionMnist}. */
export interface FashionMnist {
  /** 60,000 training images. */
  train: MnistSplit;
  /** 10,000 test images. */
  test: MnistSplit;
  /** Class names by label index. */
  classNames: readonly string[];
  /** Image height and width (28). */
  rows: number;
  /** Image width (28). */
  cols: number;
}

async function loadSplit(
  dir: string,
  prefix: string,
): Promise<MnistSplit & { rows: number; cols: number }> {
  const imagePath = join(dir, `${prefix}-images-idx3-ubyte.gz`);
  const labelPath = join(dir, `${prefix}-labels-idx1-ubyte.gz`);
  const [{ images, count, rows, cols }, labels] = await Promise.all([
    readIdxImages(imagePath),
    readIdxLabels(labelPath),
  ]);
  if (labels.length !== count) {
    throw new Error(
      `${labelPath} has ${labels.length} labels but ${imagePath} has ${count} images`,
    );
  }
  if (rows !== 28 || cols !== 28) {
    throw new Error(`${imagePath}: images are ${rows}x${cols}, expected 28x28`);
  }
  const bad = labels.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) {
    throw new Error(
      `${labelPath}: label ${labels[bad]} at index ${bad} is outside 0..${
        FASHION_MNIST_CLASSES.length - 1
      }`,
    );
  }
  return { images, labels, count, rows, cols };
}

/**
 * Loads the four Fashion-MNIST files from `dir`: by default the install
 * folder (`data/raw/fashion-mnist`, see `deno task data fashion-mnist`), or
 * any folder holding the four `.gz` files, such as a mirror folder.
 *
 * Samples are returned in file order; the offline mirror stores them grouped
 * by class, so shuffle (seeded) before taking a validation split.
 */
export async function loadFashionMnist(
  dir: string = datasetDir("fashion-mnist"),
): Promise<FashionMnist> {
  const [train, test] = await Promise.all([
    loadSplit(dir, "train"),
    loadSplit(dir, "t10k"),
  ]);
  return {
    train: { images: train.images, labels: train.labels, count: train.count },
    test: { images: test.images, labels: test.labels, count: test.count },
    classNames: FASHION_MNIST_CLASSES,
    rows: train.rows,
    cols: train.cols,
  };
}
