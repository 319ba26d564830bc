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
 * | Adam's update (about thirteen element-wise ops) | the workspace's `FashionAdamStep` op | `adam_step.ts` |
 * | a ReLU convolution while training (`Conv2D`, `Add`, `Relu`; `ReluGrad`, `Sum`) | `FashionConv2DBiasRelu`: oneDNN's convolution with bias, `Relu`; the workspace's `FashionReluGradBiasSum` op | `conv_bias_relu.ts` |
 * | the same and the 2x2 max pooling after it (… `MaxPool`; `MaxPoolGrad`, `ReluGrad`, `Sum`), training and prediction | `FashionConv2DBiasReluMaxPool`: oneDNN's convolution with bias, the workspace's `FashionReluMaxPool` op; its `FashionMaxPoolReluGradBiasSum` op | `conv_bias_relu.ts` |
 * | `ClipByValue` (`Minimum`, then `Maximum`)     | TensorFlow's `ClipByValue`           | `clip_by_value.ts` |
 *
 * oneDNN's kernels are in the TensorFlow library tfjs-node links against
 * (they are what Keras' graphs run); each replacement is probed once at
 * registration and left out where this TensorFlow build lacks it.
 * The `Fashion…` ops are the workspace's own (`lib/native/ops/`, listed in
 * `lib/native/fashion_ops.ts`), built by `deno task setup` and loaded before
 * registration: `FusedAdamOptimizer` calls `FashionAdamStep`; layers reach
 * the two convolution kernels through `lib/models/conv_relu_layers.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { reluGradConfig, reluGradKernelConfig } from "./relu_grad.ts";
import { makeMaxPoolGradConfig, oneDnnMaxPoolGrad } from "./max_pool_grad.ts";
import { makeMaxPoolConfig, oneDnnMaxPool } from "./max_pool.ts";
import { makeFusedConv2DConfig, oneDnnConvWithBias } from "./fused_conv2d.ts";
import {
  ADAM_STEP_KERNEL,
  adamStepFormula,
  adamStepKernelConfig,
  adamStepNativeAttrs,
} from "./adam_step.ts";
import { makeClipByValueConfig, nativeClipByValue } from "./clip_by_value.ts";
import { runNativeOp, runNativeOpOutputs } from "./native_op.ts";
import {
  CONV_BIAS_RELU_KERNEL,
  convBiasReluGradConfig,
  convBiasReluKernelConfig,
  convBiasReluPoolGradConfig,
  convBiasReluPoolKernelConfig,
  maxPoolReluGradBiasSum,
  reluGradBiasSum,
  reluMaxPool,
} from "./conv_bias_relu.ts";

export { reluGrad, reluGradFormula } from "./relu_grad.ts";
export { oneDnnMaxPoolGrad, oneDnnPoolingApplies } from "./max_pool_grad.ts";
export { oneDnnMaxPool } from "./max_pool.ts";
export { oneDnnConvApplies, oneDnnConvWithBias } from "./fused_conv2d.ts";
export { nativeClipByValue } from "./clip_by_value.ts";
export {
  CONV_BIAS_RELU_KERNEL,
  CONV_BIAS_RELU_POOL_KERNEL,
  convBiasRelu,
  convBiasReluMaxPool,
  maxPoolReluGradBiasSum,
  reluGradBiasSum,
  reluMaxPool,
} from "./conv_bias_relu.ts";
export {
  ADAM_STEP_KERNEL,
  adamStep,
  type AdamStepAttrs,
  adamStepFormula,
} from "./adam_step.ts";

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
  /** `FashionAdamStep` is in place: the workspace's op is loaded and gives `tf.train.adam`'s numbers. */
  adamStep: boolean;
  /** `ClipByValue` runs TensorFlow's op in one pass. */
  nativeClipByValue: boolean;
  /** `FashionConv2DBiasRelu` and `FashionConv2DBiasReluMaxPool` are in place: the workspace's `FashionReluGradBiasSum` and `FashionMaxPoolReluGradBiasSum` ops are loaded and give `MaxPoolGrad`, `ReluGrad` and `Sum`'s numbers. */
  convBiasRelu: boolean;
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
  Exclude<
    keyof TensorflowTrainingKernels,
    "reluGrad" | "adamStep" | "convBiasRelu"
  >,
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
  nativeClipByValue: {
    kernelName: tf.ClipByValue,
    make: makeClipByValueConfig,
    probe: probed(
      () =>
        nativeClipByValue(tf.tensor1d([-1, 3, 7, 6]), 0, 6).dataSync().join(
          ",",
        ),
      "0,3,6,6",
    ),
  },
};

/**
 * Registers `FashionAdamStep` for `tensorflow` when the workspace's op
 * (`loadFashionOps`) runs and equals TensorFlow.js' formula bit for bit on
 * a probe; false otherwise (the op library was not built or not loaded).
 */
function registerAdamStep(): boolean {
  if (tf.getKernel(ADAM_STEP_KERNEL, "tensorflow")) return true;
  const same = probed(() => {
    const t = (values: number[]) => tf.tensor1d(values);
    const inputs = [
      t([1, -2, 3e-3, 0.5]),
      t([0, 0.1, -0.2, 3]),
      t([0, 0.01, 0.04, 9]),
      t([2, -1e-3, 0.7, -4]),
    ] as const;
    const attrs = {
      beta1: 0.9,
      beta2: 0.999,
      learningRate: 0.01,
      epsilon: 1e-7,
      oneMinusAccBeta1: Math.fround(1 - Math.fround(0.9) ** 3),
      oneMinusAccBeta2: Math.fround(1 - Math.fround(0.999) ** 3),
    };
    const native = runNativeOpOutputs(
      "FashionAdamStep",
      adamStepNativeAttrs(attrs),
      [...inputs],
      3,
    );
    const formula = adamStepFormula(...inputs, attrs);
    return JSON.stringify(native.map((x) => Array.from(x.dataSync()))) ===
        JSON.stringify(formula.map((x) => Array.from(x.dataSync())))
      ? "same"
      : "different";
  }, "same");
  if (!same()) return false;
  tf.registerKernel(adamStepKernelConfig);
  return true;
}

/** The fused convolution kernels and their gradients (`conv_bias_relu.ts`). */
const CONV_BLOCK_KERNELS = [
  [convBiasReluKernelConfig, convBiasReluGradConfig],
  [convBiasReluPoolKernelConfig, convBiasReluPoolGradConfig],
] as const;

/**
 * Registers `FashionConv2DBiasRelu`, `FashionConv2DBiasReluMaxPool` and
 * their gradients for `tensorflow` when oneDNN's convolution with bias and
 * pooling are in place and the workspace's ops run and equal `Relu`,
 * `MaxPool`, `MaxPoolGrad`, `ReluGrad` and `Sum` bit for bit on a probe (20
 * rows: the sum's four running sums and a tail).
 */
function registerConvBlocks(oneDnnConv: boolean, oneDnnPool: boolean): boolean {
  if (tf.getKernel(CONV_BIAS_RELU_KERNEL, "tensorflow")) return true;
  if (!oneDnnConv || !oneDnnPool) return false;
  const same = probed(() => {
    const values = (n: number, scale: number) =>
      Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * scale);
    const bits = (t: tf.Tensor) =>
      Array.from(new Uint32Array(t.dataSync().buffer.slice(0))).join(",");
    const z = tf.tensor4d(values(4 * 5 * 3, 1), [1, 4, 5, 3]);
    const y = tf.relu(z);
    const pooled = oneDnnMaxPool(y, { filterSize: 2, strides: 2 });
    const dp = tf.tensor4d(values(2 * 2 * 3, 0.37), [1, 2, 2, 3]);
    const routed = tf.engine().runKernel(tf.MaxPoolGrad, {
      dy: dp,
      input: y,
      output: pooled,
    }, { filterSize: 2, strides: 2, pad: "valid" }) as tf.Tensor;
    const expected = runNativeOp("ReluGrad", { T: { type: "float32" } }, [
      routed,
      y,
    ]);
    const expectedSum = tf.sum(expected, [0, 1, 2]);
    const [plain, plainSum] = reluGradBiasSum(routed, y);
    const [fused, fusedSum] = maxPoolReluGradBiasSum(dp, z);
    return [plain, fused].every((t) => bits(t) === bits(expected)) &&
        [plainSum, fusedSum].every((t) => bits(t) === bits(expectedSum)) &&
        bits(reluMaxPool(z)) === bits(pooled)
      ? "same"
      : "different";
  }, "same");
  if (!same()) return false;
  for (const [kernel, gradient] of CONV_BLOCK_KERNELS) {
    tf.registerKernel(kernel);
    tf.registerGradient(gradient);
  }
  return true;
}

let registered: TensorflowTrainingKernels | undefined;
/** tfjs-node's own kernels that a replacement took the place of, by kernel name. */
const originals = new Map<string, tf.KernelConfig>();
/** The replacements registered, by kernel name. */
const replacements = new Map<string, tf.KernelConfig>();

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
    adamStep: registerAdamStep(),
    nativeClipByValue: false,
    convBiasRelu: false,
  };
  for (const [key, replacement] of Object.entries(REPLACEMENTS)) {
    const original = tf.getKernel(replacement.kernelName, "tensorflow");
    if (!original || !replacement.probe()) continue;
    const config = replacement.make(original);
    originals.set(replacement.kernelName, original);
    replacements.set(replacement.kernelName, config);
    tf.unregisterKernel(replacement.kernelName, "tensorflow");
    tf.registerKernel(config);
    result[key as keyof typeof REPLACEMENTS] = true;
  }
  result.convBiasRelu = registerConvBlocks(
    result.oneDnnConvWithBias,
    result.oneDnnMaxPool,
  );
  registered = result;
  return registered;
}

/**
 * Swaps between the replacements registered by
 * {@linkcode registerTensorflowTrainingKernels} (`"workspace"`) and the
 * tfjs-node kernels they took the place of (`"tfjs-node"`), for benchmarks
 * that time both in one process; returns the kernel names swapped.
 */
export function useTensorflowKernels(
  which: "workspace" | "tfjs-node",
): string[] {
  for (const [name, original] of originals) {
    const replacement = replacements.get(name)!;
    tf.unregisterKernel(name, "tensorflow");
    tf.registerKernel(which === "workspace" ? replacement : original);
  }
  const swapped = [...originals.keys()];
  if (registered?.convBiasRelu) {
    // Layers fall back to TensorFlow.js' unfused ops without these kernels.
    for (const [kernel] of CONV_BLOCK_KERNELS) {
      const present = tf.getKernel(kernel.kernelName, "tensorflow");
      if (which === "tfjs-node" && present) {
        tf.unregisterKernel(kernel.kernelName, "tensorflow");
      } else if (which === "workspace" && !present) {
        tf.registerKernel(kernel);
      }
      swapped.push(kernel.kernelName);
    }
  }
  return swapped;
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
