/**
 * The checkpoints of `fit` (`fit.ts`): the loop state saved with the
 * weights, starting a fit fresh or resuming it from its checkpoint
 * (refusing a checkpoint of a different run), and saving the checkpoint
 * after an epoch. The file format itself is `checkpoint.ts`'s.
 *
 * **Exact resume.** A resumed fit must hold, bit for bit, what the
 * uninterrupted one holds at the same epoch: model weights (BatchNorm's
 * moving statistics included: they are model weights), the optimizer's
 * weights and iteration count, and the optimizer state that
 * `getWeights` leaves out. For Adam that is the running powers `β₁ᵗ` and
 * `β₂ᵗ` (`accBeta1`, `accBeta2`): training multiplies them by `β` in
 * float32 at every step, while TF.js' `setWeights` recomputes them as
 * `pow(β, t + 1)`, which differs in the last bits (for `β₂ = 0.999` already
 * at step 2), and a run resumed from such a checkpoint drifts away from the
 * uninterrupted one (on `tensorflow` and on `cpu` alike; a tester's study
 * 004 run ended 0.1 points lower). They are saved as numbers in the loop state
 * ({@linkcode LoopState.optimizerScalars}) and put back while the optimizer
 * is restored. Batch order, augmentation and dropout masks derive from the
 * seed, the epoch and the step (`fit.ts`), so nothing else carries over.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  type NamedTensor,
  readCheckpoint,
  readCheckpointState,
  writeCheckpoint,
} from "./checkpoint.ts";
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
  /**
   * Optimizer state outside `optimizer.getWeights()`, by field name: Adam's
   * running powers `accBeta1`, `accBeta2` (float32 values, exact as JSON
   * numbers). Absent in checkpoints written before it was kept; those
   * resume with the optimizer's own recomputed values.
   */
  optimizerScalars?: Record<string, number>;
  /** ISO time this checkpoint was written (run records count a killed sitting up to it). */
  savedAt?: string;
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
        await restoreOptimizer(
          optimizer,
          saved.tensors.optimizer,
          s.optimizerScalars,
        );
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

/** Optimizer fields that hold state `getWeights` leaves out (Adam's running powers). */
const OPTIMIZER_SCALARS = ["accBeta1", "accBeta2"] as const;

/** The optimizer's scalar variables named in {@link OPTIMIZER_SCALARS} that it has. */
function optimizerScalarVariables(
  optimizer: tf.Optimizer,
): [string, tf.Variable][] {
  const fields = optimizer as unknown as Record<string, unknown>;
  return OPTIMIZER_SCALARS.flatMap((name) => {
    const v = fields[name];
    return v instanceof tf.Variable && v.size === 1 ? [[name, v]] : [];
  });
}

/** The values of the optimizer's state outside `getWeights` (see {@linkcode LoopState.optimizerScalars}). */
async function readOptimizerScalars(
  optimizer: tf.Optimizer,
): Promise<Record<string, number> | undefined> {
  const variables = optimizerScalarVariables(optimizer);
  if (variables.length === 0) return undefined;
  const values: Record<string, number> = {};
  for (const [name, v] of variables) values[name] = (await v.data())[0];
  return values;
}

/**
 * Restores the optimizer from a checkpoint: its weights with
 * `setWeights`, and its state outside them (`scalars`) as saved. The saved
 * values are put in place during `setWeights` itself (each assignment to
 * those variables assigns the saved value instead of the recomputed one),
 * so a subclass that reads them back at the end of its `setWeights` (the
 * webgpu `FusedAdamOptimizer` keeps them on the host) sees the saved ones
 * too; afterwards they are checked and, if need be, assigned again.
 */
async function restoreOptimizer(
  optimizer: tf.Optimizer,
  weights: NamedTensor[],
  scalars: Record<string, number> | undefined,
): Promise<void> {
  const restored = optimizerScalarVariables(optimizer).filter(([name]) =>
    scalars !== undefined && Number.isFinite(scalars[name])
  );
  type Assignable = { assign: (value: tf.Tensor) => void };
  for (const [name, v] of restored) {
    const own = v.assign;
    (v as unknown as Assignable).assign = () =>
      tf.tidy(() => own.call(v, tf.scalar(scalars![name], v.dtype)));
  }
  try {
    await optimizer.setWeights(weights);
  } finally {
    for (const [, v] of restored) {
      delete (v as unknown as Partial<Assignable>).assign;
    }
  }
  for (const [name, v] of restored) {
    if ((await v.data())[0] !== Math.fround(scalars![name])) {
      tf.tidy(() => v.assign(tf.scalar(scalars![name], v.dtype)));
    }
  }
}

/**
 * Reads only the loop state of the checkpoint at `path` (its JSON header,
 * not the tensors), or null when there is no checkpoint or it cannot be
 * read. Run records use it to see where an interrupted run resumes.
 */
export async function readLoopState(path: string): Promise<LoopState | null> {
  try {
    return (await readCheckpointState<LoopState>(path)) ?? null;
  } catch {
    return null;
  }
}

/**
 * Writes `snapshot` (model, optimizer and best weights, loop state with the
 * optimizer's state outside its weights and the time) to `checkpointPath`
 * atomically; does nothing without a path.
 */
export async function saveLoopCheckpoint(
  checkpointPath: string | undefined,
  snapshot: LoopSnapshot,
): Promise<void> {
  if (!checkpointPath) return;
  const optimizerWeights = await snapshot.optimizer.getWeights();
  const scalars = await readOptimizerScalars(snapshot.optimizer);
  if (scalars) snapshot.state.optimizerScalars = scalars;
  snapshot.state.savedAt = new Date().toISOString();
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
