/**
 * The workspace's kernels for the `tensorflow` backend
 * (`@tensorflow/tfjs-node`): TensorFlow ops that tfjs-node does not use, in
 * place of slower compositions, each giving the same numbers.
 *
 * | replaced                                       | by                                   | module             |
 * | ---------------------------------------------- | ------------------------------------ | ------------------ |
 * | `Relu`'s gradient `dy·step(x)` (six ops)       | `ReluGrad`                           | `relu_grad.ts`     |
 * | `MaxPoolGrad` (TensorFlow's generic CPU loop)  | oneDNN's `_MklNativeMaxPoolGrad`     | `max_pool_grad.ts` |
 * | `MaxPool`                                      | oneDNN's `_MklNativeMaxPool`         | `max_pool.ts`      |
 * | `FusedConv2D` (convolution, `Add`, activation) | oneDNN's `_MklNativeConv2DWithBias`, `Relu` | `fused_conv2d.ts` |
 *
 * oneDNN's kernels are in the TensorFlow library tfjs-node links against
 * (they are what Keras' graphs run); each replacement is probed once at
 * registration and left out where this TensorFlow build lacks it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { reluGradConfig, reluGradKernelConfig } from "./relu_grad.ts";
import { makeMaxPoolGradConfig, oneDnnMaxPoolGrad } from "./max_pool_grad.ts";
import { makeMaxPoolConfig, oneDnnMaxPool } from "./max_pool.ts";
import { makeFusedConv2DConfig, oneDnnConvWithBias } from "./fused_conv2d.ts";

export { reluGrad, reluGradFormula } from "./relu_grad.ts";
export { oneDnnMaxPoolGrad, oneDnnPoolingApplies } from "./max_pool_grad.ts";
export { oneDnnMaxPool } from "./max_pool.ts";
export { oneDnnConvApplies, oneDnnConvWithBias } from "./fused_conv2d.ts";

/** What {@linkcode registerTensorflowTrainingKernels} put in place. */
export interface TensorflowTrainingKernels {
  /** `Relu`'s gradient is `ReluGrad`. */
  reluGrad: boolean;
  /** `MaxPoolGrad` runs oneDNN's kernel (false: this TensorFlow build lacks it). */
  oneDnnMaxPoolGrad: boolean;
  /** `MaxPool` runs oneDNN's kernel. */
  oneDnnMaxPool: boolean;
  /** `FusedConv2D` runs oneDNN's convolution with bias. */
  oneDnnConvWithBias: boolean;
}

/** A tfjs-node kernel replaced where a probe shows the replacement runs. */
interface Replacement {
  kernelName: string;
  make: (original: tf.KernelConfig) => tf.KernelConfig;
  /** Runs the replacement on a tiny input; true when it gives the expected numbers. */
  probe: () => boolean;
}

function probed(run: () => string, expected: string): () => boolean {
  return () => {
    try {
      return tf.tidy(() => run()) === expected;
    } catch {
      return false;
    }
  };
}

const REPLACEMENTS: Record<
  Exclude<keyof TensorflowTrainingKernels, "reluGrad">,
  Replacement
> = {
  oneDnnMaxPoolGrad: {
    kernelName: tf.MaxPoolGrad,
    make: makeMaxPoolGradConfig,
    probe: probed(() =>
      oneDnnMaxPoolGrad(
        tf.tensor4d([5], [1, 1, 1, 1]),
        tf.tensor4d([1, 3, 2, 0], [1, 2, 2, 1]),
        tf.tensor4d([3], [1, 1, 1, 1]),
        { filterSize: 2, strides: 2, pad: "valid" },
      ).dataSync().join(","), "0,5,0,0"),
  },
  oneDnnMaxPool: {
    kernelName: tf.MaxPool,
    make: makeMaxPoolConfig,
    probe: probed(() =>
      oneDnnMaxPool(tf.tensor4d([1, 3, 2, 0], [1, 2, 2, 1]), {
        filterSize: 2,
        strides: 2,
      }).dataSync().join(","), "3"),
  },
  oneDnnConvWithBias: {
    kernelName: tf.FusedConv2D,
    make: makeFusedConv2DConfig,
    probe: probed(() =>
      oneDnnConvWithBias(
        tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]),
        tf.tensor4d([1, -1, 1, -1], [2, 2, 1, 1]),
        tf.tensor1d([0.5]),
        { strides: 1, pad: "valid", activation: "linear" },
      ).dataSync().join(","), "-1.5"),
  },
};

let registered: TensorflowTrainingKernels | undefined;
/** tfjs-node's own kernels that a replacement took the place of, by kernel name. */
const originals = new Map<string, tf.KernelConfig>();

/**
 * Registers the kernels of this module for `tensorflow` (call with that
 * backend active: the probes run on it; safe to call more than once) and
 * says which are in place.
 *
 * @example
 * ```ts
 * await tf.setBackend("tensorflow");
 * registerTensorflowTrainingKernels(); // { reluGrad: true, oneDnnMaxPoolGrad: true, ... }
 * ```
 */
export function registerTensorflowTrainingKernels(): TensorflowTrainingKernels {
  if (registered) return registered;
  if (!tf.getKernel(reluGradKernelConfig.kernelName, "tensorflow")) {
    tf.registerKernel(reluGradKernelConfig);
  }
  tf.registerGradient(reluGradConfig);
  const result: TensorflowTrainingKernels = {
    reluGrad: true,
    oneDnnMaxPoolGrad: false,
    oneDnnMaxPool: false,
    oneDnnConvWithBias: false,
  };
  for (const [key, replacement] of Object.entries(REPLACEMENTS)) {
    const original = tf.getKernel(replacement.kernelName, "tensorflow");
    if (!original || !replacement.probe()) continue;
    originals.set(replacement.kernelName, original);
    tf.unregisterKernel(replacement.kernelName, "tensorflow");
    tf.registerKernel(replacement.make(original));
    result[key as keyof typeof REPLACEMENTS] = true;
  }
  registered = result;
  return registered;
}

/**
 * tfjs-node's own kernel of `kernelName` (after registration, the one a
 * replacement took the place of), for tests that compare the two.
 */
export function tfjsNodeKernel(
  kernelName: string,
): tf.KernelConfig | undefined {
  return originals.get(kernelName) ?? tf.getKernel(kernelName, "tensorflow");
}
