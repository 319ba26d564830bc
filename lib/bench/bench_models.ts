/**
 * The networks `deno task bench` and `deno task profile` measure, named once
 * so that the TensorFlow.js side and the Keras and PyTorch references build
 * the same ones (the references receive these specifications as JSON).
 *
 * | name         | network                                                                                     | Adam  |
 * | ------------ | ------------------------------------------------------------------------------------------- | ----- |
 * | `primary-cnn`| study 000's primary CNN: conv 64 3x3, pool, conv 64 3x3, pool, dense 3                        | 1e-3  |
 * | `widest-cnn` | study 000's widest searched network: conv 128 3x3 twice, dense 75,264 → 512, dropout 0.4, L2 1e-4 | 1e-4  |
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { buildStudyCnn, type StudyCnnOptions } from "../models/study_cnn.ts";
import { createOptimizer } from "../train/compile.ts";
import { fuseReluConvolutions } from "../models/conv_relu_layers.ts";

/** A benchmark network: the study CNN's options (less the seed) and Adam's learning rate. */
export type BenchModelSpec = Omit<StudyCnnOptions, "seed"> & {
  /** Adam's learning rate. */
  learningRate: number;
};

/** Every benchmark network by name (see the module notes). */
export const BENCH_MODELS = {
  "primary-cnn": {
    classes: 3,
    architecture: "dense",
    kernelSize: 3,
    filters: 64,
    learningRate: 1e-3,
  },
  "widest-cnn": {
    classes: 3,
    architecture: "dense-dropout",
    kernelSize: 3,
    filters: 128,
    denseSize: 512,
    dropout: 0.4,
    l2: 1e-4,
    learningRate: 1e-4,
  },
} as const satisfies Record<string, BenchModelSpec>;

/** A benchmark network's name. */
export type BenchModelName = keyof typeof BENCH_MODELS;

/** The names, in the order they are measured. */
export const BENCH_MODEL_NAMES = Object.keys(BENCH_MODELS) as BenchModelName[];

/**
 * Builds and compiles `name` (Adam, categorical cross-entropy) with `seed`,
 * its ReLU convolutions trained as `compileClassifier` trains them.
 */
export function buildBenchModel(
  name: BenchModelName,
  seed: number,
): tf.Sequential {
  const { learningRate, ...options } = BENCH_MODELS[name];
  const model = buildStudyCnn({ ...options, seed });
  model.compile({
    optimizer: createOptimizer("adam", learningRate),
    loss: "categoricalCrossentropy",
  });
  fuseReluConvolutions(model);
  return model;
}
