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
 * one, and (on a deterministic backend such as `cpu`) ends with the same
 * weights and history.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createRng, hashString, permutation, type Rng } from "../random.ts";
import { setDropoutStep } from "../models/seeded_dropout.ts";
import { readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import {
  type EarlyStoppingOptions,
  type EarlyStoppingState,
  initialEarlyStopping,
  updateEarlyStopping,
} from "./early_stopping.ts";
import { type ProgressReporter, silentProgress } from "./progress.ts";
import { MetricSums, trainStep } from "./train_step.ts";

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

/** One epoch's metrics: `loss`, the compiled metrics (`acc`, ...), `val_*`, and timing. */
export type EpochLogs = Record<string, number>;

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

interface LoopState {
  format: 1;
  seed: number;
  batchSize: number;
  trainSize: number;
  weightShapes: number[][];
  nextEpoch: number;
  history: EpochLogs[];
  earlyStopping: EarlyStoppingState;
  stopped: boolean;
  finished: boolean;
}

/** The batch order of `epoch` for a training set of `size` samples. */
export function epochOrder(
  seed: number,
  epoch: number,
  size: number,
): number[] {
  return permutation(size, createRng(hashString(`${seed}:shuffle:${epoch}`)));
}

function asArray(y: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(y) ? y : [y];
}

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

async function evaluateLogs(
  model: tf.LayersModel,
  data: TensorDataset,
  batchSize: number,
): Promise<EpochLogs> {
  const result = model.evaluate(data.x, data.y, { batchSize });
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
  const trainSize = checkDataset("training data", train);
  if (options.validation) checkDataset("validation data", options.validation);
  if (!Number.isInteger(options.batchSize) || options.batchSize <= 0) {
    throw new Error(
      `batchSize must be a positive integer, got ${options.batchSize}`,
    );
  }
  if (trainSize === 0) throw new Error("training data is empty");
  const optimizer = optimizerOf(model);
  const progress = options.progress ?? silentProgress;
  const evalBatch = options.evaluateBatchSize ?? 128;
  const batches = Math.ceil(trainSize / options.batchSize);
  const monitor = options.validation ? "val_loss" : "loss";
  const weightShapes = model.getWeights().map((w) => w.shape);

  let state: LoopState = {
    format: 1,
    seed: options.seed,
    batchSize: options.batchSize,
    trainSize,
    weightShapes,
    nextEpoch: 0,
    history: [],
    earlyStopping: initialEarlyStopping(),
    stopped: false,
    finished: false,
  };
  let bestWeights: tf.Tensor[] = [];

  if (options.checkpointPath) {
    const saved = await readCheckpoint<LoopState>(options.checkpointPath);
    if (saved) {
      const s = saved.state;
      const mismatch = s.seed !== options.seed
        ? `seed ${s.seed} vs ${options.seed}`
        : s.batchSize !== options.batchSize
        ? `batch size ${s.batchSize} vs ${options.batchSize}`
        : s.trainSize !== trainSize
        ? `training set size ${s.trainSize} vs ${trainSize}`
        : JSON.stringify(s.weightShapes) !== JSON.stringify(weightShapes)
        ? "model architecture"
        : null;
      if (mismatch) {
        tf.dispose([
          ...saved.tensors.model,
          ...saved.tensors.best,
          ...saved.tensors.optimizer.map((w) => w.tensor),
        ]);
        throw new Error(
          `Checkpoint ${options.checkpointPath} belongs to a different run (${mismatch}); delete it or use another checkpoint path`,
        );
      }
      model.setWeights(saved.tensors.model);
      tf.dispose(saved.tensors.model);
      if (saved.tensors.optimizer.length > 0) {
        await optimizer.setWeights(saved.tensors.optimizer);
      }
      tf.dispose(saved.tensors.optimizer.map((w) => w.tensor));
      bestWeights = saved.tensors.best;
      state = s;
    }
  }
  const resumedAtEpoch = state.nextEpoch;

  const saveCheckpoint = async () => {
    if (!options.checkpointPath) return;
    const optimizerWeights = await optimizer.getWeights();
    await writeCheckpoint(options.checkpointPath, state, {
      model: model.getWeights(),
      optimizer: optimizerWeights,
      best: bestWeights,
    });
    // The iteration count comes back as a fresh scalar; the moments are variables.
    for (const { tensor } of optimizerWeights) {
      if (!(tensor instanceof tf.Variable)) tensor.dispose();
    }
  };

  const started = performance.now();
  let batchesDone = 0;
  const batchesToDo = (options.epochs - state.nextEpoch) * batches;
  const elapsed = () => (performance.now() - started) / 1000;

  while (
    !state.finished && !state.stopped && state.nextEpoch < options.epochs
  ) {
    const epoch = state.nextEpoch;
    const epochStart = performance.now();
    const order = epochOrder(options.seed, epoch, trainSize);
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
      const idx = tf.tensor1d(indices, "int32");
      let xb = tf.gather(train.x, idx);
      const yb = asArray(train.y).map((y) => tf.gather(y, idx));
      idx.dispose();
      if (options.augment) {
        const augmented = await options.augment(
          xb,
          augmentRng.fork(`batch ${b}`),
        );
        if (augmented !== xb) xb.dispose();
        xb = augmented;
      }
      setDropoutStep(model, epoch * batches + b);
      // The step's losses stay on the device; they are read for the
      // progress display about once a second and at the end of the epoch.
      const values = trainStep(model, xb, yb);
      tf.dispose([xb, ...yb]);
      sums.add(values, indices.length);
      tf.dispose(values);
      batchesDone++;
      if (performance.now() - lastRead >= PROGRESS_READ_MS) {
        const means = await sums.read();
        shown = Object.fromEntries(names.map((n, i) => [n, means[i]]));
        lastRead = performance.now();
      }
      const rate = elapsed() / batchesDone;
      await progress.update({
        epoch,
        epochs: options.epochs,
        batch: b + 1,
        batches,
        metrics: shown,
        elapsedSeconds: elapsed(),
        etaSeconds: rate * (batchesToDo - batchesDone),
      });
    }
    const means = await sums.read();
    sums.dispose();
    const logs: EpochLogs = Object.fromEntries(
      names.map((n, i) => [n, means[i]]),
    );
    if (options.validation) {
      Object.assign(
        logs,
        await evaluateLogs(model, options.validation, evalBatch),
      );
    }
    const metrics = { ...logs };
    logs.epoch = epoch;
    logs.seconds = (performance.now() - epochStart) / 1000;
    state.history.push(logs);
    state.nextEpoch = epoch + 1;

    if (options.earlyStopping) {
      const decision = updateEarlyStopping(
        state.earlyStopping,
        epoch,
        logs[monitor],
        options.earlyStopping,
      );
      if (
        decision.improved && options.earlyStopping.restoreBestWeights !== false
      ) {
        tf.dispose(bestWeights);
        bestWeights = model.getWeights().map((w) => w.clone());
      }
      state.stopped = decision.stop;
    }
    await progress.epochEnd({
      epoch,
      epochs: options.epochs,
      batch: batches,
      batches,
      metrics,
      elapsedSeconds: elapsed(),
      etaSeconds: (elapsed() / Math.max(1, batchesDone)) *
        (batchesToDo - batchesDone),
    });
    await saveCheckpoint();
  }

  let bestEpoch = state.history.length - 1;
  if (
    options.earlyStopping &&
    options.earlyStopping.restoreBestWeights !== false &&
    state.earlyStopping.bestEpoch >= 0
  ) {
    bestEpoch = state.earlyStopping.bestEpoch;
    if (!state.finished && bestWeights.length > 0) {
      model.setWeights(bestWeights);
    }
  }
  if (!state.finished) {
    state.finished = true;
    await saveCheckpoint();
    await progress.done(
      state.stopped
        ? `early stop after epoch ${state.history.length}; best epoch ${
          bestEpoch + 1
        } (${monitor} ${state.earlyStopping.best?.toFixed(4)})`
        : `finished ${state.history.length} epochs`,
    );
  }
  tf.dispose(bestWeights);
  return {
    history: state.history,
    bestEpoch,
    stoppedEarly: state.stopped,
    resumedAtEpoch,
  };
}
