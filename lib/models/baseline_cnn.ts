/**
 * Study 002's "basic CNN": one convolution, then a softmax layer (the
 * deeplizard tutorial network the study adapted as its baseline).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { seededInitializers } from "./seeding.ts";

/** Options of {@linkcode buildBaselineCnn}. */
export interface BaselineCnnOptions {
  /** Seed of the initialisers. */
  seed: number;
  /** Output classes; default 3. */
  classes?: number;
  /** Input shape; default 224x224x3. */
  inputShape?: [number, number, number];
  /** Filters of the one convolution; default 32. */
  filters?: number;
  /** Its kernel size; default 3. */
  kernelSize?: number;
}

/**
 * The study's basic CNN (uncompiled): Conv2D(32, 3x3, ReLU) → Flatten →
 * Dense(classes, softmax), the one-hidden-layer network of the deeplizard
 * tutorial the study adapted.
 *
 * @example
 * ```ts
 * const model = buildBaselineCnn({ seed: 42 });
 * model.outputs[0].shape; // [null, 3]
 * ```
 */
export function buildBaselineCnn(options: BaselineCnnOptions): tf.Sequential {
  const init = seededInitializers(options.seed);
  const model = tf.sequential({ name: "study002_baseline_cnn" });
  model.add(tf.layers.conv2d({
    name: "conv_1",
    inputShape: options.inputShape ?? [224, 224, 3],
    filters: options.filters ?? 32,
    kernelSize: options.kernelSize ?? 3,
    activation: "relu",
    kernelInitializer: init.glorot("conv_1"),
  }));
  model.add(tf.layers.flatten({ name: "flatten" }));
  model.add(tf.layers.dense({
    name: "output",
    units: options.classes ?? 3,
    activation: "softmax",
    kernelInitializer: init.glorot("output"),
  }));
  return model;
}
