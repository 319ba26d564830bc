/**
 * Hyperparameter search as run records (studies 000, 001 and 003): each
 * candidate trained as its own run record; the winner is chosen by
 * validation accuracy only, and the test set is evaluated once, for the
 * winner, in a separate run record. Completed trials are reused when the
 * search is run again (same name, parameters and seed give the same run
 * id), so an interrupted search continues where it stopped, and the test
 * evaluation never repeats.
 *
 * The search, file by file:
 *
 * | what | where |
 * | --- | --- |
 * | options and results | `search_options.ts` |
 * | **exhaustive** strategy (the default): every candidate to its full epochs | `search_exhaustive.ts` |
 * | **halving** strategy (successive halving, epochs as the budget; the `full` profile's) | `search_halving.ts` |
 * | the winner tested once into the `<name> test` record | `search_evaluation.ts` |
 * | the winner trained again with further seeds ({@linkcode SearchOptions.winnerSeeds}) | `search_seeds.ts` |
 * | trials handed to an executor as jobs, and trial mode (a job) | `execution_scope.ts`, `search_trial_jobs.ts` |
 *
 * @module
 */
import { DEFAULT_RUNS_ROOT } from "../runs/record.ts";
import type { Params, SearchStrategy } from "../train/search.ts";
import {
  currentExecution,
  dispatcherFor,
  type SearchExecution,
} from "./execution_scope.ts";
import { testChosen } from "./search_evaluation.ts";
import {
  exhaustiveTrialJob,
  runExhaustiveTrials,
} from "./search_exhaustive.ts";
import { runHalvingTrialJob, runHalvingTrials } from "./search_halving.ts";
import type {
  SearchOptions,
  SearchResult,
  TrialSummary,
} from "./search_options.ts";
import {
  findSeedReplicate,
  seedReplicate,
  testWinnerSeeds,
} from "./search_seeds.ts";
import { checkExpected, trialModeResult } from "./search_trial_jobs.ts";

export type {
  HalvingRecord,
  SearchOptions,
  SearchResult,
  SeedTest,
  TrialResult,
  TrialSummary,
} from "./search_options.ts";
export {
  executorFor,
  type SearchExecution,
  type SearchJobArgs,
  withSearchExecution,
} from "./execution_scope.ts";
export { reopenCheckpoint } from "./search_halving.ts";

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
  if (execution?.only) {
    return trialModeResult(
      await trainJobTrial(options, strategy, root, execution.only),
    );
  }
  const dispatcher = dispatcherFor(execution, options.name);
  if (strategy.kind === "halving") {
    const halving = await runHalvingTrials(options, strategy, root, dispatcher);
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
      dispatcher,
    );
    return { ...result, halving, seedTests };
  }
  const trials = await runExhaustiveTrials(options, root, dispatcher);
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

/**
 * Trial mode (a job): trains the one trial, or the one seed of the winner,
 * whose record is `only.runId` (under halving to `only.rung`), after
 * checking that the job's search was made of the same data; no test
 * evaluation.
 */
async function trainJobTrial<P extends Params>(
  options: SearchOptions<P>,
  strategy: SearchStrategy,
  root: string,
  only: NonNullable<SearchExecution["only"]>,
): Promise<TrialSummary<P>> {
  checkExpected(options, only);
  const replicate = findSeedReplicate(options, strategy, only.runId);
  if (replicate) {
    const test = await seedReplicate(options, root, strategy, replicate);
    return {
      params: replicate.params,
      runId: test.runId,
      valAccuracy: test.testMetrics.valAccuracy as number,
      reused: test.reused,
    };
  }
  return strategy.kind === "halving"
    ? await runHalvingTrialJob(options, strategy, root, only)
    : await exhaustiveTrialJob(options, root, only);
}
