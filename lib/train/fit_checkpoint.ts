/**
 * The checkpoints of `fit` (`fit.ts`): the loop state saved with the
 * weights, starting a fit fresh or resuming it from its checkpoint
 * (refusing a checkpoint of a different run), and saving the checkpoint
 * after an epoch. The file format itself is `checkpoint.ts`'s.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import {
  type EarlyStoppingState,
  initialEarlyStopping,
} from "./early_stopping.ts";
import type { EpochLogs } from "./epoch_logs.ts";

/** The loop state of a fit, saved as JSON in each of its checkpoints. */
export interface LoopState {
  /** Version of this layout. */
  format: 1;
  /** The run seed; a checkpoint resumes only a run with the same seed. */
  seed: number;
  /** Mini-batch size; must match to resume. */
  batchSize: number;
  /** Training samples; must match to resume. */
  trainSize: number;
  /** Shapes of the model weights; must match to resume. */
  weightShapes: number[][];
  /** The 0-based epoch to train next. */
  nextEpoch: number;
  /** Logs of every epoch trained so far. */
  history: EpochLogs[];
  /** Early-stopping bookkeeping. */
  earlyStopping: EarlyStoppingState;
  /** Early stopping has ended training. */
  stopped: boolean;
  /** The fit is over and its result final: resuming returns it without training. */
  finished: boolean;
}

/** What a checkpoint must agree with to be resumed, and where it lives. */
export interface CheckpointRun {
  /** The run seed. */
  seed: number;
  /** Mini-batch size. */
  batchSize: number;
  /** Training samples. */
  trainSize: number;
  /** The checkpoint file; without one a fit always starts fresh. */
  checkpointPath?: string;
}

/** Where a fit starts: its loop state and the best weights so far. */
export interface LoopStart {
  /** The state (fresh, or the checkpoint's). */
  state: LoopState;
  /** Best weights saved under early stopping, or empty. */
  bestWeights: tf.Tensor[];
}

/** What a checkpoint of a fit holds besides the loop state. */
export interface LoopSnapshot {
  /** The model being trained. */
  model: tf.LayersModel;
  /** Its optimizer (moments and iteration count). */
  optimizer: tf.Optimizer;
  /** The loop state. */
  state: LoopState;
  /** Best weights so far, or empty. */
  bestWeights: tf.Tensor[];
}

/**
 * Starts a fit: a fresh loop state, or, when `run.checkpointPath` exists,
 * the checkpoint's state, with the model and optimizer weights restored
 * from it and its best weights returned. Throws (leaking no tensors) when
 * the checkpoint belongs to a run with another seed, batch size, training
 * set size or architecture.
 */
export async function startOrResume(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  run: CheckpointRun,
): Promise<LoopStart> {
  const weightShapes = model.getWeights().map((w) => w.shape);
  let state: LoopState = {
    format: 1,
    seed: run.seed,
    batchSize: run.batchSize,
    trainSize: run.trainSize,
    weightShapes,
    nextEpoch: 0,
    history: [],
    earlyStopping: initialEarlyStopping(),
    stopped: false,
    finished: false,
  };
  let bestWeights: tf.Tensor[] = [];

  if (run.checkpointPath) {
    const saved = await readCheckpoint<LoopState>(run.checkpointPath);
    if (saved) {
      const s = saved.state;
      const mismatch = checkpointMismatch(s, run, weightShapes);
      if (mismatch) {
        tf.dispose([
          ...saved.tensors.model,
          ...saved.tensors.best,
          ...saved.tensors.optimizer.map((w) => w.tensor),
        ]);
        throw new Error(
          `Checkpoint ${run.checkpointPath} belongs to a different run (${mismatch}); delete it or use another checkpoint path`,
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
  return { state, bestWeights };
}

/** How saved state `s` differs from this run (the first difference), or null. */
function checkpointMismatch(
  s: LoopState,
  run: CheckpointRun,
  weightShapes: number[][],
): string | null {
  return s.seed !== run.seed
    ? `seed ${s.seed} vs ${run.seed}`
    : s.batchSize !== run.batchSize
    ? `batch size ${s.batchSize} vs ${run.batchSize}`
    : s.trainSize !== run.trainSize
    ? `training set size ${s.trainSize} vs ${run.trainSize}`
    : JSON.stringify(s.weightShapes) !== JSON.stringify(weightShapes)
    ? "model architecture"
    : null;
}

/**
 * Writes `snapshot` (model, optimizer and best weights, loop state) to
 * `checkpointPath` atomically; does nothing without a path.
 */
export async function saveLoopCheckpoint(
  checkpointPath: string | undefined,
  snapshot: LoopSnapshot,
): Promise<void> {
  if (!checkpointPath) return;
  const optimizerWeights = await snapshot.optimizer.getWeights();
  await writeCheckpoint(checkpointPath, snapshot.state, {
    model: snapshot.model.getWeights(),
    optimizer: optimizerWeights,
    best: snapshot.bestWeights,
  });
  // The iteration count comes back as a fresh scalar; the moments are variables.
  for (const { tensor } of optimizerWeights) {
    if (!(tensor instanceof tf.Variable)) tensor.dispose();
  }
}
