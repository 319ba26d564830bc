/**
 * Stratified, seeded train / validation / test splits, stored as a JSON file
 * of ids so every notebook and task uses the same split.
 *
 * Each stratum (class) is split on its own: its ids are sorted, shuffled with
 * a stream derived from the seed and the stratum's name (so adding a class
 * does not reshuffle the others, and input order does not matter), and cut
 * into `round(n * validation)` validation ids, `round(n * test)` test ids and
 * the rest for training.
 *
 * @example
 * ```ts
 * const split = stratifiedSplit(items.map((i) => ({ id: i.id, stratum: i.label })), { seed: 42 });
 * await writeSplitFile("data/processed/fpi/split.json", { dataset: "fashion-product-images", ...split });
 * const again = await readSplitFile("data/processed/fpi/split.json");
 * ```
 *
 * @module
 */
import { createRng, shuffleInPlace } from "../../random.ts";
import { writeJsonAtomic } from "../../io/atomic.ts";
import type { NearDuplicate } from "../images/phash.ts";

/** The three split names. */
export const SPLIT_NAMES = ["train", "validation", "test"] as const;

/** One of {@link SPLIT_NAMES}. */
export type SplitName = typeof SPLIT_NAMES[number];

/** Fractions of each stratum per split; they must add up to 1. */
export interface SplitFractions {
  /** Training fraction. */
  train: number;
  /** Validation fraction. */
  validation: number;
  /** Test fraction. */
  test: number;
}

/** The default 80 / 10 / 10 split. */
export const DEFAULT_FRACTIONS: SplitFractions = {
  train: 0.8,
  validation: 0.1,
  test: 0.1,
};

/** Options for {@link stratifiedSplit}. */
export interface SplitOptions {
  /** The run seed. */
  seed: number;
  /** Fractions (default 80/10/10). */
  fractions?: SplitFractions;
}

/** A computed split. */
export interface Split {
  /** Seed it was made with. */
  seed: number;
  /** Fractions it was made with. */
  fractions: SplitFractions;
  /** Per stratum, how many ids went to each split. */
  strata: Record<string, Record<SplitName, number>>;
  /** Training ids. */
  train: string[];
  /** Validation ids. */
  validation: string[];
  /** Test ids. */
  test: string[];
}

/** The stored form of a split. */
export interface SplitFile extends Split {
  /** Format version (1). */
  version?: 1;
  /** Dataset the ids belong to. */
  dataset: string;
  /** Near-duplicate pairs found across splits. */
  nearDuplicates?: NearDuplicate[];
  /** Ids removed from validation/test because they nearly duplicate an earlier split. */
  removed?: string[];
}

function checkFractions(f: SplitFractions): void {
  const values = [f.train, f.validation, f.test];
  if (values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new Error(`Split fractions must be >= 0, got ${JSON.stringify(f)}`);
  }
  if (Math.abs(values.reduce((a, b) => a + b, 0) - 1) > 1e-9) {
    throw new Error(
      `Split fractions must add up to 1, got ${JSON.stringify(f)}`,
    );
  }
}

/**
 * Splits items stratified by `stratum`, reproducibly from `seed`.
 *
 * @throws on duplicate ids or bad fractions.
 */
export function stratifiedSplit(
  items: readonly { id: string; stratum: string }[],
  options: SplitOptions,
): Split {
  const fractions = options.fractions ?? DEFAULT_FRACTIONS;
  checkFractions(fractions);
  const byStratum = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const { id, stratum } of items) {
    if (seen.has(id)) throw new Error(`stratifiedSplit: duplicate id '${id}'`);
    seen.add(id);
    if (!byStratum.has(stratum)) byStratum.set(stratum, []);
    byStratum.get(stratum)!.push(id);
  }
  const split: Split = {
    seed: options.seed,
    fractions,
    strata: {},
    train: [],
    validation: [],
    test: [],
  };
  for (const stratum of [...byStratum.keys()].sort()) {
    const ids = byStratum.get(stratum)!.sort();
    shuffleInPlace(ids, createRng(options.seed).fork(`split:${stratum}`));
    const n = ids.length;
    const nValidation = Math.round(n * fractions.validation);
    const nTest = Math.min(n - nValidation, Math.round(n * fractions.test));
    const validation = ids.slice(0, nValidation);
    const test = ids.slice(nValidation, nValidation + nTest);
    const train = ids.slice(nValidation + nTest);
    split.validation.push(...validation);
    split.test.push(...test);
    split.train.push(...train);
    split.strata[stratum] = {
      train: train.length,
      validation: validation.length,
      test: test.length,
    };
  }
  return split;
}

/** Map from id to its split. */
export function splitLookup(
  split: Pick<Split, SplitName>,
): Map<string, SplitName> {
  const out = new Map<string, SplitName>();
  for (const name of SPLIT_NAMES) {
    for (const id of split[name]) out.set(id, name);
  }
  return out;
}

/**
 * Removes, from validation and test, every id that nearly duplicates an id
 * of an earlier split (train before validation before test), so evaluation
 * never scores an image the model has effectively seen. Returns a new split
 * with `removed` and `nearDuplicates` filled in.
 */
export function removeNearDuplicates(
  split: SplitFile,
  duplicates: readonly NearDuplicate[],
): SplitFile {
  const rank = (g: string) => SPLIT_NAMES.indexOf(g as SplitName);
  const removed = new Set<string>(split.removed ?? []);
  for (const d of duplicates) {
    const later = rank(d.groupA) <= rank(d.groupB) ? d.b : d.a;
    removed.add(later);
  }
  return {
    ...split,
    nearDuplicates: [...duplicates],
    removed: [...removed].sort(),
    validation: split.validation.filter((id) => !removed.has(id)),
    test: split.test.filter((id) => !removed.has(id)),
  };
}

/** Writes a split file atomically. */
export async function writeSplitFile(
  path: string,
  split: SplitFile,
): Promise<void> {
  validateSplit(split, path);
  await writeJsonAtomic(path, { version: 1, ...split });
}

/** Checks a split's shape and that no id is in two splits. */
export function validateSplit(value: unknown, source: string): SplitFile {
  const v = value as Partial<SplitFile> | null;
  if (!v || typeof v !== "object") {
    throw new Error(`${source}: a split file must hold a JSON object`);
  }
  if (typeof v.dataset !== "string") {
    throw new Error(`${source}: 'dataset' must be a string`);
  }
  const seen = new Map<string, SplitName>();
  for (const name of SPLIT_NAMES) {
    const ids = v[name];
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string")) {
      throw new Error(`${source}: '${name}' must be an array of id strings`);
    }
    for (const id of ids) {
      const other = seen.get(id);
      if (other) {
        throw new Error(
          `${source}: id '${id}' is in both ${other} and ${name}; regenerate the split`,
        );
      }
      seen.set(id, name);
    }
  }
  return v as SplitFile;
}

/** Reads and validates a split file. */
export async function readSplitFile(path: string): Promise<SplitFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new Error(
      `Cannot read split file ${path}: ${
        (error as Error).message
      }. Create it with deno task convert`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return validateSplit(json, path);
}
