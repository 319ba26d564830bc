/**
 * The training loop: seeded shuffled mini-batches over in-memory tensors,
 * optional per-batch augmentation, validation each epoch, early stopping
 * with best-weights restore, progress, and a checkpoint after every epoch
 * from which an interrupted run resumes exactly where it stopped.
 *
 * Everything random derives from `options.seed`: epoch `e`'s batch order
 * from `seed` and `e`, the augmentation stream likewise, and dropout masks
 * from the global step (see `lib/models/seeded_dropout.ts`). So a resumed
 * run draws the same batches, augmentations and masks as an uninterrupted
 * one, and, with the optimizer restored exactly (its weights, iteration
 * count and Adam's running powers, see `fit_checkpoint.ts`), ends with the
 * same weights and history bit for bit on a backend whose kernels are
 * deterministic from one process to the next (`cpu` and `tensorflow` are;
 * `lib/train/resume_test.ts` kills and resumes a run on both).
 *
 * {@linkcode fit} reads top-down as its steps: check the inputs, start
 * fresh or resume from the checkpoint (`fit_checkpoint.ts`), then for each
 * epoch train the shuffled batches, validate, record the epoch's logs,
 * update early stopping, report the epoch and save the checkpoint; at the
 * end restore the best weights and finish (mark the checkpoint finished,
 * report how training ended).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { withFusedConvolutions } from "../models/conv_relu_layers.ts";
import { createRng, hashString, permutation, type Rng } from "../random.ts";
import { setDropoutStep } from "../models/seeded_dropout.ts";
import {
  type EarlyStoppingOptions,
  updateEarlyStopping,
} from "./early_stopping.ts";
import {
  type LoopState,
  saveLoopCheckpoint,
  startOrResume,
} from "./fit_checkpoint.ts";
import { type ProgressReporter, silentProgress } from "./progress.ts";
import { MetricSums, trainStep } from "./train_step.ts";
import type { EpochLogs } from "./epoch_logs.ts";

/** How often (ms) the running losses are read back for the progress display. */
const PROGRESS_READ_MS = 1000;

/** Inputs and targets held in memory (targets: one tensor per model output). */
export interface TensorDataset {
  /** Inputs, first axis = samples. */
  x: tf.Tensor;
  /** One-hot targets, or one per output of a multi-output model. */
  y: tf.Tensor | tf.Tensor[];
}

/** Transforms one batch of inputs, drawing randomness only from `rng`. */
export type BatchAugment = (
  x: tf.Tensor,
  rng: Rng,
) => tf.Tensor | Promise<tf.Tensor>;

/** Options of {@linkcode fit}. */
export interface FitOptions {
  /** Maximum number of epochs. */
  epochs: number;
  /** Mini-batch size. */
  batchSize: number;
  /** The run seed: batch order, augmentation and dropout masks derive from it. */
  seed: number;
  /** Validation data, evaluated after every epoch. */
  validation?: TensorDataset;
  /** Stop on validation loss (or training loss without validation data). */
  earlyStopping?: EarlyStoppingOptions;
  /**
   * Checkpoint file, written after every epoch; resumed from when it exists.
   * A checkpoint of a finished fit returns that fit's result (and weights)
   * without training; delete it to train again.
   */
  checkpointPath?: string;
  /** Per-batch augmentation of the training inputs. */
  augment?: BatchAugment;
  /** Progress display; default silent. */
  progress?: ProgressReporter;
  /** Batch size for validation; default 128. */
  evaluateBatchSize?: number;
}

/** What {@linkcode fit} returns. */
export interface FitResult {
  /** Metrics of every epoch trained, including epochs trained before a resume. */
  history: EpochLogs[];
  /** 0-based epoch whose weights the model holds at the end (the best one under early stopping). */
  bestEpoch: number;
  /** Whether early stopping ended training before `epochs`. */
  stoppedEarly: boolean;
  /** The epoch training resumed at (0 for a fresh start). */
  resumedAtEpoch: number;
}

/** The batch order of `epoch` for a training set of `size` samples. */
export function epochOrder(
  seed: number,
  epoch: number,
  size: number,
): number[] {
  return permutation(size, createRng(hashString(`${seed}:shuffle:${epoch}`)));
}

/** One call of {@linkcode fit}: its inputs, what follows from them, and what changes as it trains. */
interface FitRun {
  /** The compiled model being trained. */
  readonly model: tf.LayersModel;
  /** Its optimizer. */
  readonly optimizer: tf.Optimizer;
  /** The training data. */
  readonly train: TensorDataset;
  /** The options as passed. */
  readonly options: FitOptions;
  /** Where progress goes. */
  readonly progress: ProgressReporter;
  /** Batch size of validation. */
  readonly evalBatch: number;
  /** Training samples. */
  readonly trainSize: number;
  /** Batches per epoch. */
  readonly batches: number;
  /** The logged value early stopping watches: `val_loss`, or `loss` without validation data. */
  readonly monitor: string;
  /** The loop state (the object changes as epochs are trained; saved in every checkpoint). */
  readonly state: LoopState;
  /** Weights of the best epoch so far under early stopping, or empty. */
  bestWeights: tf.Tensor[];
  /** `performance.now()` when this call started training, for elapsed time and ETA. */
  readonly started: number;
  /** Batches trained by this call so far. */
  batchesDone: number;
  /** Batches this call trains if it runs all epochs (epochs left × batches). */
  readonly batchesToDo: number;
}

/**
 * Trains a compiled model.
 *
 * @example
 * ```ts
 * compileClassifier(model, { learningRate: 1e-3 });
 * const result = await fit(model, { x, y }, {
 *   epochs: 20, batchSize: 32, seed: 42,
 *   validation: { x: xVal, y: yVal },
 *   earlyStopping: { patience: 3 },
 *   checkpointPath: "reports/runs/my-run/checkpoint.bin",
 *   progress: autoProgress(),
 * });
 * ```
 */
export async function fit(
  model: tf.LayersModel,
  train: TensorDataset,
  options: FitOptions,
): Promise<FitResult> {
  const trainSize = checkInputs(train, options);
  const optimizer = optimizerOf(model);
  const batches = Math.ceil(trainSize / options.batchSize);
  const start = await startOrResume(model, optimizer, {
    seed: options.seed,
    batchSize: options.batchSize,
    trainSize,
    checkpointPath: options.checkpointPath,
  });
  const state = start.state;
  const resumedAtEpoch = state.nextEpoch;
  const run: FitRun = {
    model,
    optimizer,
    train,
    options,
    progress: options.progress ?? silentProgress,
    evalBatch: options.evaluateBatchSize ?? 128,
    trainSize,
    batches,
    monitor: options.validation ? "val_loss" : "loss",
    state,
    bestWeights: start.bestWeights,
    started: performance.now(),
    batchesDone: 0,
    batchesToDo: (options.epochs - state.nextEpoch) * batches,
  };

  while (
    !state.finished && !state.stopped && state.nextEpoch < options.epochs
  ) {
    const epoch = state.nextEpoch;
    const epochStart = performance.now();
    const logs = await trainEpoch(run, epoch);
    if (options.validation) {
      Object.assign(
        logs,
        await evaluateLogs(model, options.validation, run.evalBatch),
      );
    }
    const metrics = recordEpoch(state, epoch, epochStart, logs);
    if (options.earlyStopping) {
      trackEarlyStopping(run, epoch, logs[run.monitor], options.earlyStopping);
    }
    await reportEpochEnd(run, epoch, metrics);
    await saveLoopCheckpoint(options.checkpointPath, run);
  }

  const bestEpoch = restoreBestEpoch(run);
  if (!state.finished) await finish(run, bestEpoch);
  tf.dispose(run.bestWeights);
  return {
    history: state.history,
    bestEpoch,
    stoppedEarly: state.stopped,
    resumedAtEpoch,
  };
}

/**
 * Checks the training data, the validation data and the batch size before
 * anything is trained; returns the number of training samples.
 */
function checkInputs(train: TensorDataset, options: FitOptions): number {
  const trainSize = checkDataset("training data", train);
  if (options.validation) checkDataset("validation data", options.validation);
  if (!Number.isInteger(options.batchSize) || options.batchSize <= 0) {
    throw new Error(
      `batchSize must be a positive integer, got ${options.batchSize}`,
    );
  }
  if (trainSize === 0) throw new Error("training data is empty");
  return trainSize;
}

/** The targets as an array (one per model output). */
function asArray(y: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(y) ? y : [y];
}

/** Checks that every target has a row per input; returns the number of samples. */
function checkDataset(name: string, data: TensorDataset): number {
  const n = data.x.shape[0];
  for (const [i, y] of asArray(data.y).entries()) {
    if (y.shape[0] !== n) {
      throw new Error(
        `${name}: target ${i} has ${
          y.shape[0]
        } rows but the inputs have ${n}; inputs and labels must be aligned`,
      );
    }
  }
  return n;
}

/** The optimizer the model was compiled with; throws if it is not compiled. */
function optimizerOf(model: tf.LayersModel): tf.Optimizer {
  const optimizer = (model as unknown as { optimizer?: tf.Optimizer })
    .optimizer;
  if (!optimizer) {
    throw new Error(
      `Model ${model.name} is not compiled; call compileClassifier(model, ...) (lib/train/compile.ts) before fit`,
    );
  }
  return optimizer;
}

/**
 * Trains one epoch: the epoch's seeded batch order; for each batch, its
 * samples gathered, its inputs augmented from the batch's own seeded
 * stream, the dropout step set to the global batch index, one train step,
 * and a progress update. Returns the epoch's mean training metrics, keyed
 * by `model.metricsNames`.
 */
async function trainEpoch(run: FitRun, epoch: number): Promise<EpochLogs> {
  const { model, options, batches } = run;
  const order = epochOrder(options.seed, epoch, run.trainSize);
  const augmentRng = createRng(
    hashString(`${options.seed}:augment:${epoch}`),
  );
  const sums = new MetricSums();
  const names = model.metricsNames;
  let shown: Record<string, number> = {};
  let lastRead = performance.now();
  for (let b = 0; b < batches; b++) {
    const indices = order.slice(
      b * options.batchSize,
      (b + 1) * options.batchSize,
    );
    const { x, y: yb } = gatherBatch(run.train, indices);
    const xb = options.augment
      ? await augmentBatch(x, options.augment, augmentRng.fork(`batch ${b}`))
      : x;
    setDropoutStep(model, epoch * batches + b);
    // The step's losses stay on the device; they are read for the
    // progress display about once a second and at the end of the epoch.
    const values = trainStep(model, xb, yb);
    tf.dispose([xb, ...yb]);
    sums.add(values, indices.length);
    tf.dispose(values);
    run.batchesDone++;
    if (performance.now() - lastRead >= PROGRESS_READ_MS) {
      const means = await sums.read();
      shown = Object.fromEntries(names.map((n, i) => [n, means[i]]));
      lastRead = performance.now();
    }
    await reportBatch(run, epoch, b, shown);
  }
  const means = await sums.read();
  sums.dispose();
  return Object.fromEntries(names.map((n, i) => [n, means[i]]));
}

/** The samples at `indices`: inputs and every target (new tensors). */
function gatherBatch(
  data: TensorDataset,
  indices: number[],
): { x: tf.Tensor; y: tf.Tensor[] } {
  const idx = tf.tensor1d(indices, "int32");
  const x = tf.gather(data.x, idx);
  const y = asArray(data.y).map((t) => tf.gather(t, idx));
  idx.dispose();
  return { x, y };
}

/** Augments batch inputs `x` with `rng`; disposes `x` unless `augment` returned it. */
async function augmentBatch(
  x: tf.Tensor,
  augment: BatchAugment,
  rng: Rng,
): Promise<tf.Tensor> {
  const augmented = await augment(x, rng);
  if (augmented !== x) x.dispose();
  return augmented;
}

/** Seconds since this call of {@linkcode fit} started training. */
function elapsed(run: FitRun): number {
  return (performance.now() - run.started) / 1000;
}

/**
 * Reports batch `b` of `epoch` done, with the running `metrics` last read
 * and an ETA from the mean time per batch so far.
 */
function reportBatch(
  run: FitRun,
  epoch: number,
  b: number,
  metrics: Record<string, number>,
): void | Promise<void> {
  const rate = elapsed(run) / run.batchesDone;
  return run.progress.update({
    epoch,
    epochs: run.options.epochs,
    batch: b + 1,
    batches: run.batches,
    metrics,
    elapsedSeconds: elapsed(run),
    etaSeconds: rate * (run.batchesToDo - run.batchesDone),
  });
}

/**
 * Validates after an epoch: evaluates `data` and returns its metrics
 * named `val_<metric>`.
 */
async function evaluateLogs(
  model: tf.LayersModel,
  data: TensorDataset,
  batchSize: number,
): Promise<EpochLogs> {
  const result = withFusedConvolutions(
    model,
    () => model.evaluate(data.x, data.y, { batchSize }),
  );
  const scalars = Array.isArray(result) ? result : [result];
  const logs: EpochLogs = {};
  // For a model with several outputs, TF.js 4.22's `evaluate` returns the
  // running loss totals of the first heads before the values that match
  // `metricsNames` (e.g. 6 values for 5 names with two heads); the values
  // that belong to the names are always the last ones.
  const offset = scalars.length - model.metricsNames.length;
  for (const [i, name] of model.metricsNames.entries()) {
    logs[`val_${name}`] = (await scalars[offset + i].data())[0];
  }
  tf.dispose(scalars);
  return logs;
}

/**
 * Completes `logs` (training and validation metrics) with the epoch index
 * and its seconds, appends them to the history and moves `state` to the
 * next epoch. Returns a copy of the metrics alone, for the progress display.
 */
function recordEpoch(
  state: LoopState,
  epoch: number,
  epochStart: number,
  logs: EpochLogs,
): EpochLogs {
  const metrics = { ...logs };
  logs.epoch = epoch;
  logs.seconds = (performance.now() - epochStart) / 1000;
  state.history.push(logs);
  state.nextEpoch = epoch + 1;
  return metrics;
}

/**
 * Early-stopping bookkeeping after `epoch` with monitored `value`: updates
 * the state, snapshots the weights when they improved (and best weights
 * are to be restored), and marks the run stopped when patience is spent.
 */
function trackEarlyStopping(
  run: FitRun,
  epoch: number,
  value: number,
  earlyStopping: EarlyStoppingOptions,
): void {
  const decision = updateEarlyStopping(
    run.state.earlyStopping,
    epoch,
    value,
    earlyStopping,
  );
  if (decision.improved && earlyStopping.restoreBestWeights !== false) {
    tf.dispose(run.bestWeights);
    run.bestWeights = run.model.getWeights().map((w) => w.clone());
  }
  run.state.stopped = decision.stop;
}

/** Reports `epoch` finished with its final `metrics` (validation included). */
function reportEpochEnd(
  run: FitRun,
  epoch: number,
  metrics: EpochLogs,
): void | Promise<void> {
  return run.progress.epochEnd({
    epoch,
    epochs: run.options.epochs,
    batch: run.batches,
    batches: run.batches,
    metrics,
    elapsedSeconds: elapsed(run),
    etaSeconds: (elapsed(run) / Math.max(1, run.batchesDone)) *
      (run.batchesToDo - run.batchesDone),
  });
}

/**
 * The epoch whose weights the model ends with: the last one trained, or,
 * under early stopping that restores best weights, the best one, whose
 * weights go back into the model (unless the fit had finished before this
 * call: the model then already holds the checkpoint's final weights).
 */
function restoreBestEpoch(run: FitRun): number {
  const { state, options } = run;
  let bestEpoch = state.history.length - 1;
  if (
    options.earlyStopping &&
    options.earlyStopping.restoreBestWeights !== false &&
    state.earlyStopping.bestEpoch >= 0
  ) {
    bestEpoch = state.earlyStopping.bestEpoch;
    if (!state.finished && run.bestWeights.length > 0) {
      run.model.setWeights(run.bestWeights);
    }
  }
  return bestEpoch;
}

/**
 * Finishes a fit that was not finished before: marks the loop state
 * finished, saves it in the checkpoint, and reports how training ended.
 */
async function finish(run: FitRun, bestEpoch: number): Promise<void> {
  const { state } = run;
  state.finished = true;
  await saveLoopCheckpoint(run.options.checkpointPath, run);
  await run.progress.done(
    state.stopped
      ? `early stop after epoch ${state.history.length}; best epoch ${
        bestEpoch + 1
      } (${run.monitor} ${state.earlyStopping.best?.toFixed(4)})`
      : `finished ${state.history.length} epochs`,
  );
}
