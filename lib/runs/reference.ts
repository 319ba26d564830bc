/**
 * Reference run records: the complete runs of a profile kept in the
 * repository, under `reports/reference/<profile>/<run-id>/`, without model
 * weights or checkpoints (`run.json`, `history.json`, `metrics.json`,
 * `predictions.json` and the other JSON files a run writes, such as a
 * search's `search.json`). `reference.json` beside them names every run
 * with the machine, backend, date and wall time it was made with.
 *
 * They let a fresh clone's report show results nobody trained there (the
 * `full` profile takes hours), and let a rerun be compared with them
 * (`reference_check.ts`). Saving is an explicit step
 * (`deno task reference save`), so a reference changes only on purpose.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeJsonAtomic } from "../io/atomic.ts";
import { existsOrFalse } from "../io/exists.ts";
import { type MachineInfo, machineInfo } from "./machine.ts";
import { readRun } from "./record.ts";
import type { RunJson } from "./run_json.ts";

/** `reports/reference` of this repository. */
export const DEFAULT_REFERENCE_ROOT = fileURLToPath(
  new URL("../../reports/reference", import.meta.url),
);

/** The manifest's file name inside `reports/reference/<profile>/`. */
export const REFERENCE_MANIFEST = "reference.json";

/** One run of a reference set. */
export interface ReferenceEntry {
  /** Run id (its folder). */
  id: string;
  /** Run name. */
  name: string;
  /** Study id (`tags.study`), when the run names one. */
  study?: string;
  /** Backend name and device. */
  backend: string;
  /** The machine it ran on: its `run.json`'s, else the machine that saved it (`machineFrom`). */
  machine: MachineInfo;
  /** Where {@link ReferenceEntry.machine} comes from. */
  machineFrom: "run record" | "saving machine";
  /** ISO time it finished. */
  finishedAt: string;
  /** Wall-clock seconds of all its sittings. */
  durationSeconds: number;
}

/** `reports/reference/<profile>/reference.json`. */
export interface ReferenceManifest {
  /** The profile every run of the set was made at. */
  profile: string;
  /** ISO time of the last save. */
  updatedAt: string;
  /** The workspace's commit at the last save (`git rev-parse HEAD`, `+changes` when the tree differed), when known. */
  commit?: string;
  /** The runs, sorted by id. */
  runs: ReferenceEntry[];
}

/** What {@linkcode saveReference} did. */
export interface SavedReference {
  /** Runs copied in that the reference did not hold. */
  added: string[];
  /** Runs copied over the reference's older copy. */
  replaced: string[];
  /** Runs of the reference not made here, removed (`replace` only). */
  removed: string[];
  /** The manifest written. */
  manifest: ReferenceManifest;
  /** Bytes of the files copied. */
  bytes: number;
}

/** Files and folders of a run folder that never enter a reference. */
function keptOut(name: string, isDirectory: boolean): boolean {
  return isDirectory || name === "checkpoint.bin" || name.startsWith(".");
}

/**
 * The photo checks' thumbnails of misclassified photos: kept in `course`
 * and `full` references (the report shows them), left out of `smoke`'s,
 * where they are megabytes of a model that means nothing.
 */
export const GALLERY_FILE = "misclassified.json";

/** The complete runs of `profile` under `runsRoot`, sorted by id. */
export async function completeRunsOf(
  runsRoot: string,
  profile: string,
): Promise<RunJson[]> {
  const out: RunJson[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(runsRoot)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  for (const e of entries.filter((e) => e.isDirectory)) {
    const run = await readRun(join(runsRoot, e.name));
    if (run?.status === "complete" && run.tags?.profile === profile) {
      out.push(run);
    }
  }
  return out.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Reads a profile's reference manifest, or null when there is none. */
export async function readReferenceManifest(
  referenceRoot: string,
  profile: string,
): Promise<ReferenceManifest | null> {
  const path = join(referenceRoot, profile, REFERENCE_MANIFEST);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  try {
    const manifest = JSON.parse(text) as ReferenceManifest;
    if (manifest.profile !== profile || !Array.isArray(manifest.runs)) {
      throw new Error(`it is not a manifest of profile ${profile}`);
    }
    return manifest;
  } catch (error) {
    throw new Error(
      `${path} cannot be read (${
        (error as Error).message
      }); restore it from git (git checkout -- ${path})`,
    );
  }
}

/** The profiles that have a reference set under `referenceRoot`, sorted. */
export async function referenceProfiles(
  referenceRoot: string,
): Promise<string[]> {
  const out: string[] = [];
  try {
    for (const e of Deno.readDirSync(referenceRoot)) {
      if (
        e.isDirectory &&
        await existsOrFalse(join(referenceRoot, e.name, REFERENCE_MANIFEST))
      ) out.push(e.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
}

async function copyRunFiles(
  from: string,
  to: string,
  leaveOut: string[],
): Promise<number> {
  await Deno.mkdir(to, { recursive: true });
  let bytes = 0;
  for (
    const e of [...Deno.readDirSync(from)].sort((a, b) =>
      a.name < b.name ? -1 : 1
    )
  ) {
    if (keptOut(e.name, e.isDirectory) || !e.isFile) continue;
    if (leaveOut.includes(e.name)) continue;
    await Deno.copyFile(join(from, e.name), join(to, e.name));
    bytes += (await Deno.stat(join(to, e.name))).size;
  }
  return bytes;
}

function entryOf(run: RunJson, here: MachineInfo): ReferenceEntry {
  return {
    id: run.id,
    name: run.name,
    ...(run.tags?.study ? { study: run.tags.study } : {}),
    backend: `${run.backend.name} on ${run.backend.device}`,
    machine: run.machine ?? here,
    machineFrom: run.machine ? "run record" : "saving machine",
    finishedAt: run.finishedAt ?? run.startedAt,
    durationSeconds: run.durationSeconds ?? 0,
  };
}

/**
 * Copies the complete runs of `profile` under `runsRoot` into
 * `referenceRoot/<profile>/`, without model weights or checkpoints, and
 * rewrites its `reference.json`. A run the reference already holds is
 * replaced by the local copy; runs of the reference that were not made here
 * stay (a long profile is made over several sittings) unless `replace` is
 * set, which makes the reference exactly the local runs. Each run is copied
 * into a hidden folder first and renamed into place, so a killed save
 * leaves either the old copy or the new one. Files named in `leaveOut`
 * (default: {@link GALLERY_FILE} at `smoke`, nothing otherwise) are not
 * copied.
 *
 * @throws when there is no complete run of the profile under `runsRoot`.
 */
export async function saveReference(options: {
  runsRoot: string;
  referenceRoot: string;
  profile: string;
  replace?: boolean;
  leaveOut?: string[];
  commit?: string;
}): Promise<SavedReference> {
  const { runsRoot, referenceRoot, profile } = options;
  const leaveOut = options.leaveOut ??
    (profile === "smoke" ? [GALLERY_FILE] : []);
  const runs = await completeRunsOf(runsRoot, profile);
  if (!runs.length) {
    throw new Error(
      `no complete run of profile ${profile} under ${runsRoot}; run the notebooks at that profile first (deno task reproduce --profile ${profile})`,
    );
  }
  const dir = join(referenceRoot, profile);
  await Deno.mkdir(dir, { recursive: true });
  const old = await readReferenceManifest(referenceRoot, profile);
  const here = machineInfo();
  const byId = new Map((old?.runs ?? []).map((e) => [e.id, e]));
  const saved: SavedReference = {
    added: [],
    replaced: [],
    removed: [],
    bytes: 0,
    manifest: {
      profile,
      updatedAt: new Date().toISOString(),
      ...(options.commit ? { commit: options.commit } : {}),
      runs: [],
    },
  };
  for (const run of runs) {
    const incoming = join(dir, `.${run.id}.incoming`);
    await Deno.remove(incoming, { recursive: true }).catch(() => {});
    saved.bytes += await copyRunFiles(
      join(runsRoot, run.id),
      incoming,
      leaveOut,
    );
    const target = join(dir, run.id);
    const existed = await existsOrFalse(target);
    if (existed) await Deno.remove(target, { recursive: true });
    await Deno.rename(incoming, target);
    (existed || byId.has(run.id) ? saved.replaced : saved.added).push(run.id);
    byId.set(run.id, entryOf(run, here));
  }
  if (options.replace) {
    const local = new Set(runs.map((r) => r.id));
    for (const id of [...byId.keys()]) {
      if (local.has(id)) continue;
      await Deno.remove(join(dir, id), { recursive: true }).catch(() => {});
      byId.delete(id);
      saved.removed.push(id);
    }
  }
  saved.manifest.runs = [...byId.values()].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  );
  await writeJsonAtomic(join(dir, REFERENCE_MANIFEST), saved.manifest);
  return saved;
}
