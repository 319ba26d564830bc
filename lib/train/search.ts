/**
 * Hyperparameter search (studies 000 and 001): grid or random candidates,
 * each trained as its own run record; the winner is chosen by validation
 * accuracy only, and the test set is evaluated once, for the winner, in a
 * separate run record. Completed trials are reused when the search is run
 * again (same name, parameters and seed give the same run id), so an
 * interrupted search continues where it stopped, and the test evaluation
 * never repeats.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { createRng, shuffleInPlace } from "../random.ts";
import { loadModel } from "../models/model_files.ts";
import {
  DEFAULT_RUNS_ROOT,
  type Predictions,
  readRun,
  type RunInfo,
  RunRecord,
} from "../runs/record.ts";
import { runId } from "../runs/run_id.ts";
import type { EpochLogs, FitResult } from "./fit.ts";

/** A hyperparameter value. */
export type ParamValue = number | string | boolean;

/** Hyperparameters of one candidate. */
export type Params = Record<string, ParamValue>;

/** The values to try for each hyperparameter. */
export type SearchSpace = Record<string, readonly ParamValue[]>;

/** Study 001's HParams grid (also study 000's): kernel size x number of filters. */
export const STUDY_001_GRID: SearchSpace = {
  kernelSize: [3, 5, 7],
  filters: [32, 64, 96, 128],
};

/**
 * Study 000's wider space: its best models used dense sizes 256 / 512, L2
 * 1e-4 / 1e-5 and dropout 0.4; the neighbouring dropout values are ours.
 */
export const STUDY_000_SPACE: SearchSpace = {
  ...STUDY_001_GRID,
  denseSize: [256, 512],
  l2: [1e-4, 1e-5],
  dropout: [0.3, 0.4, 0.5],
};

/**
 * Every combination of `space`, the first key varying slowest.
 *
 * @example
 * ```ts
 * gridSearch({ kernelSize: [3, 5], filters: [32, 64] });
 * // [{kernelSize:3,filters:32}, {kernelSize:3,filters:64}, {kernelSize:5,filters:32}, {kernelSize:5,filters:64}]
 * ```
 */
export function gridSearch(space: SearchSpace): Params[] {
  let combos: Params[] = [{}];
  for (const [key, values] of Object.entries(space)) {
    if (values.length === 0) {
      throw new Error(`Search space "${key}" has no values; give at least one`);
    }
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combos;
}

/** `count` distinct combinations of `space`, drawn with `seed` (all of them if `count` is larger). */
export function randomSearch(
  space: SearchSpace,
  count: number,
  seed: number,
): Params[] {
  const grid = gridSearch(space);
  return shuffleInPlace(grid, createRng(seed)).slice(0, count);
}

/** The validation accuracy of the epoch whose weights a fit ended with. */
export function validationAccuracy(result: FitResult): number {
  const logs = result.history[result.bestEpoch];
  const acc = logs?.val_acc;
  if (acc === undefined) {
    throw new Error(
      "The fit has no val_acc: pass validation data and compile with metrics ['accuracy']",
    );
  }
  return acc;
}

/** What a trial's training returns. */
export interface TrialResult {
  /** The trained model (saved into the trial's run folder, then disposed). */
  model: tf.LayersModel;
  /** Per-epoch history. */
  history: EpochLogs[];
  /** Validation accuracy: the only number the winner is chosen by. */
  valAccuracy: number;
}

/** One trial of a search. */
export interface TrialSummary<P extends Params> {
  /** Its hyperparameters. */
  params: P;
  /** Its run id. */
  runId: string;
  /** Its validation accuracy. */
  valAccuracy: number;
  /** Whether a complete earlier run was reused instead of training. */
  reused: boolean;
}

/** Options of {@linkcode runSearch}. */
export interface SearchOptions<P extends Params> {
  /** Experiment name; trials are `<name> trial`, the test run `<name> test`. */
  name: string;
  /** The seed every trial trains with (same batches for all, a fair comparison). */
  seed: number;
  /** Candidates, e.g. from {@linkcode gridSearch}. */
  candidates: P[];
  /** Dataset, split sizes and backend, recorded in every run. */
  info: Omit<RunInfo, "name" | "params" | "seed">;
  /** Runs root; default `reports/runs`. */
  root?: string;
  /** Trains one candidate on the training split, validating on the validation split. */
  train(
    params: P,
    context: { seed: number; checkpointPath: string },
  ): Promise<TrialResult>;
  /** Evaluates the chosen model on the test split; called at most once per search. */
  test(
    model: tf.LayersModel,
    params: P,
  ): Promise<{ predictions: Predictions; metrics: Record<string, unknown> }>;
  /** Called after each trial (progress). */
  onTrial?(trial: TrialSummary<P>, index: number, total: number): void;
}

/** What {@linkcode runSearch} returns. */
export interface SearchResult<P extends Params> {
  /** Every trial, in candidate order. */
  trials: TrialSummary<P>[];
  /** The winner (highest validation accuracy; the earlier candidate on ties). */
  best: TrialSummary<P>;
  /** Run id of the test evaluation. */
  testRunId: string;
  /** Test metrics of the winner. */
  testMetrics: Record<string, unknown>;
}

/**
 * Runs a hyperparameter search with one run record per trial.
 *
 * @example
 * ```ts
 * const result = await runSearch({
 *   name: "Primary classification", seed: 42,
 *   candidates: gridSearch(STUDY_001_GRID),
 *   info: { dataset, splits, backend },
 *   train: async (p, { seed, checkpointPath }) => {
 *     const model = buildStudyCnn({ classes: 3, seed, kernelSize: p.kernelSize as number, filters: p.filters as number });
 *     compileClassifier(model);
 *     const fitted = await fit(model, train, { epochs: 10, batchSize: 32, seed, validation, checkpointPath });
 *     return { model, history: fitted.history, valAccuracy: validationAccuracy(fitted) };
 *   },
 *   test: async (model) => { ... predict on the test split ... },
 * });
 * ```
 */
export async function runSearch<P extends Params>(
  options: SearchOptions<P>,
): Promise<SearchResult<P>> {
  if (options.candidates.length === 0) {
    throw new Error(`Search "${options.name}" has no candidates`);
  }
  const root = options.root ?? DEFAULT_RUNS_ROOT;
  const trialName = `${options.name} trial`;
  const trials: TrialSummary<P>[] = [];
  for (const [i, params] of options.candidates.entries()) {
    const id = runId(trialName, params, options.seed);
    const previous = await readRun(join(root, id));
    let summary: TrialSummary<P>;
    if (previous?.status === "complete") {
      const metrics = JSON.parse(
        await Deno.readTextFile(join(root, id, "metrics.json")),
      );
      summary = {
        params,
        runId: id,
        valAccuracy: metrics.valAccuracy,
        reused: true,
      };
    } else {
      const run = await RunRecord.start({
        ...options.info,
        name: trialName,
        params,
        seed: options.seed,
      }, { root });
      try {
        const result = await options.train(params, {
          seed: options.seed,
          checkpointPath: run.checkpointPath,
        });
        if (!Number.isFinite(result.valAccuracy)) {
          throw new Error(
            `Trial ${id} returned validation accuracy ${result.valAccuracy}`,
          );
        }
        await run.writeHistory(result.history);
        await run.writeMetrics({ valAccuracy: result.valAccuracy });
        await run.saveModel(result.model);
        await run.complete();
        result.model.dispose();
        summary = {
          params,
          runId: id,
          valAccuracy: result.valAccuracy,
          reused: false,
        };
      } catch (error) {
        await run.fail(error);
        throw error;
      }
    }
    trials.push(summary);
    options.onTrial?.(summary, i, options.candidates.length);
  }

  const best = trials.reduce((a, b) => b.valAccuracy > a.valAccuracy ? b : a);
  const testParams = {
    ...best.params,
    selectedFrom: best.runId,
    candidates: trials.length,
  };
  const testName = `${options.name} test`;
  const testId = runId(testName, testParams, options.seed);
  const previousTest = await readRun(join(root, testId));
  if (previousTest?.status === "complete") {
    return {
      trials,
      best,
      testRunId: testId,
      testMetrics: JSON.parse(
        await Deno.readTextFile(join(root, testId, "metrics.json")),
      ),
    };
  }
  const run = await RunRecord.start({
    ...options.info,
    name: testName,
    params: testParams,
    seed: options.seed,
  }, { root });
  try {
    const model = await loadModel(join(root, best.runId, "model"));
    const { predictions, metrics } = await options.test(model, best.params);
    const testMetrics = { ...metrics, valAccuracy: best.valAccuracy };
    await run.writeJson("search.json", { selected: best, trials });
    await run.writePredictions(predictions);
    await run.writeMetrics(testMetrics);
    await run.saveModel(model);
    await run.complete();
    model.dispose();
    return { trials, best, testRunId: testId, testMetrics };
  } catch (error) {
    await run.fail(error);
    throw error;
  }
}
