/**
 * The run records as the report reads them: every complete run with its
 * metrics and history, checked against the record format, the files that
 * keep damaged records out, and what kind of result each run holds.
 *
 * @module
 */
import { join } from "node:path";
import type { RunJson } from "../runs/run_json.ts";
import { describeMachine } from "../runs/machine.ts";
import { readReferenceManifest, referenceProfiles } from "../runs/reference.ts";
import type { ClassifierMetrics } from "../runs/classifier_metrics.ts";
import type { GalleryEntry } from "../runs/gallery.ts";
import { type ShownEntry, withJpeg } from "./thumbnails.ts";
import {
  validateGallery,
  validateHistory,
  validateMetrics,
  validateRunJson,
} from "../runs/validate.ts";

/** One complete run as the report reads it. */
export interface ReportRun {
  /** Its `run.json`. */
  run: RunJson;
  /** Its folder. */
  dir: string;
  /** Its `metrics.json`. */
  metrics: Record<string, unknown>;
  /** Its `history.json` (empty when missing). */
  history: Record<string, number>[];
  /** Its `misclassified.json`: thumbnails of its mistakes (a photo check's, or a test run's first ones; absent when the record has none), as JPEG (`thumbnails.ts`). */
  gallery?: ShownEntry[];
  /** Set when the run is a reference record (`reports/reference/<profile>/`), not a local run. */
  reference?: ReferenceNote;
}

/** Where and when a reference record was made, from its set's `reference.json`. */
export interface ReferenceNote {
  /** The profile of the reference set. */
  profile: string;
  /** The machine, in words. */
  machine: string;
  /** ISO time the run finished. */
  finishedAt: string;
  /** Wall-clock seconds of all its sittings. */
  durationSeconds: number;
}

/** A file of a run record the report cannot use, and why: the record is left out. */
export interface NotShown {
  /** The run folder's name. */
  folder: string;
  /** The run folder. */
  dir: string;
  /** The file at fault (`run.json`, `metrics.json`, `history.json`, `misclassified.json`). */
  file: string;
  /** What is wrong with it, on one line. */
  reason: string;
  /** The study its `run.json` names, when it could be read. */
  study?: string;
}

/** What the report reads under a runs root. */
export interface RunRecords {
  /** Every complete run whose files are sound, sorted by id. */
  runs: ReportRun[];
  /** The files of complete (or unreadable) records that are not, by folder. */
  notShown: NotShown[];
}

/** At most this many problems of one file are named; the rest are counted. */
const MAX_PROBLEMS = 4;

function reasonOf(problems: string[]): string {
  const named = problems.slice(0, MAX_PROBLEMS).join("; ");
  const more = problems.length - MAX_PROBLEMS;
  return more > 0 ? `${named}; and ${more} more` : named;
}

type Read =
  | { ok: true; value: unknown }
  | { ok: false; missing: boolean; reason: string };

/** A JSON file: its value, or whether it is missing and why it cannot be read. */
async function readJson(path: string): Promise<Read> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const missing = error instanceof Deno.errors.NotFound;
    return {
      ok: false,
      missing,
      reason: missing ? "missing" : `unreadable: ${(error as Error).message}`,
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      missing: false,
      reason: `not valid JSON (${(error as Error).message})`,
    };
  }
}

type Outcome = ReportRun | NotShown[] | null;

/** The class names a gallery's classes must be among: the run's, or each head's. */
function galleryNames(
  metrics: Record<string, unknown>,
): string[] | Record<string, string[]> | undefined {
  if (Array.isArray(metrics.classNames)) return metrics.classNames as string[];
  if (metrics.heads !== null && typeof metrics.heads === "object") {
    return Object.fromEntries(
      Object.entries(metrics.heads as Record<string, unknown>).flatMap((
        [head, m],
      ) => {
        const names = (m as { classNames?: unknown } | null)?.classNames;
        return Array.isArray(names) ? [[head, names as string[]]] : [];
      }),
    );
  }
  return undefined;
}

/** One folder: its complete run, the files that keep it out, or null (not a run, or not complete). */
async function readRecord(dir: string, folder: string): Promise<Outcome> {
  const notShown = (file: string, reason: string, study?: string) => [{
    folder,
    dir,
    file,
    reason,
    ...(study === undefined ? {} : { study }),
  }];
  const runFile = await readJson(join(dir, "run.json"));
  if (!runFile.ok) {
    return runFile.missing ? null : notShown("run.json", runFile.reason);
  }
  const json = runFile.value as Record<string, unknown> | null;
  // Running and failed runs are not results; they stay out without a word.
  if (json?.status === "running" || json?.status === "failed") return null;
  const tags = (json as { tags?: Record<string, unknown> } | null)?.tags;
  const study = typeof tags?.study === "string" ? tags.study : undefined;
  const runProblems = validateRunJson(json, folder);
  if (runProblems.length) {
    return notShown("run.json", reasonOf(runProblems), study);
  }
  const run = json as unknown as RunJson;
  const out: NotShown[] = [];
  const [metricsFile, historyFile] = await Promise.all([
    readJson(join(dir, "metrics.json")),
    readJson(join(dir, "history.json")),
  ]);
  let metrics: Record<string, unknown> = {};
  if (!metricsFile.ok) {
    out.push(...notShown(
      "metrics.json",
      metricsFile.missing
        ? "missing, though run.json says the run is complete"
        : metricsFile.reason,
      study,
    ));
  } else {
    const problems = validateMetrics(metricsFile.value, run);
    if (problems.length) {
      out.push(...notShown("metrics.json", reasonOf(problems), study));
    } else metrics = metricsFile.value as Record<string, unknown>;
  }
  let history: Record<string, number>[] = [];
  if (!historyFile.ok) {
    if (!historyFile.missing) {
      out.push(...notShown("history.json", historyFile.reason, study));
    }
  } else {
    const problems = validateHistory(historyFile.value);
    if (problems.length) {
      out.push(...notShown("history.json", reasonOf(problems), study));
    } else history = historyFile.value as Record<string, number>[];
  }
  // A photo check always has a gallery (empty without the file); a test
  // run has one when its record keeps the file (older records do not).
  let gallery: ShownEntry[] | undefined = run.tags?.check === "photos"
    ? []
    : undefined;
  const galleryFile = await readJson(join(dir, "misclassified.json"));
  if (!galleryFile.ok) {
    if (!galleryFile.missing) {
      out.push(...notShown("misclassified.json", galleryFile.reason, study));
    }
  } else {
    const problems = validateGallery(galleryFile.value, galleryNames(metrics));
    if (problems.length) {
      out.push(...notShown("misclassified.json", reasonOf(problems), study));
    } else {
      try {
        gallery = await withJpeg(galleryFile.value as GalleryEntry[]);
      } catch (error) {
        out.push(
          ...notShown("misclassified.json", (error as Error).message, study),
        );
      }
    }
  }
  if (out.length) return out;
  return gallery ? { run, dir, metrics, history, gallery } : {
    run,
    dir,
    metrics,
    history,
  };
}

/**
 * Reads every run record under `root`, checked against the record format
 * (`lib/runs/validate.ts`): the complete runs whose files are sound, sorted
 * by id, and every file that keeps a record out (a `run.json` that cannot
 * be read or parsed, or the damaged or missing files of a complete run),
 * sorted by folder. Folders without a `run.json` are not runs and running
 * or failed runs are not results: both are left out without a word. A
 * missing `root` holds no runs.
 */
export async function readRunRecords(root: string): Promise<RunRecords> {
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(root)];
  } catch {
    return { runs: [], notShown: [] };
  }
  const names = entries.filter((e) => e.isDirectory).map((e) => e.name)
    .sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  const read = await Promise.all(
    names.map((name) => readRecord(join(root, name), name)),
  );
  const runs: ReportRun[] = [];
  const notShown: NotShown[] = [];
  for (const r of read) {
    if (Array.isArray(r)) notShown.push(...r);
    else if (r) runs.push(r);
  }
  return { runs, notShown };
}

/**
 * The local runs under `runsRoot` and, where no local run has the same id,
 * the reference records under `referenceRoot/<profile>/` of every profile
 * in `profiles` (each marked with its {@link ReferenceNote}), sorted by id.
 * Damaged files of either are listed in `notShown`.
 */
export async function readRunsWithReference(
  runsRoot: string,
  referenceRoot: string,
  profiles?: string[],
): Promise<RunRecords & { referenceCount: number }> {
  const local = await readRunRecords(runsRoot);
  const have = new Set([
    ...local.runs.map((r) => r.run.id),
    ...local.notShown.map((p) => p.folder),
  ]);
  const runs = [...local.runs];
  const notShown = [...local.notShown];
  let referenceCount = 0;
  for (const profile of profiles ?? await referenceProfiles(referenceRoot)) {
    const manifest = await readReferenceManifest(referenceRoot, profile);
    if (!manifest) continue;
    const entries = new Map(manifest.runs.map((e) => [e.id, e]));
    const ref = await readRunRecords(join(referenceRoot, profile));
    for (const r of ref.runs) {
      const entry = entries.get(r.run.id);
      if (!entry || have.has(r.run.id)) continue;
      have.add(r.run.id);
      referenceCount++;
      runs.push({
        ...r,
        reference: {
          profile,
          machine: describeMachine(entry.machine),
          finishedAt: entry.finishedAt,
          durationSeconds: entry.durationSeconds,
        },
      });
    }
    notShown.push(...ref.notShown.filter((p) => !have.has(p.folder)));
  }
  runs.sort((a, b) => a.run.id < b.run.id ? -1 : a.run.id > b.run.id ? 1 : 0);
  return { runs, notShown, referenceCount };
}

/** Reads every complete run under `root` whose files are sound, sorted by id (see {@linkcode readRunRecords}). */
export async function readCompleteRuns(root: string): Promise<ReportRun[]> {
  return (await readRunRecords(root)).runs;
}

// ---------------------------------------------------------------- run kinds

type Kind =
  | "photo-check"
  | "classifier"
  | "multi-head"
  | "comparison"
  | "trial"
  | "other";

interface ComparisonScore {
  n: number;
  points: number;
  maxPoints: number;
  exactPathAccuracy: number;
  perLevel: { category?: number; gender: number; type: number };
}

/** What a combined-vs-hierarchical comparison run writes to `metrics.json`. */
export interface ComparisonMetrics {
  combined: ComparisonScore;
  hierarchical: ComparisonScore;
  mcnemar: {
    b: number;
    c: number;
    pValue: number;
    method: string;
    statistic?: number;
  };
}

/** What a multi-output run writes to `metrics.json`: one classifier's metrics per head. */
export interface MultiHeadMetrics {
  heads: Record<string, ClassifierMetrics>;
  averageAccuracy?: number;
}

const isClassifierMetrics = (m: unknown): m is ClassifierMetrics =>
  typeof m === "object" && m !== null &&
  typeof (m as ClassifierMetrics).accuracy === "number" &&
  Array.isArray((m as ClassifierMetrics).confusion) &&
  Array.isArray((m as ClassifierMetrics).classNames);

/** What kind of record a run is, from its tags and the shape of its metrics. */
export function runKind(r: ReportRun): Kind {
  const m = r.metrics;
  if (
    typeof m.combined === "object" && typeof m.hierarchical === "object" &&
    typeof m.mcnemar === "object"
  ) return "comparison";
  if (
    typeof m.heads === "object" && m.heads !== null &&
    Object.values(m.heads).some(isClassifierMetrics)
  ) return "multi-head";
  if (isClassifierMetrics(m) && r.run.tags?.check === "photos") {
    return "photo-check";
  }
  if (isClassifierMetrics(m)) return "classifier";
  if (isTrialRun(r)) return "trial";
  return "other";
}

/** A multi-output run's heads with their metrics, in recorded order. */
export function heads(r: ReportRun): [string, ClassifierMetrics][] {
  return Object.entries((r.metrics as unknown as MultiHeadMetrics).heads)
    .filter(([, m]) => isClassifierMetrics(m));
}

/** A search trial's run name ends with ` trial`. */
export const TRIAL = / trial$/;

/** Whether a run is a search trial (name `… trial`, metrics `valAccuracy`). */
export function isTrialRun(r: ReportRun): boolean {
  return TRIAL.test(r.run.name) &&
    typeof r.metrics.valAccuracy === "number" &&
    typeof r.metrics.accuracy !== "number" && !("heads" in r.metrics);
}
