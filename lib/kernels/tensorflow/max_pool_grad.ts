/**
 * `MaxPoolGrad` on the `tensorflow` backend through oneDNN's pooling
 * gradient instead of TensorFlow's generic CPU kernel.
 *
 * tfjs-node runs TensorFlow's `MaxPoolGrad` op, whose CPU kernel recomputes
 * every window's argmax in a scalar loop: 137 ms for the first pooling
 * layer of study 000's primary CNN at batch 32 (`[32, 118, 88, 64]`) on the
 * 2-core build machine, against 7 ms for the forward pooling. The same
 * TensorFlow library carries oneDNN's kernel, `_MklNativeMaxPoolGrad`, which
 * Keras' graphs reach through TensorFlow's oneDNN rewrite and eager
 * TensorFlow.js never does: 6 ms for that layer, and the same numbers (each
 * window's gradient goes to its first maximum in row-major order, as in
 * TensorFlow's kernel and the `cpu` backend; the tests compare them bit for
 * bit, ties included).
 *
 * The oneDNN kernel is used for 2-D NHWC float32 pooling whose windows do
 * not overlap (strides at least the window, `valid` padding: every pooling
 * layer of the studies' CNNs); any other pooling, or a TensorFlow build
 * without oneDNN, keeps tfjs-node's kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  oneDnnPoolingAttrs,
  pair,
  runNativeOp,
  runNativeOpOutputs,
} from "./native_op.ts";

/** The attributes of TensorFlow.js' `MaxPoolGrad` kernel. */
interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: "valid" | "same" | number;
  dimRoundingMode?: string;
}

/** Whether the oneDNN kernel computes this pooling gradient exactly (see the module notes). */
export function oneDnnPoolingApplies(
  input: tf.TensorInfo,
  attrs: MaxPoolGradAttrs,
): boolean {
  const [wh, ww] = pair(attrs.filterSize);
  const [sh, sw] = pair(attrs.strides);
  return input.dtype === "float32" && input.shape.length === 4 &&
    attrs.pad === "valid" && sh >= wh && sw >= ww;
}

/**
 * oneDNN's max-pooling gradient of `dy` for input `x` and pooled output `y`.
 * oneDNN routes the gradient through the forward pass's workspace (each
 * window's argmax), so the forward runs again here to produce it (5 ms for
 * the layer above, a small part of what it saves).
 */
export function oneDnnMaxPoolGrad(
  dy: tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor,
  attrs: MaxPoolGradAttrs,
): tf.Tensor {
  const pooling = oneDnnPoolingAttrs(attrs.filterSize, attrs.strides, true);
  const [pooled, workspace] = runNativeOpOutputs(
    "_MklNativeMaxPool",
    pooling,
    [x],
    2,
  );
  try {
    return runNativeOp("_MklNativeMaxPoolGrad", pooling, [
      x,
      y,
      dy,
      workspace,
    ]);
  } finally {
    pooled.dispose();
    workspace.dispose();
  }
}

/**
 * A `MaxPoolGrad` kernel config for `tensorflow` that takes the oneDNN path
 * where it applies and calls `original` (tfjs-node's kernel) elsewhere.
 */
export function makeMaxPoolGradConfig(
  original: tf.KernelConfig,
): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName: "tensorflow",
    kernelFunc: (args) => {
      const { dy, input, output } = args.inputs as Record<string, tf.Tensor>;
      const attrs = args.attrs as unknown as MaxPoolGradAttrs;
      if (!oneDnnPoolingApplies(input, attrs)) return original.kernelFunc(args);
      return oneDnnMaxPoolGrad(dy, input, output, attrs);
    },
  };
}
