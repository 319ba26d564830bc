/**
 * Provenance of a converted folder: `conversion.json`, written last by
 * `convertDataset` beside the `.npz` files, says which input bytes and which
 * options made them and fingerprints the arrays it wrote, so a folder made
 * from other data or with other options (a `--limit-per-class` smoke run)
 * is never taken for the one the studies expect.
 *
 * Fingerprints (all lower-case hex sha256, in `sha256sum`'s text format so
 * they can be recomputed with standard tools):
 *
 * - input: the installed dataset's `FINGERPRINT.json` `sha256` when the
 *   input folder has one (`deno task data` writes it); else the same digest
 *   computed from the folder's `SHA256SUMS` (a mirror folder); else computed
 *   by hashing every regular file under the folder.
 * - one `.npz`: sha256 over the lines `<sha256 of member>  <member>\n` of
 *   its `.npy` members in name order (the arrays' bytes; the zip's own
 *   timestamps are left out, so the same arrays give the same digest).
 * - outputs: sha256 over the lines `<npz digest>  <file name>\n` of every
 *   `.npz` in name order. This is what runs on the arrays record.
 *
 * @example
 * ```ts
 * const check = await checkConversion("data/processed/fashion-product-images", {
 *   dataset: "fashion-product-images",
 *   inputFingerprint: installed.sha256,
 *   options: expectedOptions,
 * });
 * if (check.status === "ok") check.manifest.outputs.fingerprint;
 * ```
 *
 * @module
 */
import { join, relative } from "node:path";
import { unzipSync } from "fflate";
import { writeJsonAtomic } from "../../io/atomic.ts";
import {
  formatSha256Sums,
  hashBytes,
  hashFile,
  parseSha256Sums,
} from "../acquire/checksums.ts";
import {
  computeFingerprint,
  type FileRecord,
  FINGERPRINT_FILE,
} from "../acquire/fingerprint.ts";
import type { Rgb } from "./decode.ts";
import type { SplitFractions } from "../labels/splits.ts";

/** File name of the manifest inside a converted folder. */
export const MANIFEST_FILE = "conversion.json";

/** Every option that changes what a conversion writes. */
export interface ConversionOptionsRecord {
  /** Output width. */
  width: number;
  /** Output height. */
  height: number;
  /** Padding and flattening colour. */
  background: Rgb;
  /** `--limit-per-class`, or `null` for every image. */
  limitPerClass: number | null;
  /** Seed of the class limit and the split. */
  seed: number;
  /** Class-size rule (`--min-class-size`); `null` where the dataset has no such rule. */
  minClassSize: number | null;
  /** How the split was made. */
  split:
    | { method: "stratified"; fractions: SplitFractions }
    | { method: "dataset folders" };
  /** Hamming threshold of the near-duplicate check. */
  phashThreshold: number;
  /** Whether near-duplicates were removed from validation / test. */
  removeNearDuplicates: boolean;
  /** Decoder settings (resampling kernel, decompression-bomb limit, smallest side). */
  decode: { kernel: string; maxInputPixels: number; minSide: number };
}

/** One `.npz` written by the conversion. */
export interface ManifestFile {
  /** File name inside the folder. */
  file: string;
  /** Size in bytes. */
  bytes: number;
  /** Images in it. */
  count: number;
  /** sha256 over its arrays (see the module docs). */
  arraysSha256: string;
}

/** The contents of `conversion.json`. */
export interface ConversionManifest {
  /** Format version (1). */
  version: 1;
  /** Dataset id. */
  dataset: string;
  /** What was converted. */
  input: {
    /** Input folder (as given). */
    dir: string;
    /** Fingerprint of the input (see the module docs). */
    fingerprint: string;
    /** Where it came from: `FINGERPRINT.json`, the folder's `SHA256SUMS`, or `hashed files`. */
    fingerprintFrom: string;
  };
  /** The options (see {@link ConversionOptionsRecord}). */
  options: ConversionOptionsRecord;
  /** What was written. */
  outputs: {
    /** sha256 over the `.npz` arrays (see the module docs); runs record it. */
    fingerprint: string;
    /** How {@link ConversionManifest.outputs.fingerprint} is computed. */
    method: string;
    /** Every `.npz`, in name order. */
    files: ManifestFile[];
    /** Images converted, and entries skipped (listed in `conversion-report.json`). */
    converted: number;
    skipped: number;
  };
  /** sharp and libvips versions. */
  converter: { sharp: string; vips: string };
}

/** How the outputs fingerprint is computed, as the manifest states it. */
export const OUTPUTS_METHOD =
  "sha256 over the lines '<digest>  <file>\\n' of every .npz in name order, " +
  "where <digest> is sha256 over the lines '<sha256 of member bytes>  <member>\\n' " +
  "of the file's .npy members in name order";

/** Dataset bookkeeping files that are not inputs of a conversion. */
export const BOOKKEEPING_FILES: ReadonlySet<string> = new Set([
  "SHA256SUMS",
  FINGERPRINT_FILE,
  ".verified.json",
]);

/**
 * The fingerprint of an input folder (see the module docs), and where it
 * came from.
 */
export async function inputFingerprint(
  dir: string,
): Promise<{ sha256: string; from: string }> {
  try {
    const value = JSON.parse(
      await Deno.readTextFile(join(dir, FINGERPRINT_FILE)),
    );
    if (typeof value?.sha256 === "string") {
      return { sha256: value.sha256, from: FINGERPRINT_FILE };
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new Error(
        `${join(dir, FINGERPRINT_FILE)} cannot be read (${
          (error as Error).message
        }); reinstall the dataset with deno task data`,
      );
    }
  }
  let sums: string | undefined;
  try {
    sums = await Deno.readTextFile(join(dir, "SHA256SUMS"));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (sums !== undefined) {
    const parsed = parseSha256Sums(sums, join(dir, "SHA256SUMS"));
    const records = [...parsed].map(([path, sha256]) => ({
      path,
      sha256,
      bytes: 0,
    }));
    return {
      sha256: computeFingerprint(records).sha256,
      from: "SHA256SUMS (its digests; files not re-hashed)",
    };
  }
  const records: FileRecord[] = [];
  const walk = async (folder: string) => {
    for await (const entry of Deno.readDir(folder)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && !BOOKKEEPING_FILES.has(entry.name)) {
        records.push({
          path: relative(dir, path),
          sha256: await hashFile(path),
          bytes: 0,
        });
      }
    }
  };
  await walk(dir);
  return { sha256: computeFingerprint(records).sha256, from: "hashed files" };
}

/** sha256 over the arrays of one `.npz` (see the module docs). */
export async function npzArraysSha256(path: string): Promise<string> {
  const members = unzipSync(await Deno.readFile(path));
  const sums = Object.entries(members).map(([name, bytes]) =>
    [name, hashBytes(bytes)] as [string, string]
  );
  return hashBytes(new TextEncoder().encode(formatSha256Sums(sums)));
}

/** The outputs fingerprint over the files' array digests (see the module docs). */
export function outputsFingerprint(
  files: readonly Pick<ManifestFile, "file" | "arraysSha256">[],
): string {
  const text = formatSha256Sums(files.map((f) => [f.file, f.arraysSha256]));
  return hashBytes(new TextEncoder().encode(text));
}

/** Describes the `.npz` files written into `dir` for the manifest. */
export async function describeOutputs(
  dir: string,
  files: readonly { file: string; count: number }[],
): Promise<{ fingerprint: string; files: ManifestFile[] }> {
  const described: ManifestFile[] = [];
  for (const f of [...files].sort((a, b) => a.file < b.file ? -1 : 1)) {
    const path = join(dir, f.file);
    described.push({
      file: f.file,
      bytes: (await Deno.stat(path)).size,
      count: f.count,
      arraysSha256: await npzArraysSha256(path),
    });
  }
  return { fingerprint: outputsFingerprint(described), files: described };
}

/** Writes `conversion.json` into `dir` atomically. */
export async function writeConversionManifest(
  dir: string,
  manifest: ConversionManifest,
): Promise<void> {
  await writeJsonAtomic(join(dir, MANIFEST_FILE), manifest);
}

/**
 * Reads `conversion.json` from `dir`: `undefined` when there is none, a
 * string saying what is wrong when it cannot be used.
 */
export async function readConversionManifest(
  dir: string,
): Promise<ConversionManifest | undefined | string> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    return `${path} cannot be read (${(error as Error).message})`;
  }
  let value: Partial<ConversionManifest>;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `${path} is not valid JSON (${(error as Error).message})`;
  }
  if (
    value.version !== 1 || typeof value.dataset !== "string" ||
    typeof value.input?.fingerprint !== "string" ||
    typeof value.options !== "object" || value.options === null ||
    typeof value.outputs?.fingerprint !== "string" ||
    !Array.isArray(value.outputs?.files)
  ) {
    return `${path} is not a version-1 conversion manifest`;
  }
  return value as ConversionManifest;
}

/** One option in which a folder differs from what was expected. */
export interface OptionDifference {
  /** Option name in {@link ConversionOptionsRecord}. */
  option: keyof ConversionOptionsRecord;
  /** How to set it on `deno task convert` (e.g. `--limit-per-class`), if it has a flag. */
  flag?: string;
  /** The folder's value. */
  actual: unknown;
  /** The expected value. */
  expected: unknown;
}

const FLAGS: Partial<Record<keyof ConversionOptionsRecord, string>> = {
  width: "--width",
  height: "--height",
  limitPerClass: "--limit-per-class",
  seed: "--seed",
  minClassSize: "--min-class-size",
  phashThreshold: "--phash-threshold",
  removeNearDuplicates: "--remove-near-duplicates",
};

/** Recursively sorted JSON, so key order does not matter. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${
      Object.keys(value).sort().map((k) =>
        `${JSON.stringify(k)}:${
          canonical((value as Record<string, unknown>)[k])
        }`
      ).join(",")
    }}`;
  }
  return JSON.stringify(value ?? null);
}

/** The options in which `actual` differs from `expected`. */
export function optionDifferences(
  actual: Partial<ConversionOptionsRecord>,
  expected: ConversionOptionsRecord,
): OptionDifference[] {
  return (Object.keys(expected) as (keyof ConversionOptionsRecord)[])
    .filter((k) => canonical(actual[k]) !== canonical(expected[k]))
    .map((option) => ({
      option,
      flag: FLAGS[option],
      actual: actual[option] ?? null,
      expected: expected[option],
    }));
}

/** Describes option differences on one line, e.g. `--limit-per-class 10 (expected: none)`. */
export function describeDifferences(
  differences: readonly OptionDifference[],
): string {
  const show = (v: unknown) =>
    v === null ? "none" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return differences.map((d) =>
    `${d.flag ?? d.option} ${show(d.actual)} (expected: ${show(d.expected)})`
  ).join(", ");
}

/** What a converted folder is, against what is expected of it. */
export type ConversionCheck =
  | { status: "ok"; manifest: ConversionManifest }
  | { status: "missing"; why: string }
  | { status: "damaged"; why: string }
  | { status: "other-input"; why: string; manifest: ConversionManifest }
  | {
    status: "other-options";
    why: string;
    manifest: ConversionManifest;
    differences: OptionDifference[];
  };

/** What {@link checkConversion} compares a folder with. */
export interface ConversionExpectation {
  /** Dataset id. */
  dataset: string;
  /** Fingerprint of the installed input (its `FINGERPRINT.json` sha256). */
  inputFingerprint: string;
  /** The options the folder must have been made with. */
  options: ConversionOptionsRecord;
}

/**
 * Checks a converted folder against what is expected: `ok` only when its
 * manifest names the same dataset, input fingerprint and options, and every
 * `.npz` it lists is there with its recorded size and no other `.npz` is.
 * A folder without a manifest (never finished, or made before manifests)
 * is `missing`.
 */
export async function checkConversion(
  dir: string,
  expected: ConversionExpectation,
): Promise<ConversionCheck> {
  const manifest = await readConversionManifest(dir);
  if (manifest === undefined) {
    let there = true;
    try {
      await Deno.stat(dir);
    } catch {
      there = false;
    }
    return {
      status: "missing",
      why: there
        ? `${dir} has no ${MANIFEST_FILE} (no finished conversion there)`
        : `${dir} does not exist`,
    };
  }
  if (typeof manifest === "string") return { status: "damaged", why: manifest };
  if (manifest.dataset !== expected.dataset) {
    return {
      status: "other-input",
      why: `${dir} holds ${manifest.dataset}, not ${expected.dataset}`,
      manifest,
    };
  }
  if (manifest.input.fingerprint !== expected.inputFingerprint) {
    return {
      status: "other-input",
      why: `${dir} was converted from other data (input fingerprint ${
        manifest.input.fingerprint.slice(0, 16)
      }…, installed ${expected.inputFingerprint.slice(0, 16)}…)`,
      manifest,
    };
  }
  const differences = optionDifferences(manifest.options, expected.options);
  if (differences.length > 0) {
    return {
      status: "other-options",
      why: `${dir} was converted with other options: ${
        describeDifferences(differences)
      }`,
      manifest,
      differences,
    };
  }
  const listed = new Map(manifest.outputs.files.map((f) => [f.file, f]));
  for (const f of listed.values()) {
    let size: number | undefined;
    try {
      size = (await Deno.stat(join(dir, f.file))).size;
    } catch {
      size = undefined;
    }
    if (size !== f.bytes) {
      return {
        status: "damaged",
        why: size === undefined
          ? `${join(dir, f.file)} is missing`
          : `${
            join(dir, f.file)
          } has ${size} bytes, the manifest says ${f.bytes}`,
      };
    }
  }
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".npz") && !listed.has(entry.name)) {
      return {
        status: "damaged",
        why: `${join(dir, entry.name)} is not one of the conversion's files`,
      };
    }
  }
  return { status: "ok", manifest };
}
