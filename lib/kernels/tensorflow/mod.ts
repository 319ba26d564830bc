/**
 * The workspace's training kernels for the `tensorflow` backend
 * (`@tensorflow/tfjs-node`): TensorFlow ops that tfjs-node does not use,
 * in place of slower compositions, each giving the same numbers.
 *
 * | replaced                         | by                                      | module             |
 * | -------------------------------- | --------------------------------------- | ------------------ |
 * | `Relu`'s gradient `dy·step(x)`   | `ReluGrad`                              | `relu_grad.ts`     |
 * | `MaxPoolGrad` (generic CPU loop) | oneDNN's `_MklNativeMaxPoolGrad`        | `max_pool_grad.ts` |
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { reluGradConfig, reluGradKernelConfig } from "./relu_grad.ts";
import { makeMaxPoolGradConfig, oneDnnMaxPoolGrad } from "./max_pool_grad.ts";

export { reluGrad, reluGradFormula } from "./relu_grad.ts";
export { oneDnnMaxPoolGrad, oneDnnPoolingApplies } from "./max_pool_grad.ts";

/** What {@linkcode registerTensorflowTrainingKernels} put in place. */
export interface TensorflowTrainingKernels {
  /** `Relu`'s gradient is `ReluGrad`. */
  reluGrad: boolean;
  /** `MaxPoolGrad` runs oneDNN's kernel (false: this TensorFlow build lacks it). */
  oneDnnMaxPoolGrad: boolean;
}

let registered: TensorflowTrainingKernels | undefined;
/** tfjs-node's own `MaxPoolGrad`, kept for the cases oneDNN's does not cover. */
let originalMaxPoolGrad: tf.KernelConfig | undefined;

/** Whether oneDNN's pooling gradient runs in this TensorFlow build (a 2 x 2 probe). */
function oneDnnPoolingRuns(): boolean {
  try {
    const [ok] = tf.tidy(() => {
      const x = tf.tensor4d([1, 3, 2, 0], [1, 2, 2, 1]);
      const y = tf.tensor4d([3], [1, 1, 1, 1]);
      const dy = tf.tensor4d([5], [1, 1, 1, 1]);
      const dx = oneDnnMaxPoolGrad(dy, x, y, {
        filterSize: 2,
        strides: 2,
        pad: "valid",
      });
      return [dx.dataSync().join(",") === "0,5,0,0"];
    });
    return ok;
  } catch {
    return false;
  }
}

/**
 * Registers the kernels of this module for `tensorflow` (call with that
 * backend active; safe to call more than once) and says which are in place.
 *
 * @example
 * ```ts
 * await tf.setBackend("tensorflow");
 * registerTensorflowTrainingKernels(); // { reluGrad: true, oneDnnMaxPoolGrad: true }
 * ```
 */
export function registerTensorflowTrainingKernels(): TensorflowTrainingKernels {
  if (registered) return registered;
  if (!tf.getKernel(reluGradKernelConfig.kernelName, "tensorflow")) {
    tf.registerKernel(reluGradKernelConfig);
  }
  tf.registerGradient(reluGradConfig);
  originalMaxPoolGrad = tf.getKernel(tf.MaxPoolGrad, "tensorflow");
  const pooling = originalMaxPoolGrad !== undefined && oneDnnPoolingRuns();
  if (pooling && originalMaxPoolGrad) {
    tf.unregisterKernel(tf.MaxPoolGrad, "tensorflow");
    tf.registerKernel(makeMaxPoolGradConfig(originalMaxPoolGrad));
  }
  registered = { reluGrad: true, oneDnnMaxPoolGrad: pooling };
  return registered;
}

/**
 * tfjs-node's own `MaxPoolGrad` kernel (after registration), for tests that
 * compare the two.
 */
export function tfjsNodeMaxPoolGrad(): tf.KernelConfig | undefined {
  return originalMaxPoolGrad ?? tf.getKernel(tf.MaxPoolGrad, "tensorflow");
}
