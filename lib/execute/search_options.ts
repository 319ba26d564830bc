/**
 * What a hyperparameter search ({@linkcode runSearch} in
 * `lib/execute/search_runs.ts`) is given and what it returns: the options
 * (candidates, strategy, how a candidate trains and how the winner is
 * tested), a trial's summary, the halving record kept in the test record's
 * `search.json`, and the result with the winner's test under each seed.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { EpochLogs } from "../train/epoch_logs.ts";
import type { HalvingRung, Params, SearchStrategy } from "../train/search.ts";
import type { Predictions, RunInfo } from "../runs/run_json.ts";
import type { GalleryImages } from "./gallery.ts";

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
