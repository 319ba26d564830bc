/**
 * Dataset fingerprints: one sha256 that names the exact bytes of an installed
 * dataset, so every run record can say which data it saw.
 *
 * The fingerprint is sha256 over the sorted lines `<sha256>  <path>\n` of all
 * files (the same text as a sorted `SHA256SUMS`), together with the file count
 * and total bytes. Two installs with the same files give the same fingerprint
 * wherever they live.
 *
 * @example
 * ```ts
 * const fp = await readFingerprint("fashion-mnist");
 * fp.sha256; // "3f0c..." (recorded in every run)
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { formatSha256Sums, hashBytes } from "./checksums.ts";
import { writeJsonAtomic } from "../../io/atomic.ts";

/** File name of the fingerprint inside `data/raw/<id>/`. */
export const FINGERPRINT_FILE = "FINGERPRINT.json";

/** One file of an installed dataset. */
export interface FileRecord {
  /** Path relative to the dataset folder, `/`-separated. */
  path: string;
  /** Lower-case hex sha256 of the contents. */
  sha256: string;
  /** Size in bytes. */
  bytes: number;
}

/** The contents of `FINGERPRINT.json`. */
export interface DatasetFingerprint {
  /** Catalog id of the dataset. */
  id: string;
  /** sha256 over the sorted `<sha256>  <path>` lines of all files. */
  sha256: string;
  /** Number of files. */
  files: number;
  /** Total size in bytes. */
  bytes: number;
  /** Where the files came from: `mirror:<dir>`, `download`, or `local:<dir>`. */
  source: string;
  /** How the files were checked, e.g. `mirror SHA256SUMS` or `catalog md5`. */
  verifiedAgainst: string;
  /** ISO time of the install. */
  installedAt: string;
}

/** Computes the fingerprint digest, file count and bytes of a file list. */
export function computeFingerprint(
  records: readonly FileRecord[],
): { sha256: string; files: number; bytes: number } {
  const text = formatSha256Sums(records.map((r) => [r.path, r.sha256]));
  return {
    sha256: hashBytes(new TextEncoder().encode(text)),
    files: records.length,
    bytes: records.reduce((sum, r) => sum + r.bytes, 0),
  };
}

/**
 * Root folder for raw datasets: env `FASHION_DATA_DIR` if set, else
 * `data/raw` under the current directory.
 */
export function rawDataRoot(): string {
  return Deno.env.get("FASHION_DATA_DIR") ?? join("data", "raw");
}

/** Folder where dataset `id` is installed (`<root>/<id>`). */
export function datasetDir(id: string, root: string = rawDataRoot()): string {
  return join(root, id);
}

/** Writes `FINGERPRINT.json` into `dir` atomically. */
export async function writeFingerprint(
  dir: string,
  fingerprint: DatasetFingerprint,
): Promise<void> {
  await writeJsonAtomic(join(dir, FINGERPRINT_FILE), fingerprint);
}

/**
 * Reads the fingerprint of an installed dataset.
 *
 * @throws naming the file and the command to run when the dataset is not
 * installed or the file is damaged.
 */
export async function readFingerprint(
  id: string,
  root: string = rawDataRoot(),
): Promise<DatasetFingerprint> {
  const path = join(datasetDir(id, root), FINGERPRINT_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Dataset '${id}' is not installed: ${path} does not exist. Run: deno task data ${id} (add --mirror DIR when offline)`,
      );
    }
    throw error;
  }
  let value: Partial<DatasetFingerprint>;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${path} is not valid JSON (${error}); reinstall with: deno task data ${id}`,
    );
  }
  if (
    value.id !== id || typeof value.sha256 !== "string" ||
    typeof value.files !== "number" || typeof value.bytes !== "number"
  ) {
    throw new Error(
      `${path} does not describe dataset '${id}' (fields id, sha256, files, bytes); reinstall with: deno task data ${id}`,
    );
  }
  return value as DatasetFingerprint;
}
