/**
 * What a reproduction will compute, before it computes it: the training
 * runs and predictions of each notebook at a profile, with their image
 * counts and epochs, and the model each one trains. The plan's cost model
 * (`calibrate.ts`, `estimate.ts`) turns them into image-passes, seconds
 * and memory.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";

/** A model the plan times: a key (equal keys cost the same) and how to build it. */
export interface ModelProbe {
  /**
   * Identifies the architecture and size, e.g. `study-cnn {"kernelSize":3,…}`;
   * runs with the same key share one calibration.
   */
  key: string;
  /**
   * The calibration family: models of one family are timed at a few sizes
   * and the rest interpolated by multiply-adds (`study-cnn`,
   * `fashion-mnist-cnn`, ...).
   */
  family: string;
  /** Builds the model (uncompiled); the plan compiles it with Adam. */
  build: () => tf.LayersModel | Promise<tf.LayersModel>;
  /** How many outputs (heads) it trains; 1 for a classifier. */
  outputs?: number;
}

/** One unit of work of a notebook. */
export interface PlannedRun {
  /** The notebook, e.g. `09_fashion_mnist`. */
  notebook: string;
  /** What it is, e.g. `Shoes_All_Dropout`, `Primary_Classification trials (rung 1)`. */
  name: string;
  /** `fit`: training (and validation each epoch, then the test set once); `predict`: a forward pass over `test` images only. */
  kind: "fit" | "predict";
  /** The model. */
  model: ModelProbe;
  /** How many such runs (trials of a rung, seeds). */
  count: number;
  /** Training images per run. */
  train: number;
  /** Validation images per run (predicted each epoch). */
  validation: number;
  /** Test (or checked) images per run, predicted once. */
  test: number;
  /** Epochs each run trains at most (0 for `predict`). */
  maxEpochs: number;
  /** Whether early stopping may end it before `maxEpochs`. */
  earlyStopping: boolean;
  /** Bytes of input images one image takes as float32 (for the memory estimate). */
  imageBytes: number;
}

/** Training image-passes of a run at `epochs` epochs (all its copies). */
export function trainingPasses(run: PlannedRun, epochs: number): number {
  return run.kind === "fit" ? run.count * run.train * epochs : 0;
}

/** Forward-only image-passes (validation each epoch, test once) at `epochs` epochs. */
export function predictionPasses(run: PlannedRun, epochs: number): number {
  return run.count * (run.validation * epochs + run.test);
}
