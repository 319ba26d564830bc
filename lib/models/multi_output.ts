/**
 * Study 003's multi-output network (Keras functional API): one shared
 * convolutional trunk and three softmax heads, `masterCategory`,
 * `subCategory` and `gender`. The study tuned kernel size, filter count,
 * dense size, BatchNormalization (and where it goes) and Dropout; all are
 * options here.
 *
 * Trunk: `blocks` x [Conv -> (BatchNorm) -> ReLU -> MaxPool], Flatten,
 * Dense(denseSize, ReLU) -> (BatchNorm) -> (Dropout). Each head:
 * Dense(classes, softmax) named after its label, so training targets and
 * metrics are keyed by head name.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { layerSeed, seededInitializers } from "./seeding.ts";
import { SeededDropout } from "./seeded_dropout.ts";

/** Head names, in output order. */
export const MULTI_OUTPUT_HEADS = [
  "masterCategory",
  "subCategory",
  "gender",
] as const;

/** One of {@linkcode MULTI_OUTPUT_HEADS}. */
export type MultiOutputHead = typeof MULTI_OUTPUT_HEADS[number];

/** Where BatchNormalization goes: nowhere, after each convolution, after the dense layer, or both. */
export type BatchNormPlacement = "none" | "conv" | "dense" | "both";

/** Options of {@linkcode buildMultiOutputCnn}. */
export interface MultiOutputOptions {
  /** Number of classes per head. */
  classes: Record<MultiOutputHead, number>;
  /** Seed of every initialiser and dropout mask. */
  seed: number;
  /** Input shape; default 80x60x3 (the study's product thumbnails, downscaled). */
  inputShape?: [number, number, number];
  /** Convolution blocks in the trunk; default 3. */
  blocks?: number;
  /** Filters of the first block, doubled each block; default 32. */
  filters?: number;
  /** Kernel size of every convolution; default 3. */
  kernelSize?: number;
  /** Units of the shared dense layer; default 128. */
  denseSize?: number;
  /** BatchNormalization placement; default `none`. */
  batchNorm?: BatchNormPlacement;
  /** Dropout rate after the shared dense layer; default 0 (no layer). */
  dropout?: number;
}

/**
 * Builds the multi-output network (uncompiled). Outputs are in
 * {@linkcode MULTI_OUTPUT_HEADS} order.
 *
 * @example
 * ```ts
 * const model = buildMultiOutputCnn({
 *   classes: { masterCategory: 4, subCategory: 9, gender: 3 },
 *   seed: 1,
 *   batchNorm: "conv",
 *   dropout: 0.3,
 * });
 * model.outputNames; // ["masterCategory", "subCategory", "gender"]
 * ```
 */
export function buildMultiOutputCnn(
  options: MultiOutputOptions,
): tf.LayersModel {
  const init = seededInitializers(options.seed);
  const blocks = options.blocks ?? 3;
  const baseFilters = options.filters ?? 32;
  const kernelSize = options.kernelSize ?? 3;
  const batchNorm = options.batchNorm ?? "none";
  const dropout = options.dropout ?? 0;
  for (const head of MULTI_OUTPUT_HEADS) {
    const n = options.classes[head];
    if (!Number.isInteger(n) || n < 2) {
      throw new Error(
        `Head "${head}" needs at least 2 classes, got ${n}; check the label columns of the dataset`,
      );
    }
  }
  const input = tf.input({
    shape: options.inputShape ?? [80, 60, 3],
    name: "image",
  });
  let x = input as tf.SymbolicTensor;
  for (let b = 1; b <= blocks; b++) {
    x = tf.layers.conv2d({
      name: `conv_${b}`,
      filters: baseFilters * 2 ** (b - 1),
      kernelSize,
      padding: "same",
      useBias: batchNorm !== "conv" && batchNorm !== "both",
      kernelInitializer: init.glorot(`conv_${b}`),
    }).apply(x) as tf.SymbolicTensor;
    if (batchNorm === "conv" || batchNorm === "both") {
      x = tf.layers.batchNormalization({ name: `conv_${b}_bn` }).apply(
        x,
      ) as tf.SymbolicTensor;
    }
    x = tf.layers.activation({ name: `conv_${b}_relu`, activation: "relu" })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ name: `pool_${b}`, poolSize: 2 }).apply(
      x,
    ) as tf.SymbolicTensor;
  }
  x = tf.layers.flatten({ name: "flatten" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({
    name: "dense_shared",
    units: options.denseSize ?? 128,
    activation: batchNorm === "dense" || batchNorm === "both"
      ? "linear"
      : "relu",
    kernelInitializer: init.glorot("dense_shared"),
  }).apply(x) as tf.SymbolicTensor;
  if (batchNorm === "dense" || batchNorm === "both") {
    x = tf.layers.batchNormalization({ name: "dense_shared_bn" }).apply(
      x,
    ) as tf.SymbolicTensor;
    x = tf.layers.activation({ name: "dense_shared_relu", activation: "relu" })
      .apply(x) as tf.SymbolicTensor;
  }
  if (dropout > 0) {
    x = new SeededDropout({
      name: "dropout",
      rate: dropout,
      seed: layerSeed(options.seed, "dropout"),
    }).apply(x) as tf.SymbolicTensor;
  }
  const outputs = MULTI_OUTPUT_HEADS.map((head) =>
    tf.layers.dense({
      name: head,
      units: options.classes[head],
      activation: "softmax",
      kernelInitializer: init.glorot(head),
    }).apply(x) as tf.SymbolicTensor
  );
  return tf.model({ name: "multi_output_cnn", inputs: input, outputs });
}
