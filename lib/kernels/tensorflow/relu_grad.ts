/**
 * The gradient of `Relu` as TensorFlow's one `ReluGrad` op on the
 * `tensorflow` backend.
 *
 * TensorFlow.js differentiates `relu(x)` as `dy · cast(step(x))`, and
 * tfjs-node runs `step` as six element-wise ops (`IsNan`, `Greater`, two
 * `Fill`s, two `Select`s): eight passes over an activation-sized tensor
 * (85 MB for the first layer of study 000's primary CNN at batch 32), about
 * a quarter of that network's training step. `ReluGrad(dy, x)` is one pass
 * and gives the same numbers: `dy` where `x > 0`, zero elsewhere (the
 * product gives `dy · 0`, a zero whose sign may differ, which adds and
 * multiplies to the same values downstream).
 *
 * The replacement is registered as `Relu`'s gradient for every backend (the
 * gradient registry is global) and takes the native path only while the
 * active backend is `tensorflow` and `x` is float32; anywhere else it is
 * TensorFlow.js' own formula.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { runNativeOp } from "./native_op.ts";

/** Kernel name of the native ReLU gradient (registered for `tensorflow` only). */
export const RELU_GRAD_KERNEL = "FashionReluGrad";

/** `FashionReluGrad` for `tensorflow`: `ReluGrad(dy, x)`. */
export const reluGradKernelConfig: tf.KernelConfig = {
  kernelName: RELU_GRAD_KERNEL,
  backendName: "tensorflow",
  kernelFunc: ({ inputs }) => {
    const { dy, x } = inputs as { dy: tf.Tensor; x: tf.Tensor };
    return runNativeOp("ReluGrad", { T: { type: "float32" } }, [dy, x]);
  },
};

/** TensorFlow.js' own ReLU gradient: `dy · cast(step(x))`. */
export function reluGradFormula(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.mul(dy, tf.cast(tf.step(x), "float32"));
}

/** The ReLU gradient for `dy` and the saved input `x` on the active backend. */
export function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() === "tensorflow" && x.dtype === "float32") {
    return tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }, {}) as tf.Tensor;
  }
  return reluGradFormula(dy, x);
}

/** `Relu`'s gradient with the native path (see the module notes). */
export const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => reluGrad(dy as tf.Tensor, x) };
  },
};
