/**
 * Compiling classifiers the way the studies did: categorical cross-entropy
 * on softmax outputs, accuracy as the metric, Adam (studies 000, 003, 004)
 * or RMSprop (study 002's tuned transfer model).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Optimizers the studies used. */
export type OptimizerName = "adam" | "rmsprop" | "sgd";

/** Options of {@linkcode compileClassifier}. */
export interface CompileOptions {
  /** Optimizer; default `adam`. */
  optimizer?: OptimizerName;
  /** Learning rate; default 1e-3 (Keras' Adam default). */
  learningRate?: number;
}

/** A fresh optimizer by name. */
export function createOptimizer(
  name: OptimizerName,
  learningRate: number,
): tf.Optimizer {
  switch (name) {
    case "adam":
      return tf.train.adam(learningRate);
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
}
