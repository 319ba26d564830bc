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
 * **The winner's seeds** ({@linkcode SearchOptions.winnerSeeds}): once the
 * winner is chosen and tested, its configuration is trained again from
 * scratch with each further seed (`seed + 1`, …; the full budget, under
 * halving the last rung's epochs) and tested, each into a `<name> test`
 * record with the winner's test parameters and its own seed, tagged
 * `seedReplicateOf` (the winner's test record). They measure how much the
 * chosen configuration's result moves with the seed; nothing is chosen by
 * them. As jobs they are one more batch.
 *
 * **Trials as jobs.** Within {@linkcode withSearchExecution} (or with
 * `FASHION_EXECUTOR` set, for the searches it names) a search hands the
 * trials it still has to train to an executor (`lib/execute/executor.ts`)
 * as one batch of jobs (under halving, one batch per rung), waits for
 * them, reads their records and goes on as if it had trained them itself;
 * the test evaluation stays in the calling process. Each job re-creates the
 * search in a fresh process from {@linkcode SearchJobArgs} through a
 * registered builder and calls it in trial mode (`only`): the search then
 * trains that one trial (to the given rung) and returns without testing.
 * Whoever writes a trial or test record holds the run folder's claim
 * (`lib/execute/run_claim.ts`) and re-reads the record once it has it, so
 * two processes never write one folder at once and a run completed
 * meanwhile is reused.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { AsyncLocalStorage } from "node:async_hooks";
import { join, resolve } from "node:path";
import { getProfile, type Profile } from "../profiles.ts";
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
import {
  executorSettingsFromEnv,
  type JobArgs,
  runBatch,
  type RunExecutor,
  type RunJob,
} from "./executor.ts";
import { makeExecutor } from "./executors.ts";
import { reuseOrTrain, withRunClaim } from "./run_claim.ts";
import { type GalleryImages, testGallery } from "./gallery.ts";

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
  /**
   * Evaluates the chosen model on the test split; called at most once per
   * search. With `testImages` (in the order of the predictions) the test
   * record keeps a gallery of its first mistakes (`misclassified.json`).
   */
  test(
    model: tf.LayersModel,
    params: P,
  ): Promise<{
    predictions: Predictions;
    metrics: Record<string, unknown>;
    testImages?: GalleryImages;
  }>;
  /** Called after each trial (progress); under halving once per trial, when it stops (`index`: its candidate index). */
  onTrial?(trial: TrialSummary<P>, index: number, total: number): void;
  /**
   * Seeds the chosen configuration is trained and tested with in all
   * (default 1: the search's own); see the module doc.
   */
  winnerSeeds?: number;
}

/** One seed's test of the chosen configuration. */
export interface SeedTest {
  /** Its test record's id. */
  runId: string;
  /** Its seed (the search's for the winner's own test). */
  seed: number;
  /** Its test metrics (with `valAccuracy`). */
  testMetrics: Record<string, unknown>;
  /** Whether a complete earlier record was reused. */
  reused: boolean;
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
  /** The chosen configuration's test with each seed ({@linkcode SearchOptions.winnerSeeds}), the search's own first; empty in trial mode. */
  seedTests: SeedTest[];
  /** Set in trial mode (a job, {@linkcode SearchExecution.only}): `trials` is the one trial trained, nothing was tested (`testRunId` empty). */
  trialJob?: true;
}

/**
 * What a trial job re-creates its search from (the `args` of its
 * {@linkcode RunJob}; the job's `builder` is the search's name).
 */
export interface SearchJobArgs extends JobArgs {
  /** The search's name. */
  search: string;
}

/** How the searches started in a scope run their trials. */
export interface SearchExecution {
  /** Hand the trials to this executor as jobs (instead of training them here). */
  executor?: RunExecutor;
  /** Only the searches of these names are dispatched (default: all). */
  searches?: string[];
  /** The profile to put into the jobs' arguments (default: the named profile of the trials' `profile` tag). */
  profile?: Profile;
  /** The data source to put into the jobs' arguments (default null: the study's default data). */
  source?: unknown;
  /**
   * Trial mode (a job): train only the trial with this run id (under
   * halving, to this rung), no test evaluation; `expect` is what the
   * driver's search was made of, checked before anything is trained.
   */
  only?: {
    runId: string;
    rung?: number;
    expect?: Pick<SearchJobArgs, "dataset" | "splits">;
  };
}

const executionScope = new AsyncLocalStorage<SearchExecution>();

/**
 * Runs `fn` with `execution` applying to every search it starts (through
 * any number of calls, e.g. a study's search function): trials dispatched
 * to an executor, or (a job) only one trial trained.
 */
export function withSearchExecution<T>(
  execution: SearchExecution,
  fn: () => Promise<T>,
): Promise<T> {
  return executionScope.run(execution, fn);
}

/** The scope's execution, else the environment's (`FASHION_EXECUTOR`), else none (train here). */
function currentExecution(): SearchExecution | undefined {
  const scoped = executionScope.getStore();
  if (scoped) return scoped;
  const settings = executorSettingsFromEnv();
  if (settings.kind === "local") return undefined;
  return { executor: makeExecutor(settings), searches: settings.searches };
}

/** The dispatching half of an execution that applies to the search `name`. */
function dispatcherFor(
  execution: SearchExecution | undefined,
  name: string,
): SearchExecution | undefined {
  if (!execution?.executor || execution.only) return undefined;
  if (execution.searches && !execution.searches.includes(name)) {
    return undefined;
  }
  return execution;
}

/**
 * The executor that the current scope (or `FASHION_EXECUTOR`) hands the
 * jobs named `name` to (a search, or a batch of model runs,
 * `lib/execute/model_jobs.ts`); undefined: train them in this process.
 */
export function executorFor(name: string): RunExecutor | undefined {
  return dispatcherFor(currentExecution(), name)?.executor;
}

/** The job of one trial of a dispatched search. */
function trialJob<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  execution: SearchExecution,
  runIdOfTrial: string,
  rung?: number,
): RunJob {
  const profileName = String(options.info.tags?.profile ?? "");
  const args: SearchJobArgs = {
    search: options.name,
    profile: execution.profile ?? getProfile(profileName || undefined),
    seed: options.seed,
    backend: options.info.backend.name,
    dataset: options.info.dataset,
    splits: options.info.splits,
    source: execution.source ?? null,
    runsRoot: resolve(root),
  };
  return {
    builder: options.name,
    args,
    runId: runIdOfTrial,
    ...(rung === undefined ? {} : { rung }),
  };
}

/** Trial mode: refuses to train when the job's search was made of other data than the driver's. */
function checkExpected<P extends Params>(
  options: SearchOptions<P>,
  only: NonNullable<SearchExecution["only"]>,
): void {
  const expect = only.expect;
  if (!expect) return;
  const same = (a: unknown, b: unknown) =>
    JSON.stringify(a) === JSON.stringify(b);
  if (!same(expect.dataset, options.info.dataset)) {
    throw new Error(
      `Job for run ${only.runId}: this process sees dataset ${
        JSON.stringify(options.info.dataset)
      }, the search that submitted it ${
        JSON.stringify(expect.dataset)
      }; install the same data where the jobs run (a shared file system)`,
    );
  }
  if (!same(expect.splits, options.info.splits)) {
    throw new Error(
      `Job for run ${only.runId}: this process's splits ${
        JSON.stringify(options.info.splits)
      } differ from the submitting search's ${
        JSON.stringify(expect.splits)
      } (another profile or data?)`,
    );
  }
}

/** The result of a search in trial mode: the one trial, no winner tested. */
function trialModeResult<P extends Params>(
  trial: TrialSummary<P>,
): SearchResult<P> {
  return {
    trials: [trial],
    best: trial,
    testRunId: "",
    testMetrics: {},
    seedTests: [],
    trialJob: true,
  };
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
  const execution = currentExecution();
  const only = execution?.only;
  if (only) {
    checkExpected(options, only);
    const replicate = findSeedReplicate(options, strategy, only.runId);
    if (replicate) {
      const test = await seedReplicate(options, root, strategy, replicate);
      return trialModeResult({
        params: replicate.params,
        runId: test.runId,
        valAccuracy: test.testMetrics.valAccuracy as number,
        reused: test.reused,
      });
    }
  }
  if (strategy.kind === "halving") {
    if (only) {
      return trialModeResult(
        await runHalvingTrialJob(options, strategy, root, only),
      );
    }
    const halving = await runHalvingTrials(
      options,
      strategy,
      root,
      dispatcherFor(execution, options.name),
    );
    const result = await testChosen(
      options,
      root,
      strategy,
      halving.trials,
      halving.selected,
      halving,
    );
    const seedTests = await testWinnerSeeds(
      options,
      root,
      strategy,
      result,
      dispatcherFor(execution, options.name),
    );
    return { ...result, halving, seedTests };
  }
  const trialName = `${options.name} trial`;
  const ids = options.candidates.map((p) => runId(trialName, p, options.seed));
  if (only) {
    const index = ids.indexOf(only.runId);
    if (index < 0) {
      throw new Error(
        `Run ${only.runId} is not a trial of search "${options.name}" here (its trials: ${
          ids.join(", ")
        }); were the jobs made with another profile, seed or code version?`,
      );
    }
    return trialModeResult(
      await exhaustiveTrial(options, root, options.candidates[index]),
    );
  }
  const dispatched = new Set<string>();
  const dispatcher = dispatcherFor(execution, options.name);
  if (dispatcher) {
    const pending: string[] = [];
    for (const id of ids) {
      const previous = await readRun(join(root, id));
      if (previous?.status === "complete") {
        assertSameData(previous, join(root, id), options.info.dataset);
      } else pending.push(id);
    }
    if (pending.length) {
      await runBatch(dispatcher.executor!, {
        name: trialName,
        root,
        jobs: pending.map((id) => trialJob(options, root, dispatcher, id)),
      });
      pending.forEach((id) => dispatched.add(id));
    }
  }
  const trials: TrialSummary<P>[] = [];
  for (const [i, params] of options.candidates.entries()) {
    const summary = await exhaustiveTrial(options, root, params);
    if (dispatched.has(summary.runId)) summary.reused = false;
    trials.push(summary);
    options.onTrial?.(summary, i, options.candidates.length);
  }

  const best = trials.reduce((a, b) => b.valAccuracy > a.valAccuracy ? b : a);
  const result = await testChosen(options, root, strategy, trials, best, {
    selected: best,
    trials,
  });
  const seedTests = await testWinnerSeeds(
    options,
    root,
    strategy,
    result,
    dispatcher,
  );
  return { ...result, seedTests };
}

/** The run id of the trial of `params` (exhaustive or halving). */
function trialIdOf<P extends Params>(
  options: SearchOptions<P>,
  strategy: SearchStrategy,
  params: P,
): string {
  const trialName = `${options.name} trial`;
  return strategy.kind === "halving"
    ? runId(trialName, halvingParams(params, strategy), options.seed)
    : runId(trialName, params, options.seed);
}

/** The parameters of the test record of the configuration `params` when chosen. */
function testParamsOf<P extends Params>(
  options: SearchOptions<P>,
  strategy: SearchStrategy,
  params: P,
): Params {
  return {
    ...params,
    selectedFrom: trialIdOf(options, strategy, params),
    candidates: options.candidates.length,
    ...(strategy.kind === "halving" ? { search: "halving" } : {}),
  };
}

/** The further seeds of the chosen configuration ({@linkcode SearchOptions.winnerSeeds}). */
function furtherSeeds<P extends Params>(options: SearchOptions<P>): number[] {
  const count = Math.max(1, options.winnerSeeds ?? 1);
  return Array.from({ length: count - 1 }, (_, i) => options.seed + 1 + i);
}

/** A seed replicate of a configuration: what it trains and the record it writes. */
interface SeedReplicate<P extends Params> {
  params: P;
  seed: number;
  testParams: Params;
  runId: string;
}

function seedReplicateOf<P extends Params>(
  options: SearchOptions<P>,
  strategy: SearchStrategy,
  params: P,
  seed: number,
): SeedReplicate<P> {
  const testParams = testParamsOf(options, strategy, params);
  return {
    params,
    seed,
    testParams,
    runId: runId(`${options.name} test`, testParams, seed),
  };
}

/** Trial mode: the seed replicate whose record is `id`, if any candidate has one. */
function findSeedReplicate<P extends Params>(
  options: SearchOptions<P>,
  strategy: SearchStrategy,
  id: string,
): SeedReplicate<P> | undefined {
  for (const params of options.candidates) {
    for (const seed of furtherSeeds(options)) {
      const replicate = seedReplicateOf(options, strategy, params, seed);
      if (replicate.runId === id) return replicate;
    }
  }
  return undefined;
}

/**
 * The chosen configuration's test with each seed: the winner's own, then
 * each further seed's (reused, else trained and tested here or, with a
 * dispatcher, as one batch of jobs first).
 */
async function testWinnerSeeds<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  strategy: SearchStrategy,
  result: Omit<SearchResult<P>, "seedTests">,
  dispatcher?: SearchExecution,
): Promise<SeedTest[]> {
  const replicates = furtherSeeds(options).map((seed) =>
    seedReplicateOf(options, strategy, result.best.params, seed)
  );
  const dispatched = new Set<string>();
  if (dispatcher) {
    const pending: string[] = [];
    for (const r of replicates) {
      const previous = await readRun(join(root, r.runId));
      if (previous?.status !== "complete") pending.push(r.runId);
    }
    if (pending.length) {
      await runBatch(dispatcher.executor!, {
        name: `${options.name} winner's seeds`,
        root,
        jobs: pending.map((id) => trialJob(options, root, dispatcher, id)),
      });
      pending.forEach((id) => dispatched.add(id));
    }
  }
  const tests: SeedTest[] = [{
    runId: result.testRunId,
    seed: options.seed,
    testMetrics: result.testMetrics,
    reused: false,
  }];
  for (const r of replicates) {
    const test = await seedReplicate(options, root, strategy, r);
    if (dispatched.has(test.runId)) test.reused = false;
    tests.push(test);
  }
  return tests;
}

/**
 * One seed replicate: its complete record reused, else, under the run
 * folder's claim, the configuration trained from scratch with the
 * replicate's seed (the full budget) and tested into one record (history,
 * predictions, metrics with `valAccuracy`, the model).
 */
async function seedReplicate<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  strategy: SearchStrategy,
  replicate: SeedReplicate<P>,
): Promise<SeedTest> {
  return await reuseOrTrain<Record<string, unknown>, SeedTest>(
    join(root, replicate.runId),
    options.info.dataset,
    (testMetrics) => ({
      runId: replicate.runId,
      seed: replicate.seed,
      testMetrics,
      reused: true,
    }),
    async () => {
      const name = `${options.name} test`;
      const run = await RunRecord.start({
        ...options.info,
        name,
        params: replicate.testParams,
        seed: replicate.seed,
        tags: {
          ...options.info.tags,
          seedReplicateOf: runId(name, replicate.testParams, options.seed),
        },
      }, { root });
      try {
        const trained = await options.train(replicate.params, {
          seed: replicate.seed,
          checkpointPath: run.checkpointPath,
          epochs: strategy.kind === "halving" ? strategy.maxEpochs : undefined,
        });
        if (!Number.isFinite(trained.valAccuracy)) {
          trained.model.dispose();
          throw new Error(
            `Seed replicate ${replicate.runId} returned validation accuracy ${trained.valAccuracy}`,
          );
        }
        await run.writeHistory(trained.history);
        const testMetrics = await testInto(
          run,
          options,
          trained.model,
          replicate.params,
          trained.valAccuracy,
        );
        trained.model.dispose();
        return {
          runId: replicate.runId,
          seed: replicate.seed,
          testMetrics,
          reused: false,
        };
      } catch (error) {
        await run.fail(error);
        throw error;
      }
    },
  );
}

/**
 * Tests `model` (the configuration `params`) once into `run`: predictions,
 * the gallery of mistakes when the test gives images, the metrics with
 * `valAccuracy`, the model; completes the record and returns the metrics.
 */
async function testInto<P extends Params>(
  run: RunRecord,
  options: SearchOptions<P>,
  model: tf.LayersModel,
  params: P,
  valAccuracy: number,
): Promise<Record<string, unknown>> {
  const { predictions, metrics, testImages } = await options.test(
    model,
    params,
  );
  const testMetrics = { ...metrics, valAccuracy };
  await run.writePredictions(predictions);
  if (testImages) {
    await run.writeJson(
      "misclassified.json",
      await testGallery(testImages, predictions),
    );
  }
  await run.writeMetrics(testMetrics);
  await run.saveModel(model);
  await run.complete();
  return testMetrics;
}

/**
 * One trial of an exhaustive search: its complete record reused, else
 * trained into its record under the run folder's claim (reused after all
 * when another process completed it while this one waited for the claim).
 */
async function exhaustiveTrial<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  params: P,
): Promise<TrialSummary<P>> {
  const trialName = `${options.name} trial`;
  const id = runId(trialName, params, options.seed);
  return await reuseOrTrain<{ valAccuracy: number }, TrialSummary<P>>(
    join(root, id),
    options.info.dataset,
    (metrics) => ({
      params,
      runId: id,
      valAccuracy: metrics.valAccuracy,
      reused: true,
    }),
    async () => {
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
        return {
          params,
          runId: id,
          valAccuracy: result.valAccuracy,
          reused: false,
        };
      } catch (error) {
        await run.fail(error);
        throw error;
      }
    },
  );
}

/**
 * Tests the chosen trial once into the `<name> test` record (reused when
 * complete; its params {@linkcode testParamsOf} the chosen one), writing
 * `searchRecord` as its `search.json`.
 */
async function testChosen<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  strategy: SearchStrategy,
  trials: TrialSummary<P>[],
  best: TrialSummary<P>,
  searchRecord: unknown,
): Promise<Omit<SearchResult<P>, "seedTests">> {
  const testParams = testParamsOf(options, strategy, best.params);
  if (testParams.selectedFrom !== best.runId) {
    throw new Error(
      `Search "${options.name}": the chosen trial's id ${best.runId} is not ${testParams.selectedFrom} (a bug)`,
    );
  }
  const testName = `${options.name} test`;
  const testId = runId(testName, testParams, options.seed);
  return await reuseOrTrain<
    Record<string, unknown>,
    Omit<SearchResult<P>, "seedTests">
  >(
    join(root, testId),
    options.info.dataset,
    (testMetrics) => ({ trials, best, testRunId: testId, testMetrics }),
    async () => {
      const run = await RunRecord.start({
        ...options.info,
        name: testName,
        params: testParams,
        seed: options.seed,
      }, { root });
      try {
        const model = await loadModel(join(root, best.runId, "model"));
        await run.writeJson("search.json", searchRecord);
        const testMetrics = await testInto(
          run,
          options,
          model,
          best.params,
          best.valAccuracy,
        );
        model.dispose();
        return { trials, best, testRunId: testId, testMetrics };
      } catch (error) {
        await run.fail(error);
        throw error;
      }
    },
  );
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

/** What successive halving does to one trial, shared by the search and its trial jobs. */
function halvingSteps<P extends Params>(
  options: SearchOptions<P>,
  strategy: Extract<SearchStrategy, { kind: "halving" }>,
  root: string,
) {
  const rungs = halvingSchedule(options.candidates.length, strategy);
  const trialName = `${options.name} trial`;
  const infoOf = (params: P): RunInfo => ({
    ...options.info,
    name: trialName,
    params: halvingParams(params, strategy),
    seed: options.seed,
  });
  const idOf = (params: P) =>
    runId(trialName, halvingParams(params, strategy), options.seed);

  /** The trial of candidate `index` as its folder has it now. */
  const load = async (index: number): Promise<HalvingTrial<P>> => {
    const params = options.candidates[index];
    const id = idOf(params);
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
    return trial;
  };
  /** Takes over what another process wrote into `t`'s folder. */
  const adopt = (t: HalvingTrial<P>, now: HalvingTrial<P>) => {
    t.rungEpochs = now.rungEpochs;
    t.rungValAccuracy = now.rungValAccuracy;
    t.complete = now.complete;
    if (now.complete) t.stoppedAtRung = now.stoppedAtRung;
  };

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

  /**
   * Trains `t` to the rung's epochs (continuing its checkpoint) under its
   * folder's claim; completes it in the last rung. Nothing to do when
   * another process trained the rung meanwhile.
   */
  const trainRung = (t: HalvingTrial<P>, rung: HalvingRung) =>
    withRunClaim(join(root, t.id), async () => {
      adopt(t, await load(t.index));
      if (t.rungValAccuracy.length > rung.rung) return;
      if (t.complete) {
        throw new Error(
          `Trial ${t.id} stopped at rung ${t.stoppedAtRung} in an earlier search, but this one keeps it for rung ${rung.rung} (another candidate set?); delete ${
            join(root, t.id)
          } to rerun it`,
        );
      }
      if (t.rungValAccuracy.length < rung.rung) {
        throw new Error(
          `Trial ${t.id} has trained ${t.rungValAccuracy.length} rungs; it cannot train rung ${rung.rung} before rung ${t.rungValAccuracy.length}`,
        );
      }
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
    });

  /** Completes the record of `t`, dropped after `rung` (history and model as the rung left them). */
  const close = async (t: HalvingTrial<P>, rung: number) => {
    t.stoppedAtRung = rung;
    if (t.complete) return;
    const dir = join(root, t.id);
    await withRunClaim(dir, async () => {
      adopt(t, await load(t.index));
      if (t.complete) return;
      t.stoppedAtRung = rung;
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
    });
  };
  return { rungs, idOf, load, trainRung, close, summaryOf };
}

/** Trial mode under halving: trains one trial to the job's rung. */
async function runHalvingTrialJob<P extends Params>(
  options: SearchOptions<P>,
  strategy: Extract<SearchStrategy, { kind: "halving" }>,
  root: string,
  only: NonNullable<SearchExecution["only"]>,
): Promise<TrialSummary<P>> {
  const steps = halvingSteps(options, strategy, root);
  const index = options.candidates.findIndex((p) =>
    steps.idOf(p) === only.runId
  );
  if (index < 0) {
    throw new Error(
      `Run ${only.runId} is not a trial of search "${options.name}" here; were the jobs made with another profile, seed or code version?`,
    );
  }
  const rung = steps.rungs[only.rung ?? -1];
  if (!rung) {
    throw new Error(
      `The job for run ${only.runId} names rung ${only.rung}; this search has rungs 0 to ${
        steps.rungs.length - 1
      }`,
    );
  }
  const trial = await steps.load(index);
  await steps.trainRung(trial, rung);
  return steps.summaryOf(trial);
}

/** Successive halving over the candidates (see the module doc); trials dispatched rung by rung when `dispatcher` is set. */
async function runHalvingTrials<P extends Params>(
  options: SearchOptions<P>,
  strategy: Extract<SearchStrategy, { kind: "halving" }>,
  root: string,
  dispatcher?: SearchExecution,
): Promise<HalvingRecord<P>> {
  const total = options.candidates.length;
  const steps = halvingSteps(options, strategy, root);
  const { rungs } = steps;
  const trials: HalvingTrial<P>[] = [];
  for (const index of options.candidates.keys()) {
    trials.push(await steps.load(index));
  }

  let alive = trials;
  let selected: HalvingTrial<P> | undefined;
  for (const rung of rungs) {
    const toTrain = alive.filter((t) => t.rungValAccuracy.length <= rung.rung);
    for (const t of toTrain) {
      if (t.complete) {
        throw new Error(
          `Trial ${t.id} stopped at rung ${t.stoppedAtRung} in an earlier search, but this one keeps it for rung ${rung.rung} (another candidate set?); delete ${
            join(root, t.id)
          } to rerun it`,
        );
      }
    }
    if (dispatcher && toTrain.length) {
      await runBatch(dispatcher.executor!, {
        name: `${options.name} trial rung ${rung.rung}`,
        root,
        jobs: toTrain.map((t) =>
          trialJob(options, root, dispatcher, t.id, rung.rung)
        ),
      });
      for (const t of toTrain) {
        const now = await steps.load(t.index);
        if (now.rungValAccuracy.length <= rung.rung) {
          throw new Error(
            `The job for trial ${t.id} ended without training rung ${rung.rung}`,
          );
        }
        Object.assign(t, { ...now, trained: true });
      }
    } else {
      for (const t of toTrain) await steps.trainRung(t, rung);
    }
    const ranked = rankBest(alive.map((t) => t.rungValAccuracy[rung.rung]))
      .map((k) => alive[k]);
    const last = rung.rung === rungs.length - 1;
    const stopping = last ? ranked : ranked.slice(rung.kept);
    for (const t of stopping) {
      await steps.close(t, rung.rung);
      options.onTrial?.(steps.summaryOf(t), t.index, total);
    }
    if (last) selected = ranked[0];
    else {
      alive = ranked.slice(0, rung.kept).sort((a, b) => a.index - b.index);
    }
  }
  const summaries = trials.map(steps.summaryOf);
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
