/**
 * Registers this workspace's training kernels for the TensorFlow.js `wasm`
 * backend: the gradients it lacks and faster replacements for slow ones.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { conv2DBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2DBackpropInputConfig } from "./conv2d_backprop_input.ts";
import {
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
} from "./depthwise_backprop.ts";
import { maxPoolGradConfig } from "./max_pool_grad.ts";
import { makeSumConfig } from "./sum.ts";

/**
 * Every kernel this module registers for `wasm`. `Conv2DBackpropInput` and
 * `MaxPoolGrad` replace the backend's own (slow) kernels; the others are
 * missing from `@tensorflow/tfjs-backend-wasm` 4.22.
 */
export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
];

/** The registered fast `Sum`, wrapping the backend's own one. */
let fastSum: tf.KernelConfig | null = null;

/**
 * Registers {@linkcode WASM_TRAINING_KERNELS} for the `wasm` backend,
 * replacing any kernel of the same name, and puts a leading-axes fast path
 * (bias gradients) in front of the backend's `Sum`. Safe to call more than
 * once.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-wasm";
 * registerWasmTrainingKernels();
 * await tf.setBackend("wasm"); // conv nets can now train on wasm
 * ```
 */
export function registerWasmTrainingKernels(): void {
  for (const config of WASM_TRAINING_KERNELS) {
    const current = tf.getKernel(config.kernelName, "wasm");
    if (current === config) continue;
    if (current) tf.unregisterKernel(config.kernelName, "wasm");
    tf.registerKernel(config);
  }
  const sum = tf.getKernel(tf.Sum, "wasm");
  if (sum && sum !== fastSum) {
    fastSum = makeSumConfig(sum);
    tf.unregisterKernel(tf.Sum, "wasm");
    tf.registerKernel(fastSum);
  }
}

/** Names of the kernels {@linkcode registerWasmTrainingKernels} registers. */
export function wasmTrainingKernelNames(): string[] {
  return [...WASM_TRAINING_KERNELS.map((k) => k.kernelName), tf.Sum];
}
