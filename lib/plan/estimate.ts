/**
 * The plan's numbers: per notebook and in total, the runs, the training
 * image-passes, the estimated wall time and the expected peak memory, from
 * the planned work and the calibrated model costs.
 *
 * Two assumptions, both printed with the plan:
 * - a run with early stopping trains `stopShare` of its maximum epochs
 *   (from the profile's finished runs when there are some, see
 *   {@linkcode observedStopShare}; else one half);
 * - peak memory is the process's baseline plus the largest run's images as
 *   float32 tensors (training, validation and test at once, as the runs
 *   hold them), their uint8 copies, the weights with Adam's two moments
 *   and gradients, and the training step's tensors; a Jupyter kernel adds
 *   its own (about 1 GB measured).
 *
 * @module
 */
import { join } from "node:path";
import type { CalibrationCache } from "./calibrate.ts";
import {
  type PlannedRun,
  predictionPasses,
  trainingPasses,
} from "./planned_work.ts";

/** One notebook's (or the total's) plan. */
export interface NotebookEstimate {
  /** Notebook name, or `total`. */
  notebook: string;
  /** Training runs (trials, seeds and models counted one each); predictions are not runs. */
  runs: number;
  /** Training image-passes expected (early stopping as assumed). */
  imagePasses: number;
  /** Training image-passes if every run trained its maximum epochs. */
  imagePassesUpperBound: number;
  /** Forward-only image-passes (validation, test, checks), expected. */
  predictionPasses: number;
  /** Estimated wall-clock seconds. */
  estimatedSeconds: number;
  /** Seconds if every run trained its maximum epochs. */
  upperBoundSeconds: number;
  /** Expected peak resident memory, bytes. */
  peakMemoryBytes: number;
}

/** Seconds of fixed cost per training run (building, checkpoints, records). */
export const SECONDS_PER_RUN = 3;

/** Options of {@linkcode estimatePlan}. */
export interface EstimateOptions {
  /** Share of its maximum epochs a run with early stopping trains. */
  stopShare: number;
  /** Resident bytes of a process with the backend loaded and no data. */
  baselineBytes: number;
}

function expectedEpochs(run: PlannedRun, stopShare: number): number {
  if (run.kind === "predict") return 0;
  return run.earlyStopping
    ? Math.max(1, Math.round(run.maxEpochs * stopShare))
    : run.maxEpochs;
}

function runSeconds(
  run: PlannedRun,
  epochs: number,
  costs: CalibrationCache,
): number {
  const c = costs[run.model.key];
  if (!c) throw new Error(`no calibration for model ${run.model.key}`);
  return trainingPasses(run, epochs) * c.trainSecondsPerImage +
    predictionPasses(run, epochs) * c.predictSecondsPerImage +
    (run.kind === "fit" ? run.count * SECONDS_PER_RUN : 0);
}

function runPeakBytes(run: PlannedRun, costs: CalibrationCache): number {
  const c = costs[run.model.key];
  const images = run.train + run.validation + run.test;
  const data = images * run.imageBytes * 1.25;
  const weights = run.kind === "fit" ? c.parameters * 4 * 4 : c.parameters * 4;
  return data + weights + (run.kind === "fit" ? c.stepPeakBytes : 0);
}

/** The plan of each notebook (in the order given) and a last `total` entry. */
export function estimatePlan(
  notebooks: { notebook: string; runs: PlannedRun[] }[],
  costs: CalibrationCache,
  options: EstimateOptions,
): NotebookEstimate[] {
  const out = notebooks.map(({ notebook, runs }) => {
    let seconds = 0, upper = 0, passes = 0, passesUpper = 0, predicted = 0;
    let peak = 0;
    let count = 0;
    for (const run of runs) {
      const epochs = expectedEpochs(run, options.stopShare);
      seconds += runSeconds(run, epochs, costs);
      upper += runSeconds(run, run.maxEpochs, costs);
      passes += trainingPasses(run, epochs);
      passesUpper += trainingPasses(run, run.maxEpochs);
      predicted += predictionPasses(run, epochs);
      peak = Math.max(peak, runPeakBytes(run, costs));
      if (run.kind === "fit") count += run.count;
    }
    return {
      notebook,
      runs: count,
      imagePasses: passes,
      imagePassesUpperBound: passesUpper,
      predictionPasses: predicted,
      estimatedSeconds: seconds,
      upperBoundSeconds: upper,
      peakMemoryBytes: options.baselineBytes + peak,
    };
  });
  const sum = (f: (e: NotebookEstimate) => number) =>
    out.reduce((a, e) => a + f(e), 0);
  out.push({
    notebook: "total",
    runs: sum((e) => e.runs),
    imagePasses: sum((e) => e.imagePasses),
    imagePassesUpperBound: sum((e) => e.imagePassesUpperBound),
    predictionPasses: sum((e) => e.predictionPasses),
    estimatedSeconds: sum((e) => e.estimatedSeconds),
    upperBoundSeconds: sum((e) => e.upperBoundSeconds),
    peakMemoryBytes: Math.max(
      options.baselineBytes,
      ...out.map((e) => e.peakMemoryBytes),
    ),
  });
  return out;
}

/**
 * The share of their maximum epochs that finished runs of `profile` with
 * early stopping trained (median), from their records under `roots`; null
 * when fewer than `least` such runs exist. A run counts when its
 * `params.epochs` is its maximum and its history shows it stopped early or
 * ran out (`params.patience` is not recorded, so runs whose profile has no
 * patience are not counted: the caller passes the profile's roots only
 * when its patience is set).
 */
export async function observedStopShare(
  roots: string[],
  profile: string,
  least = 3,
): Promise<{ share: number; runs: number } | null> {
  const shares: number[] = [];
  for (const root of roots) {
    let entries: Deno.DirEntry[] = [];
    try {
      entries = [...Deno.readDirSync(root)];
    } catch {
      continue;
    }
    for (const e of entries.filter((e) => e.isDirectory)) {
      try {
        const run = JSON.parse(
          await Deno.readTextFile(join(root, e.name, "run.json")),
        );
        if (
          run.status !== "complete" || run.tags?.profile !== profile ||
          run.tags?.kind === "search" ||
          typeof run.params?.epochs !== "number" ||
          run.params?.validation === "none"
        ) continue;
        const history = JSON.parse(
          await Deno.readTextFile(join(root, e.name, "history.json")),
        );
        if (Array.isArray(history) && history.length > 0) {
          shares.push(Math.min(1, history.length / run.params.epochs));
        }
      } catch {
        continue;
      }
    }
  }
  if (shares.length < least) return null;
  shares.sort((a, b) => a - b);
  const mid = Math.floor(shares.length / 2);
  const share = shares.length % 2
    ? shares[mid]
    : (shares[mid - 1] + shares[mid]) / 2;
  return { share, runs: shares.length };
}
