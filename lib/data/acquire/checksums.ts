/**
 * Checksums for dataset files: streamed hashing with `node:crypto`, and the
 * `sha256sum` text format (`<hex>  <relative path>` per line) that every
 * mirror folder ships as `SHA256SUMS`.
 *
 * @example
 * ```ts
 * const sums = parseSha256Sums(await Deno.readTextFile("m/SHA256SUMS"), "m/SHA256SUMS");
 * const actual = await hashFile("m/train-images-idx3-ubyte.gz", "sha256");
 * actual === sums.get("train-images-idx3-ubyte.gz");
 * ```
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Hash algorithms the catalog uses. */
export type HashAlgorithm = "sha256" | "md5";

/** An expected digest for one file. */
export interface ExpectedHash {
  /** Algorithm of {@link ExpectedHash.hex}. */
  algorithm: HashAlgorithm;
  /** Lower-case hex digest. */
  hex: string;
}

const HEX_LENGTH: Record<HashAlgorithm, number> = { sha256: 64, md5: 32 };

/**
 * Hashes a file by streaming it through `node:crypto` (constant memory, any
 * size). Returns the lower-case hex digest.
 */
export async function hashFile(
  path: string,
  algorithm: HashAlgorithm = "sha256",
): Promise<string> {
  const hash = createHash(algorithm);
  const file = await Deno.open(path, { read: true });
  try {
    for await (const chunk of file.readable) hash.update(chunk);
  } catch (error) {
    throw new Error(`Could not read ${path} to hash it: ${error}`);
  }
  return hash.digest("hex");
}

/** Hashes bytes already in memory. */
export function hashBytes(
  data: Uint8Array,
  algorithm: HashAlgorithm = "sha256",
): string {
  return createHash(algorithm).update(data).digest("hex");
}

/**
 * Parses `sha256sum` output: one `<64 hex>  <path>` per line (a `*` before
 * the path marks binary mode and is dropped). Blank lines are ignored.
 * `source` names the file in errors.
 *
 * @returns relative path -> lower-case hex digest, in file order.
 * @throws on a malformed line or a path listed twice, naming the line.
 */
export function parseSha256Sums(
  text: string,
  source: string,
): Map<string, string> {
  const sums = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (!m) {
      throw new Error(
        `${source}:${i + 1}: not a sha256sum line ("<64 hex>  <path>"): ${
          JSON.stringify(line.slice(0, 120))
        }. Regenerate it with: sha256sum <files> > SHA256SUMS`,
      );
    }
    const path = m[2];
    if (path.startsWith("/") || path.split("/").includes("..")) {
      throw new Error(
        `${source}:${i + 1}: path ${
          JSON.stringify(path)
        } leaves the folder; paths must be relative to the folder holding SHA256SUMS`,
      );
    }
    if (sums.has(path)) {
      throw new Error(`${source}:${i + 1}: ${path} is listed twice`);
    }
    sums.set(path, m[1].toLowerCase());
  }
  return sums;
}

/** Formats path -> sha256 entries as `sha256sum` text, sorted by path. */
export function formatSha256Sums(sums: Iterable<[string, string]>): string {
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, hex]) => `${hex}  ${path}\n`)
    .join("");
}

/** Checks that `hex` is a well-formed digest for `algorithm`. */
export function isHexDigest(hex: string, algorithm: HashAlgorithm): boolean {
  return new RegExp(`^[0-9a-f]{${HEX_LENGTH[algorithm]}}$`).test(hex);
}
