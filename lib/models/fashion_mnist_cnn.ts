/**
 * The Fashion-MNIST CNN of study 004 (10 classes, 28x28 grey images; the
 * study reports 89% test accuracy). The study's text names the layer types
 * it used (Conv2D, MaxPooling2D, Dropout, Flatten, Dense, Adam) but not their
 * sizes, so the sizes are options with conventional defaults:
 * Conv(32, 3x3) -> MaxPool(2) -> Dropout(0.25) -> Flatten -> Dense(128) ->
 * Dense(10, softmax).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { layerSeed, seededInitializers } from "./seeding.ts";
import { SeededDropout } from "./seeded_dropout.ts";

/** Fashion-MNIST image shape: 28x28, one channel. */
export const FASHION_MNIST_INPUT_SHAPE: [number, number, number] = [28, 28, 1];

/** Options of {@linkcode buildFashionMnistCnn}. */
export interface FashionMnistCnnOptions {
  /** Seed of every initialiser and dropout mask. */
  seed: number;
  /** Filters of the convolution; default 32. */
  filters?: number;
  /** Kernel size of the convolution; default 3. */
  kernelSize?: number;
  /** Dropout after pooling; default 0.25 (0 removes the layer). */
  dropout?: number;
  /** Units of the hidden dense layer; default 128. */
  denseSize?: number;
  /** Output classes; default 10. */
  classes?: number;
}

/**
 * Builds study 004's CNN (uncompiled).
 *
 * @example
 * ```ts
 * const model = buildFashionMnistCnn({ seed: 7 });
 * model.outputs[0].shape; // [null, 10]
 * ```
 */
export function buildFashionMnistCnn(
  options: FashionMnistCnnOptions,
): tf.Sequential {
  const init = seededInitializers(options.seed);
  const dropout = options.dropout ?? 0.25;
  const model = tf.sequential({ name: "fashion_mnist_cnn" });
  model.add(tf.layers.conv2d({
    name: "conv_1",
    inputShape: FASHION_MNIST_INPUT_SHAPE,
    filters: options.filters ?? 32,
    kernelSize: options.kernelSize ?? 3,
    activation: "relu",
    kernelInitializer: init.glorot("conv_1"),
  }));
  model.add(tf.layers.maxPooling2d({ name: "pool_1", poolSize: 2 }));
  if (dropout > 0) {
    model.add(
      new SeededDropout({
        name: "dropout",
        rate: dropout,
        seed: layerSeed(options.seed, "dropout"),
      }),
    );
  }
  model.add(tf.layers.flatten({ name: "flatten" }));
  model.add(tf.layers.dense({
    name: "dense_hidden",
    units: options.denseSize ?? 128,
    activation: "relu",
    kernelInitializer: init.glorot("dense_hidden"),
  }));
  model.add(tf.layers.dense({
    name: "output",
    units: options.classes ?? 10,
    activation: "softmax",
    kernelInitializer: init.glorot("output"),
  }));
  return model;
}
