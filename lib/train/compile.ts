/**
 * Compiling classifiers the way the studies did: categorical cross-entropy
 * on softmax outputs, accuracy as the metric, Adam (studies 000, 003, 004)
 * or RMSprop (study 002's tuned transfer model). On the `webgpu` and
 * `tensorflow` backends Adam is the fused {@linkcode FusedAdamOptimizer}
 * (lib/kernels/webgpu/adam.ts), with `tf.train.adam`'s numbers.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  fusedAdamAvailable,
  FusedAdamOptimizer,
  webgpuAdamSetting,
} from "../kernels/webgpu/adam.ts";
import { tensorflowAdamSetting } from "../kernels/tensorflow/adam_step.ts";
import { fuseReluConvolutions } from "../models/conv_relu_layers.ts";

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
 * A fresh optimizer by name. Adam is {@linkcode FusedAdamOptimizer} where
 * its fused path is in place: on `webgpu` (three GPU dispatches per
 * variable instead of about ten; `FASHION_WEBGPU_ADAM=generic` keeps
 * `tf.train.adam`) and on `tensorflow` with the workspace's
 * `FashionAdamStep` op loaded (one pass per variable instead of about
 * thirteen; `FASHION_TENSORFLOW_ADAM=generic` keeps `tf.train.adam`). The
 * numbers are `tf.train.adam`'s either way; other backends get it.
 */
export function createOptimizer(
  name: OptimizerName,
  learningRate: number,
): tf.Optimizer {
  switch (name) {
    case "adam":
      return fusedAdam()
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
 * Whether Adam takes the fused path on the active backend: `webgpu` (its
 * kernels are registered by the optimizer) unless `FASHION_WEBGPU_ADAM`
 * says `generic`; `tensorflow` when `FashionAdamStep` is registered, unless
 * `FASHION_TENSORFLOW_ADAM` says `generic`.
 */
function fusedAdam(): boolean {
  switch (tf.getBackend()) {
    case "webgpu":
      return webgpuAdamSetting() === "fused";
    case "tensorflow":
      return tensorflowAdamSetting() === "fused" && fusedAdamAvailable();
    default:
      return false;
  }
}

/**
 * Compiles `model` for one-hot classification on every output, with
 * accuracy (`acc` in history, `val_acc` for validation). Its ReLU
 * convolutions train through the `tensorflow` backend's fused kernel where
 * that backend is active (`lib/models/conv_relu_layers.ts`: the same
 * numbers in fewer passes).
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
  fuseReluConvolutions(model);
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
