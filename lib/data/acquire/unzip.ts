/**
 * Extracts a zip archive from disk entry by entry (random access through the
 * central directory), so archives of any size unpack in small memory. Every
 * entry is inflated with `node:zlib` and checked against the CRC-32 and size
 * the archive records. Zip64 archives (more than 65,535 entries or 4 GiB) are
 * supported. The output is a staging folder: callers verify and install from
 * it (see `acquire.ts`).
 *
 * @example
 * ```ts
 * const names = await extractZip("archive.zip", "out/");
 * ```
 *
 * @module
 */
import { crc32, inflateRawSync } from "node:zlib";
import { dirname, resolve, sep } from "node:path";

/** One member of a zip archive, from its central directory. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated. */
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  /** Bytes in the archive. */
  compressedSize: number;
  /** Bytes when extracted. */
  size: number;
  /** CRC-32 of the extracted bytes. */
  crc32: number;
  /** Offset of the entry's local header. */
  offset: number;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

async function readAt(
  file: Deno.FsFile,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await file.seek(offset, Deno.SeekMode.Start);
  let read = 0;
  while (read < length) {
    const n = await file.read(out.subarray(read));
    if (n === null) break;
    read += n;
  }
  return out.subarray(0, read);
}

function u64(view: DataView, at: number): number {
  return Number(view.getBigUint64(at, true));
}

/**
 * Reads the central directory of the zip at `path`.
 *
 * @throws naming the file when it is not a complete zip archive.
 */
export async function listZip(path: string): Promise<ZipEntry[]> {
  const file = await Deno.open(path, { read: true });
  try {
    const size = (await file.stat()).size;
    const tailLength = Math.min(size, 65557);
    const tail = await readAt(file, size - tailLength, tailLength);
    const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      throw new Error(
        `${path} is not a complete zip archive (no end-of-central-directory record); download it again`,
      );
    }
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    const locator = eocd - 20;
    if (locator >= 0 && tv.getUint32(locator, true) === EOCD64_LOCATOR) {
      const at = u64(tv, locator + 8);
      const rec = await readAt(file, at, 56);
      const rv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
      if (rv.getUint32(0, true) !== EOCD64) {
        throw new Error(`${path}: damaged zip64 directory record`);
      }
      count = u64(rv, 32);
      cdSize = u64(rv, 40);
      cdOffset = u64(rv, 48);
    }
    const cd = await readAt(file, cdOffset, cdSize);
    if (cd.length !== cdSize) {
      throw new Error(
        `${path}: central directory is truncated; download it again`,
      );
    }
    const view = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
    const decoder = new TextDecoder();
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || view.getUint32(p, true) !== CENTRAL) {
        throw new Error(`${path}: central directory entry ${i} is damaged`);
      }
      const nameLength = view.getUint16(p + 28, true);
      const extraLength = view.getUint16(p + 30, true);
      const commentLength = view.getUint16(p + 32, true);
      const entry: ZipEntry = {
        name: decoder.decode(cd.subarray(p + 46, p + 46 + nameLength)),
        method: view.getUint16(p + 10, true),
        crc32: view.getUint32(p + 16, true),
        compressedSize: view.getUint32(p + 20, true),
        size: view.getUint32(p + 24, true),
        offset: view.getUint32(p + 42, true),
      };
      // Zip64 extra field: 64-bit values for the fields stored as 0xffffffff.
      let e = p + 46 + nameLength;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = view.getUint16(e, true);
        const length = view.getUint16(e + 2, true);
        if (id === 0x0001) {
          let q = e + 4;
          if (entry.size === 0xffffffff) (entry.size = u64(view, q), q += 8);
          if (entry.compressedSize === 0xffffffff) {
            entry.compressedSize = u64(view, q);
            q += 8;
          }
          if (entry.offset === 0xffffffff) entry.offset = u64(view, q);
        }
        e += 4 + length;
      }
      entries.push(entry);
      p = extraEnd + commentLength;
    }
    return entries;
  } finally {
    file.close();
  }
}

/** Reads and checks one entry's bytes. */
async function readEntry(
  file: Deno.FsFile,
  entry: ZipEntry,
  source: string,
): Promise<Uint8Array> {
  const header = await readAt(file, entry.offset, 30);
  const hv = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.length < 30 || hv.getUint32(0, true) !== LOCAL) {
    throw new Error(`${source}: local header of ${entry.name} is damaged`);
  }
  const start = entry.offset + 30 + hv.getUint16(26, true) +
    hv.getUint16(28, true);
  const raw = await readAt(file, start, entry.compressedSize);
  if (raw.length !== entry.compressedSize) {
    throw new Error(
      `${source}: ${entry.name} is truncated; download the archive again`,
    );
  }
  let data: Uint8Array;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) {
    try {
      data = new Uint8Array(inflateRawSync(raw));
    } catch (error) {
      throw new Error(
        `${source}: ${entry.name} does not inflate (${error}); download the archive again`,
      );
    }
  } else {
    throw new Error(
      `${source}: ${entry.name} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`,
    );
  }
  if (data.length !== entry.size || (crc32(data) >>> 0) !== entry.crc32) {
    throw new Error(
      `${source}: ${entry.name} fails its CRC-32/size check (damaged archive); download it again`,
    );
  }
  return data;
}

/** Options of {@linkcode extractZip}. */
export interface ExtractOptions {
  /** Extracts only the entries (names as in the archive) for which this returns true. */
  include?: (name: string) => boolean;
}

/**
 * Extracts the zip at `path` into `dest`, checking every entry's CRC-32.
 * Directories are created as needed; names that would leave `dest` are
 * refused.
 *
 * @returns the extracted file names (`/`-separated, relative to `dest`).
 */
export async function extractZip(
  path: string,
  dest: string,
  options: ExtractOptions = {},
): Promise<string[]> {
  const entries = (await listZip(path)).filter((e) =>
    !e.name.endsWith("/") && (options.include?.(e.name) ?? true)
  );
  const root = resolve(dest);
  const file = await Deno.open(path, { read: true });
  const names: string[] = [];
  const made = new Set<string>();
  try {
    for (const entry of entries) {
      const target = resolve(root, ...entry.name.split("/"));
      if (!target.startsWith(root + sep)) {
        throw new Error(
          `${path}: entry ${entry.name} would be written outside ${dest}; refused`,
        );
      }
      const folder = dirname(target);
      if (!made.has(folder)) {
        await Deno.mkdir(folder, { recursive: true });
        made.add(folder);
      }
      await Deno.writeFile(target, await readEntry(file, entry, path));
      names.push(entry.name);
    }
  } finally {
    file.close();
  }
  return names;
}
