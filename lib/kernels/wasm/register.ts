/**
 * Registers this workspace's training kernels for the TensorFlow.js `wasm`
 * backend: the gradients it lacks and faster replacements for slow ones.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
// Loads the wasm backend (and its kernels) first, so that ours replace its
// kernels rather than being replaced by them.
import "@tensorflow/tfjs-backend-wasm";
import { conv2DBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2DBackpropInputConfig } from "./conv2d_backprop_input.ts";
import {
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
} from "./depthwise_backprop.ts";
import { maxPoolGradConfig } from "./max_pool_grad.ts";
import { makeCastConfig, makeIdentityConfig } from "./identity.ts";
import { makeLeadingReduceConfig } from "./leading_reduce.ts";
import { makeTileConfig } from "./tile.ts";

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

/**
 * Kernels that keep the backend's own one as a fallback for the cases they
 * do not speed up: kernel name and a builder from the original config.
 */
const WRAPPED_KERNELS: readonly [
  string,
  (original: tf.KernelConfig) => tf.KernelConfig,
][] = [
  [tf.Sum, makeLeadingReduceConfig],
  [tf.Mean, makeLeadingReduceConfig],
  [tf.Tile, makeTileConfig],
  [tf.Identity, makeIdentityConfig],
  [tf.Cast, makeCastConfig],
];

/** The wrapping configs registered so far, by kernel name. */
const wrapped = new Map<string, tf.KernelConfig>();

/**
 * Registers {@linkcode WASM_TRAINING_KERNELS} for the `wasm` backend,
 * replacing any kernel of the same name, and puts fast paths in front of the
 * backend's `Sum`, `Mean` (leading axes: bias gradients, batch statistics),
 * `Tile`, `Identity` and same-dtype `Cast` (zero-copy). Safe to call more
 * than once.
 *
 * @example
 * ```ts
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
  for (const [name, wrap] of WRAPPED_KERNELS) {
    const original = tf.getKernel(name, "wasm");
    if (!original || original === wrapped.get(name)) continue;
    const config = wrap(original);
    wrapped.set(name, config);
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(config);
  }
}

/** Names of the kernels {@linkcode registerWasmTrainingKernels} registers. */
export function wasmTrainingKernelNames(): string[] {
  return [
    ...WASM_TRAINING_KERNELS.map((k) => k.kernelName),
    ...WRAPPED_KERNELS.map(([name]) => name),
  ];
}
