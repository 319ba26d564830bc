/**
 * Hyperparameter search as run records (studies 000 and 001): each candidate
 * trained as its own run record; the winner is chosen by validation
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
import { loadModel } from "../models/model_files.ts";
import type { EpochLogs } from "../train/epoch_logs.ts";
import type { Params } from "../train/search.ts";
import { DEFAULT_RUNS_ROOT, readRun, RunRecord } from "../runs/record.ts";
import type { Predictions, RunInfo } from "../runs/run_json.ts";
import { runId } from "../runs/run_id.ts";

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
