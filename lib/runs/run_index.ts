/**
 * `index.json` over all run folders, which the report reads. It is always
 * rebuilt from the folders themselves (never edited incrementally), so it
 * cannot drift from them, and written atomically.
 *
 * @module
 */
import { join } from "node:path";
import { writeJsonAtomic } from "../io/atomic.ts";
import type { RunJson } from "./record.ts";

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

/** Scans `root` and returns the index (without writing it). */
export async function scanRuns(root: string): Promise<RunIndex> {
  const runs: RunIndexEntry[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(root)];
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  for (const entry of entries) {
    if (!entry.isDirectory) continue;
    const dir = join(root, entry.name);
    let run: RunJson;
    try {
      run = await readJson<RunJson>(join(dir, "run.json"));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue; // not a run folder
      runs.push({
        id: entry.name,
        name: entry.name,
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
