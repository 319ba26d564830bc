/**
 * Study 000's primary CNN exactly as the benchmark specifies it: input
 * 120x90x3 (height x width x channels); Conv2D 64 3x3 relu; MaxPool 2;
 * Conv2D 64 3x3 relu; MaxPool 2; Flatten; Dense 3 softmax.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Builds the benchmark network with seeded Glorot initialisation. */
export function buildBenchPrimaryCnn(seed: number): tf.LayersModel {
  const init = (offset: number) =>
    tf.initializers.glorotUniform({ seed: seed + offset });
  return tf.sequential({
    name: "primary_cnn",
    layers: [
      tf.layers.conv2d({
        inputShape: [120, 90, 3],
        filters: 64,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: init(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 64,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: init(2),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 3,
        activation: "softmax",
        kernelInitializer: init(3),
      }),
    ],
  });
}
