/**
 * `index.json` over all run folders, which the report reads. It is always
 * rebuilt from the folders themselves (never edited incrementally), so it
 * cannot drift from them, and written atomically.
 *
 * @module
 */
import { join } from "node:path";
import { writeJsonAtomic } from "../io/atomic.ts";
import type { RunJson } from "./run_json.ts";

/** One run in the index. */
export interface RunIndexEntry {
  /** Run id (folder name). */
  id: string;
  /** Experiment name. */
  name: string;
  /** `running`, `complete`, `failed`, or `unreadable` for a damaged folder. */
  status: string;
  /** Run seed. */
  seed?: number;
  /** Parameters. */
  params?: Record<string, unknown>;
  /** Dataset id and fingerprint. */
  dataset?: { id: string; fingerprint: string };
  /** Backend name. */
  backend?: string;
  /** When it finished. */
  finishedAt?: string;
  /** `metrics.json` of a complete run. */
  metrics?: Record<string, unknown>;
  /** Why the folder could not be read. */
  problem?: string;
}

/** The content of `index.json`. */
export interface RunIndex {
  /** When the index was rebuilt. */
  generatedAt: string;
  /** All runs, sorted by id. */
  runs: RunIndexEntry[];
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(path)) as T;
}

/** A folder under a runs root that holds a `run.json`. */
export interface RunFolder {
  /** The folder's name (the run id for a well-formed run). */
  name: string;
  /** The folder. */
  dir: string;
  /** Its `run.json`, or null when it could not be read or parsed. */
  run: RunJson | null;
  /** Why `run.json` could not be read or parsed (with `run` null). */
  error?: unknown;
}

/**
 * Reads `run.json` of every folder directly under `root`, in directory
 * order. Folders without a `run.json` are left out, and a missing `root`
 * has none; a `run.json` that cannot be read or parsed gives `run: null`
 * with the error.
 */
export async function readRunFolders(root: string): Promise<RunFolder[]> {
  const folders: RunFolder[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(root)];
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  for (const entry of entries) {
    if (!entry.isDirectory) continue;
    const dir = join(root, entry.name);
    try {
      const run = await readJson<RunJson>(join(dir, "run.json"));
      folders.push({ name: entry.name, dir, run });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue; // not a run folder
      folders.push({ name: entry.name, dir, run: null, error });
    }
  }
  return folders;
}

/** Scans `root` and returns the index (without writing it). */
export async function scanRuns(root: string): Promise<RunIndex> {
  const runs: RunIndexEntry[] = [];
  for (const { name, dir, run, error } of await readRunFolders(root)) {
    if (!run) {
      runs.push({
        id: name,
        name,
        status: "unreadable",
        problem: String(error),
      });
      continue;
    }
    const item: RunIndexEntry = {
      id: run.id,
      name: run.name,
      status: run.status,
      seed: run.seed,
      params: run.params,
      dataset: run.dataset,
      backend: run.backend?.name,
      finishedAt: run.finishedAt,
    };
    if (run.status === "complete" && run.files.includes("metrics.json")) {
      item.metrics = await readJson(join(dir, "metrics.json"));
    }
    runs.push(item);
  }
  runs.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return { generatedAt: new Date().toISOString(), runs };
}

/** Rebuilds `<root>/index.json` from the run folders, atomically; returns it. */
export async function rebuildRunIndex(root: string): Promise<RunIndex> {
  const index = await scanRuns(root);
  await writeJsonAtomic(join(root, "index.json"), index);
  return index;
}
