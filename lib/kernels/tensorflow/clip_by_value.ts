/**
 * `ClipByValue` on the `tensorflow` backend as TensorFlow's own
 * `ClipByValue` op: one pass over the tensor instead of tfjs-node's two
 * (`Minimum` with the upper bound, then `Maximum` with the lower bound,
 * each a full pass). TensorFlow's CPU kernel takes the same two steps in
 * the same order within one pass (`cwiseMin(max).cwiseMax(min)`), so the
 * numbers are the same (the tests compare them bit for bit, infinities
 * and the bounds themselves included).
 *
 * Every ReLU6 of MobileNetV2 is a `Relu` and then a `ClipByValue` to
 * [0, 6] (tfjs-layers' `ReLU` layer with `maxValue`), so this is where the
 * frozen base's feature extraction spent most of its activation time; the
 * losses clip their probabilities with it too. The gradient stays
 * TensorFlow.js' (it reads the saved input only). Used for float32
 * tensors; anything else keeps tfjs-node's kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { runNativeOp } from "./native_op.ts";

/** The attributes of TensorFlow.js' `ClipByValue` kernel. */
interface ClipByValueAttrs {
  clipValueMin: number;
  clipValueMax: number;
}

/** `x` clipped to `[min, max]` by TensorFlow's `ClipByValue` op (float32). */
export function nativeClipByValue(
  x: tf.Tensor,
  min: number,
  max: number,
): tf.Tensor {
  return tf.tidy(() =>
    runNativeOp("ClipByValue", { T: { type: "float32" } }, [
      x,
      tf.scalar(min, "float32"),
      tf.scalar(max, "float32"),
    ])
  );
}

/**
 * A `ClipByValue` kernel config for `tensorflow` that runs TensorFlow's op
 * for float32 tensors and calls `original` (tfjs-node's kernel) elsewhere.
 */
export function makeClipByValueConfig(
  original: tf.KernelConfig,
): tf.KernelConfig {
  return {
    kernelName: tf.ClipByValue,
    backendName: "tensorflow",
    kernelFunc: (args) => {
      const { x } = args.inputs as Record<string, tf.Tensor>;
      const attrs = args.attrs as unknown as ClipByValueAttrs;
      if (x.dtype !== "float32") return original.kernelFunc(args);
      return nativeClipByValue(x, attrs.clipValueMin, attrs.clipValueMax);
    },
  };
}
