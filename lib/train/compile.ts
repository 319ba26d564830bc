/**
 * Compiling classifiers the way the studies did: categorical cross-entropy
 * on softmax outputs, accuracy as the metric, Adam (studies 000, 003, 004)
 * or RMSprop (study 002's tuned transfer model). On the `webgpu` backend Adam
 * is the fused {@linkcode FusedAdamOptimizer} (lib/kernels/webgpu/adam.ts).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  FusedAdamOptimizer,
  webgpuAdamSetting,
} from "../kernels/webgpu/adam.ts";

/** Optimizers the studies used. */
export type OptimizerName = "adam" | "rmsprop" | "sgd";

/** Options of {@linkcode compileClassifier}. */
export interface CompileOptions {
  /** Optimizer; default `adam`. */
  optimizer?: OptimizerName;
  /** Learning rate; default 1e-3 (Keras' Adam default). */
  learningRate?: number;
}

/**
 * A fresh optimizer by name. On the `webgpu` backend Adam is
 * {@linkcode FusedAdamOptimizer} (the same update in three GPU dispatches
 * per variable instead of about ten; `FASHION_WEBGPU_ADAM=generic` keeps
 * `tf.train.adam`); every other backend gets `tf.train.adam`.
 */
export function createOptimizer(
  name: OptimizerName,
  learningRate: number,
): tf.Optimizer {
  switch (name) {
    case "adam":
      return tf.getBackend() === "webgpu" && webgpuAdamSetting() === "fused"
        ? new FusedAdamOptimizer(learningRate)
        : tf.train.adam(learningRate);
    case "rmsprop":
      return tf.train.rmsprop(learningRate);
    case "sgd":
      return tf.train.sgd(learningRate);
    default:
      throw new Error(`Unknown optimizer "${name}"; use adam, rmsprop or sgd`);
  }
}

/**
 * Compiles `model` for one-hot classification on every output, with
 * accuracy (`acc` in history, `val_acc` for validation).
 */
export function compileClassifier(
  model: tf.LayersModel,
  options: CompileOptions = {},
): void {
  model.compile({
    optimizer: createOptimizer(
      options.optimizer ?? "adam",
      options.learningRate ?? 1e-3,
    ),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
  ownOptimizer(model);
}

/**
 * Makes `model.dispose()` free the optimizer too. TF.js disposes only an
 * optimizer it created from a name; one passed as an object (as here) would
 * keep its slots (Adam's two moments per weight) alive after the model is
 * gone, hundreds of MB per run for the studies' wide dense layers.
 */
function ownOptimizer(model: tf.LayersModel): void {
  type Owner = { isOptimizerOwned: boolean; model?: Owner };
  const owner = model as unknown as Owner;
  owner.isOptimizerOwned = true;
  // A Sequential model delegates to the functional model it wraps.
  if (owner.model) owner.model.isOptimizerOwned = true;
}
