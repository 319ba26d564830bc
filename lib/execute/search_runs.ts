/**
 * Hyperparameter search as run records (studies 000 and 001): each candidate
 * trained as its own run record; the winner is chosen by validation
 * accuracy only, and the test set is evaluated once, for the winner, in a
 * separate run record. Completed trials are reused when the search is run
 * again (same name, parameters and seed give the same run id), so an
 * interrupted search continues where it stopped, and the test evaluation
 * never repeats.
 *
 * Two strategies ({@linkcode SearchOptions.strategy}):
 *
 * - **exhaustive** (the default): every candidate trained once, to its full
 *   epochs; the winner is the best validation accuracy.
 * - **halving** (successive halving, epochs as the budget; the `full`
 *   profile's): rung `r` trains its trials to `minEpochs * eta^r` epochs
 *   (capped; `halvingSchedule` in `lib/train/search.ts`) and keeps the best
 *   `floor(n / eta)` by validation accuracy (the earlier candidate on ties);
 *   the last rung's best trial wins. A trial is one run record across
 *   rungs: a kept trial's record stays `running` and its next rung continues
 *   its fit from the trial's checkpoint (reopened: `fit` returns a finished
 *   checkpoint as it is, so the `finished` mark is lifted first); the record
 *   is completed only when the trial stops (dropped after a rung, or the
 *   last rung), so a complete trial is finished. Between rungs the trial's
 *   folder holds `rungs.json` (epochs and validation accuracy per rung so
 *   far), `history.json` and the model, so a search killed at any point
 *   resumes where it stopped. A complete trial's `metrics.json` adds
 *   `stoppedAtRung`, `rungEpochs` and `rungValAccuracy`; its `run.json` has a
 *   `resumed` entry each time the record was reopened (for a rung, or to be
 *   completed after it lost one). Under early stopping a rung ends on its
 *   best epoch's weights, and the next rung continues from those (as Keras
 *   Tuner's Hyperband does), with the early-stopping state carried on; a
 *   trial whose patience ran out trains no further. The test record's
 *   `search.json` holds the strategy, the rungs (epochs, trials, kept), the
 *   seed and every trial's rung and per-rung validation accuracy.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { loadModel } from "../models/model_files.ts";
import type { EpochLogs } from "../train/epoch_logs.ts";
import {
  type HalvingRung,
  halvingSchedule,
  type Params,
  rankBest,
  type SearchStrategy,
} from "../train/search.ts";
import { readCheckpoint, writeCheckpoint } from "../train/checkpoint.ts";
import { type LoopState, readLoopState } from "../train/fit_checkpoint.ts";
import {
  assertSameData,
  DEFAULT_RUNS_ROOT,
  readRun,
  RunRecord,
} from "../runs/record.ts";
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
  /** Whether a complete earlier run was reused instead of training (halving: nothing of the trial was trained by this call). */
  reused: boolean;
  /** Halving only: the 0-based rung the trial stopped at. */
  stoppedAtRung?: number;
  /** Halving only: its validation accuracy at the end of each rung it trained. */
  rungValAccuracy?: number[];
}

/** What a halving search records in its test record's `search.json` (and returns). */
export interface HalvingRecord<P extends Params> {
  /** Always `halving`. */
  strategy: "halving";
  /** The seed every trial trained with. */
  seed: number;
  /** The factor η. */
  eta: number;
  /** Epochs of the first rung. */
  minEpochs: number;
  /** The epoch cap (the last rung's epochs). */
  maxEpochs: number;
  /** The rungs: epochs, trials trained and trials kept. */
  rungs: HalvingRung[];
  /** The chosen trial. */
  selected: TrialSummary<P>;
  /** Every trial, in candidate order, with the rung it stopped at. */
  trials: TrialSummary<P>[];
}

/** Options of {@linkcode runSearch}. */
export interface SearchOptions<P extends Params> {
  /** Experiment name; trials are `<name> trial`, the test run `<name> test`. */
  name: string;
  /** The seed every trial trains with (same batches for all, a fair comparison). */
  seed: number;
  /** Candidates, e.g. from {@linkcode gridSearch}. */
  candidates: P[];
  /**
   * Exhaustive (default: each candidate trained once by `train`) or
   * successive halving (`train` called once per rung a trial reaches, with
   * the rung's `epochs`); see `searchStrategy` in `lib/train/search.ts`.
   */
  strategy?: SearchStrategy;
  /** Dataset, split sizes and backend, recorded in every run. */
  info: Omit<RunInfo, "name" | "params" | "seed">;
  /** Runs root; default `reports/runs`. */
  root?: string;
  /**
   * Trains one candidate on the training split, validating on the
   * validation split. Under halving `context.epochs` is the rung's epochs:
   * train to that many epochs in all, with `checkpointPath` (the fit
   * continues from the previous rung's checkpoint); exhaustive searches
   * pass no `epochs`.
   */
  train(
    params: P,
    context: { seed: number; checkpointPath: string; epochs?: number },
  ): Promise<TrialResult>;
  /** Evaluates the chosen model on the test split; called at most once per search. */
  test(
    model: tf.LayersModel,
    params: P,
  ): Promise<{ predictions: Predictions; metrics: Record<string, unknown> }>;
  /** Called after each trial (progress); under halving once per trial, when it stops (`index`: its candidate index). */
  onTrial?(trial: TrialSummary<P>, index: number, total: number): void;
}

/** What {@linkcode runSearch} returns. */
export interface SearchResult<P extends Params> {
  /** Every trial, in candidate order. */
  trials: TrialSummary<P>[];
  /** The winner (highest validation accuracy, under halving in the last rung; the earlier candidate on ties). */
  best: TrialSummary<P>;
  /** Run id of the test evaluation. */
  testRunId: string;
  /** Test metrics of the winner. */
  testMetrics: Record<string, unknown>;
  /** Halving only: the schedule and every trial's rungs (as in `search.json`). */
  halving?: HalvingRecord<P>;
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
  const strategy = options.strategy ?? { kind: "exhaustive" };
  if (strategy.kind === "halving") {
    const halving = await runHalvingTrials(options, strategy, root);
    const result = await testChosen(
      options,
      root,
      halving.trials,
      halving.selected,
      halving,
      { search: "halving" },
    );
    return { ...result, halving };
  }
  const trialName = `${options.name} trial`;
  const trials: TrialSummary<P>[] = [];
  for (const [i, params] of options.candidates.entries()) {
    const id = runId(trialName, params, options.seed);
    const previous = await readRun(join(root, id));
    let summary: TrialSummary<P>;
    if (previous?.status === "complete") {
      assertSameData(previous, join(root, id), options.info.dataset);
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
  return await testChosen(options, root, trials, best, {
    selected: best,
    trials,
  }, {});
}

/**
 * Tests the chosen trial once into the `<name> test` record (reused when
 * complete), writing `searchRecord` as its `search.json`; `extraParams` go
 * into the test record's params after the usual ones.
 */
async function testChosen<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  trials: TrialSummary<P>[],
  best: TrialSummary<P>,
  searchRecord: unknown,
  extraParams: Params,
): Promise<SearchResult<P>> {
  const testParams = {
    ...best.params,
    selectedFrom: best.runId,
    candidates: trials.length,
    ...extraParams,
  };
  const testName = `${options.name} test`;
  const testId = runId(testName, testParams, options.seed);
  const previousTest = await readRun(join(root, testId));
  if (previousTest?.status === "complete") {
    assertSameData(previousTest, join(root, testId), options.info.dataset);
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
    await run.writeJson("search.json", searchRecord);
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

/** A halving trial as the search goes: what its record holds so far. */
interface HalvingTrial<P extends Params> {
  /** Candidate index. */
  index: number;
  /** The candidate's hyperparameters. */
  params: P;
  /** The run id (of the record params: `params` plus the halving settings). */
  id: string;
  /** Epochs of each rung trained so far. */
  rungEpochs: number[];
  /** Validation accuracy at the end of each rung trained so far. */
  rungValAccuracy: number[];
  /** The rung it stopped at, once it has. */
  stoppedAtRung?: number;
  /** Whether its record is complete. */
  complete: boolean;
  /** Whether this call trained any of it. */
  trained: boolean;
}

/** The run-record params of a halving trial: the candidate's plus the halving settings (ids apart from exhaustive trials). */
function halvingParams<P extends Params>(
  params: P,
  strategy: Extract<SearchStrategy, { kind: "halving" }>,
): Params {
  return {
    ...params,
    search: "halving",
    halvingEta: strategy.eta,
    halvingMinEpochs: strategy.minEpochs,
  };
}

/** Reads a JSON file, or null when it does not exist. */
async function readJsonOrNull<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Lets a fit continue from the checkpoint at `path` to `epochs`: a fit
 * that finished short of them (not by early stopping) is marked
 * unfinished again, weights, optimizer and loop state untouched. Does
 * nothing when there is no checkpoint, or it is unfinished, stopped early,
 * or already at `epochs` (so it is safe to repeat after a kill).
 */
export async function reopenCheckpoint(
  path: string,
  epochs: number,
): Promise<void> {
  const state = await readLoopState(path);
  if (
    !state || !state.finished || state.stopped || state.nextEpoch >= epochs
  ) return;
  const saved = await readCheckpoint<LoopState>(path);
  if (!saved) return;
  try {
    await writeCheckpoint(
      path,
      { ...saved.state, finished: false },
      saved.tensors,
    );
  } finally {
    tf.dispose([
      ...saved.tensors.model,
      ...saved.tensors.best,
      ...saved.tensors.optimizer.map((w) => w.tensor),
    ]);
  }
}

/** Successive halving over the candidates (see the module doc). */
async function runHalvingTrials<P extends Params>(
  options: SearchOptions<P>,
  strategy: Extract<SearchStrategy, { kind: "halving" }>,
  root: string,
): Promise<HalvingRecord<P>> {
  const total = options.candidates.length;
  const rungs = halvingSchedule(total, strategy);
  const trialName = `${options.name} trial`;
  const infoOf = (params: P): RunInfo => ({
    ...options.info,
    name: trialName,
    params: halvingParams(params, strategy),
    seed: options.seed,
  });
  const trials: HalvingTrial<P>[] = [];
  for (const [index, params] of options.candidates.entries()) {
    const id = runId(trialName, halvingParams(params, strategy), options.seed);
    const dir = join(root, id);
    const previous = await readRun(dir);
    if (previous) assertSameData(previous, dir, options.info.dataset);
    const complete = previous?.status === "complete";
    const saved = await readJsonOrNull<{
      rungEpochs: number[];
      rungValAccuracy: number[];
      stoppedAtRung?: number;
    }>(join(dir, complete ? "metrics.json" : "rungs.json"));
    if (complete && !saved?.rungValAccuracy) {
      throw new Error(
        `Trial ${id} is complete but its metrics.json has no rungValAccuracy; delete ${dir} to rerun it`,
      );
    }
    const trial: HalvingTrial<P> = {
      index,
      params,
      id,
      rungEpochs: saved?.rungEpochs ?? [],
      rungValAccuracy: saved?.rungValAccuracy ?? [],
      stoppedAtRung: complete ? saved?.stoppedAtRung : undefined,
      complete,
      trained: false,
    };
    trial.rungEpochs.forEach((e, r) => {
      if (rungs[r]?.epochs !== e) {
        throw new Error(
          `Trial ${id} trained rung ${r} to ${e} epochs, but this search's rung ${r} is ${
            rungs[r]?.epochs ?? "absent"
          } (another candidate set?); delete ${dir} to rerun it`,
        );
      }
    });
    trials.push(trial);
  }

  const summaryOf = (t: HalvingTrial<P>): TrialSummary<P> => ({
    params: t.params,
    runId: t.id,
    valAccuracy: t.rungValAccuracy[t.rungValAccuracy.length - 1],
    reused: !t.trained,
    stoppedAtRung: t.stoppedAtRung,
    rungValAccuracy: [...t.rungValAccuracy],
  });
  const metricsOf = (t: HalvingTrial<P>) => ({
    valAccuracy: t.rungValAccuracy[t.rungValAccuracy.length - 1],
    stoppedAtRung: t.stoppedAtRung,
    rungEpochs: t.rungEpochs,
    rungValAccuracy: t.rungValAccuracy,
  });
  const rungsJson = (t: HalvingTrial<P>) => ({
    rungEpochs: t.rungEpochs,
    rungValAccuracy: t.rungValAccuracy,
  });

  /** Trains `t` to the rung's epochs (continuing its checkpoint); completes it in the last rung. */
  const trainRung = async (t: HalvingTrial<P>, rung: HalvingRung) => {
    const last = rung.rung === rungs.length - 1;
    const run = await RunRecord.start(infoOf(t.params), { root });
    try {
      if (rung.rung > 0) {
        await reopenCheckpoint(run.checkpointPath, rung.epochs);
      }
      const result = await options.train(t.params, {
        seed: options.seed,
        checkpointPath: run.checkpointPath,
        epochs: rung.epochs,
      });
      if (!Number.isFinite(result.valAccuracy)) {
        result.model.dispose();
        throw new Error(
          `Trial ${t.id} returned validation accuracy ${result.valAccuracy} at rung ${rung.rung}`,
        );
      }
      t.trained = true;
      t.rungEpochs.push(rung.epochs);
      t.rungValAccuracy.push(result.valAccuracy);
      await run.writeHistory(result.history);
      await run.writeJson("rungs.json", rungsJson(t));
      await run.saveModel(result.model);
      result.model.dispose();
      if (last) {
        t.stoppedAtRung = rung.rung;
        await run.writeMetrics(metricsOf(t));
        await run.complete();
        t.complete = true;
      }
    } catch (error) {
      await run.fail(error);
      throw error;
    }
  };

  /** Completes the record of `t`, dropped after `rung` (history and model as the rung left them). */
  const close = async (t: HalvingTrial<P>, rung: number) => {
    t.stoppedAtRung = rung;
    if (t.complete) return;
    const dir = join(root, t.id);
    const run = await RunRecord.start(infoOf(t.params), { root });
    try {
      const history = JSON.parse(
        await Deno.readTextFile(join(dir, "history.json")),
      );
      const model = await loadModel(join(dir, "model"));
      try {
        await run.writeHistory(history);
        await run.writeJson("rungs.json", rungsJson(t));
        await run.writeMetrics(metricsOf(t));
        await run.saveModel(model);
      } finally {
        model.dispose();
      }
      await run.complete();
      t.complete = true;
    } catch (error) {
      await run.fail(error);
      throw error;
    }
  };

  let alive = trials;
  let selected: HalvingTrial<P> | undefined;
  for (const rung of rungs) {
    for (const t of alive) {
      if (t.rungValAccuracy.length > rung.rung) continue;
      if (t.complete) {
        throw new Error(
          `Trial ${t.id} stopped at rung ${t.stoppedAtRung} in an earlier search, but this one keeps it for rung ${rung.rung} (another candidate set?); delete ${
            join(root, t.id)
          } to rerun it`,
        );
      }
      await trainRung(t, rung);
    }
    const ranked = rankBest(alive.map((t) => t.rungValAccuracy[rung.rung]))
      .map((k) => alive[k]);
    const last = rung.rung === rungs.length - 1;
    const stopping = last ? ranked : ranked.slice(rung.kept);
    for (const t of stopping) {
      await close(t, rung.rung);
      options.onTrial?.(summaryOf(t), t.index, total);
    }
    if (last) selected = ranked[0];
    else {
      alive = ranked.slice(0, rung.kept).sort((a, b) => a.index - b.index);
    }
  }
  const summaries = trials.map(summaryOf);
  return {
    strategy: "halving",
    seed: options.seed,
    eta: strategy.eta,
    minEpochs: strategy.minEpochs,
    maxEpochs: strategy.maxEpochs,
    rungs,
    selected: summaries[selected!.index],
    trials: summaries,
  };
}
