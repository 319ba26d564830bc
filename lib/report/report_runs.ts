/**
 * The run records as the report reads them: every complete run with its
 * metrics and history, and what kind of result each holds.
 *
 * @module
 */
import { join } from "node:path";
import type { RunJson } from "../runs/run_json.ts";
import type { ClassifierMetrics } from "../runs/classifier_metrics.ts";
import { type GalleryEntry, readGallery } from "../runs/photo_check_metrics.ts";

/** One complete run as the report reads it. */
export interface ReportRun {
  /** Its `run.json`. */
  run: RunJson;
  /** Its folder. */
  dir: string;
  /** Its `metrics.json` (empty when missing). */
  metrics: Record<string, unknown>;
  /** Its `history.json` (empty when missing). */
  history: Record<string, number>[];
  /** A photo check's `misclassified.json`: thumbnails of its mistakes (absent otherwise). */
  gallery?: GalleryEntry[];
}

async function readJsonOr<T>(path: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return fallback;
  }
}

/** Reads every complete run under `root`, sorted by id. */
export async function readCompleteRuns(root: string): Promise<ReportRun[]> {
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(root)];
  } catch {
    return [];
  }
  const names = entries.filter((e) => e.isDirectory).map((e) => e.name)
    .sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  const read = await Promise.all(names.map(async (name) => {
    const dir = join(root, name);
    const run = await readJsonOr<RunJson | null>(join(dir, "run.json"), null);
    if (run?.status !== "complete") return null;
    const [metrics, history] = await Promise.all([
      readJsonOr<Record<string, unknown>>(join(dir, "metrics.json"), {}),
      readJsonOr<Record<string, number>[]>(join(dir, "history.json"), []),
    ]);
    if (run.tags?.check === "photos") {
      const gallery = await readGallery(dir);
      return { run, dir, metrics, history, gallery };
    }
    return { run, dir, metrics, history };
  }));
  return read.filter((r): r is ReportRun => r !== null);
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
