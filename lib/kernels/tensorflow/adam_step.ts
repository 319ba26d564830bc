/**
 * Adam's whole update of one variable as one native op on the `tensorflow`
 * backend: `FashionAdamStep` (`lib/native/ops/fashion_adam_step.cc`, built
 * by `deno task setup` and loaded by `lib/native/fashion_ops.ts`).
 *
 * `tf.train.adam` updates each variable with about thirteen element-wise
 * ops (the two moments, their bias corrections, the square root, the step),
 * each a pass over the variable: for the widest search model's dense kernel
 * (75,264 x 512, 154 MB) hundreds of milliseconds per training step. The op
 * reads value, moments and gradient once and writes the three new tensors
 * once, with every intermediate rounded to float32 in the order of
 * TensorFlow.js' own ops, so the weights it gives are bit-identical
 * (`adam_step_test.ts`). The optimizer that calls it is
 * `FusedAdamOptimizer` (`lib/kernels/webgpu/adam.ts`), which on `webgpu`
 * runs its three GPU programs instead.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { runNativeOpOutputs } from "./native_op.ts";
import { adamSetting } from "../adam_setting.ts";

/** Kernel name of the whole Adam step (registered for `tensorflow` when the op is loaded). */
export const ADAM_STEP_KERNEL = "FashionAdamStep";

/** Attributes of {@linkcode ADAM_STEP_KERNEL}: the optimizer's numbers for this step. */
export interface AdamStepAttrs {
  /** `β₁`. */
  beta1: number;
  /** `β₂`. */
  beta2: number;
  /** Learning rate. */
  learningRate: number;
  /** `ε` added to `√v̂`. */
  epsilon: number;
  /** `1 − β₁ᵗ` as the float32 TensorFlow.js computes. */
  oneMinusAccBeta1: number;
  /** `1 − β₂ᵗ`, likewise. */
  oneMinusAccBeta2: number;
}

/**
 * The op's float attributes. Each is the float32 TensorFlow.js would make
 * of the same JavaScript number: `mul(g, 1 - beta1)` turns the double
 * `1 - beta1` into a float32 scalar, `mul(…, -learningRate)` likewise.
 */
export function adamStepNativeAttrs(a: AdamStepAttrs) {
  return {
    beta1: { float: a.beta1 },
    one_minus_beta1: { float: 1 - a.beta1 },
    beta2: { float: a.beta2 },
    one_minus_beta2: { float: 1 - a.beta2 },
    one_minus_acc_beta1: { float: a.oneMinusAccBeta1 },
    one_minus_acc_beta2: { float: a.oneMinusAccBeta2 },
    epsilon: { float: a.epsilon },
    neg_learning_rate: { float: -a.learningRate },
  };
}

/** `FashionAdamStep` for `tensorflow`: `[new value, new m, new v]`. */
export const adamStepKernelConfig: tf.KernelConfig = {
  kernelName: ADAM_STEP_KERNEL,
  backendName: "tensorflow",
  kernelFunc: ({ inputs, attrs }) => {
    const { value, m, v, gradient } = inputs as Record<string, tf.Tensor>;
    for (const t of [value, m, v, gradient]) {
      if (t.dtype !== "float32") {
        throw new Error(`${ADAM_STEP_KERNEL} takes float32, got ${t.dtype}`);
      }
    }
    return runNativeOpOutputs(
      "FashionAdamStep",
      adamStepNativeAttrs(attrs as unknown as AdamStepAttrs),
      [value, m, v, gradient],
      3,
    );
  },
};

/**
 * The same step with TensorFlow.js' own element-wise ops, in
 * `AdamOptimizer.applyGradients`' order (tfjs-core 4.22): what the native
 * op must equal bit for bit. `[new value, new m, new v]`.
 */
export function adamStepFormula(
  value: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  gradient: tf.Tensor,
  a: AdamStepAttrs,
): tf.Tensor[] {
  return tf.tidy(() => {
    const newM = tf.add(tf.mul(m, a.beta1), tf.mul(gradient, 1 - a.beta1));
    const newV = tf.add(
      tf.mul(v, a.beta2),
      tf.mul(tf.square(gradient), 1 - a.beta2),
    );
    const mHat = tf.div(newM, tf.scalar(a.oneMinusAccBeta1));
    const vHat = tf.div(newV, tf.scalar(a.oneMinusAccBeta2));
    const newValue = tf.add(
      tf.mul(
        tf.div(mHat, tf.add(tf.sqrt(vHat), a.epsilon)),
        -a.learningRate,
      ),
      value,
    );
    return [newValue, newM, newV];
  });
}

/** Runs {@linkcode ADAM_STEP_KERNEL} (registered for the active backend). */
export function adamStep(
  value: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  gradient: tf.Tensor,
  attrs: AdamStepAttrs,
): tf.Tensor[] {
  return tf.engine().runKernel(
    ADAM_STEP_KERNEL,
    { value, m, v, gradient },
    attrs as unknown as tf.NamedAttrMap,
  ) as unknown as tf.Tensor[];
}

/**
 * Which Adam `createOptimizer` builds on `tensorflow`, from
 * `FASHION_TENSORFLOW_ADAM` (or `setting`): `fused` (unset: the default,
 * where the op is loaded) or `generic` (`tf.train.adam`, for comparisons).
 * Throws on anything else.
 */
export function tensorflowAdamSetting(
  setting = Deno.env.get("FASHION_TENSORFLOW_ADAM"),
): "fused" | "generic" {
  return adamSetting("FASHION_TENSORFLOW_ADAM", setting);
}
