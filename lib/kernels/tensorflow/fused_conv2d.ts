/**
 * `FusedConv2D` (a convolution with its bias and activation, which
 * TensorFlow.js runs when no gradient is being taken: prediction,
 * evaluation) on the `tensorflow` backend through oneDNN's convolution with
 * bias, `_MklNativeConv2DWithBias`, then `Relu`.
 *
 * tfjs-node runs it as three ops, each a pass over the output: the
 * convolution, a broadcast `Add` of the bias and the activation. oneDNN
 * adds the bias inside the convolution, to the same float32 result, so the
 * numbers are the same (the tests compare them bit for bit): study 000's
 * first convolution at batch 256 (`[256, 120, 90, 3]`, 64 filters) took 78
 * instead of 159 ms on the 2-core build machine.
 *
 * Used for NHWC float32 convolutions with a bias, no dilation, `valid` or
 * `same` padding and a linear or ReLU activation; anything else keeps
 * tfjs-node's kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { pair, runNativeOp } from "./native_op.ts";

/** The attributes of TensorFlow.js' `FusedConv2D` kernel this module reads. */
interface FusedConv2DAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | unknown;
  dataFormat: string;
  dilations: number | [number, number];
  dimRoundingMode?: string;
  activation: string;
}

/** Whether oneDNN's convolution with bias computes this `FusedConv2D` (see the module notes). */
export function oneDnnConvApplies(
  inputs: Record<string, tf.TensorInfo | undefined>,
  attrs: FusedConv2DAttrs,
): boolean {
  const { x, bias, preluActivationWeights } = inputs;
  return x !== undefined && bias !== undefined && bias !== null &&
    preluActivationWeights == null && x.dtype === "float32" &&
    bias.shape.length === 1 && attrs.dataFormat === "NHWC" &&
    (attrs.pad === "valid" || attrs.pad === "same") &&
    pair(attrs.dilations).every((d) => d === 1) &&
    (attrs.activation === "linear" || attrs.activation === "relu");
}

/** oneDNN's convolution of `x` with `filter` plus `bias`, then `activation`. */
export function oneDnnConvWithBias(
  x: tf.Tensor,
  filter: tf.Tensor,
  bias: tf.Tensor,
  options: {
    strides: number | [number, number];
    pad: "valid" | "same";
    activation: "linear" | "relu";
  },
): tf.Tensor {
  const [sh, sw] = pair(options.strides);
  const convolved = runNativeOp("_MklNativeConv2DWithBias", {
    T: { type: "float32" },
    strides: [1, sh, sw, 1],
    padding: options.pad === "valid" ? "VALID" : "SAME",
    data_format: "NHWC",
    dilations: [1, 1, 1, 1],
    // oneDNN's kernels are registered under this label.
    _kernel: "MklNameChangeOp",
  }, [x, filter, bias]);
  if (options.activation === "linear") return convolved;
  try {
    return runNativeOp("Relu", { T: { type: "float32" } }, [convolved]);
  } finally {
    convolved.dispose();
  }
}

/**
 * A `FusedConv2D` kernel config for `tensorflow` that takes the oneDNN path
 * where it applies and calls `original` (tfjs-node's kernel) elsewhere.
 */
export function makeFusedConv2DConfig(
  original: tf.KernelConfig,
): tf.KernelConfig {
  return {
    kernelName: tf.FusedConv2D,
    backendName: "tensorflow",
    kernelFunc: (args) => {
      const inputs = args.inputs as Record<string, tf.Tensor>;
      const attrs = args.attrs as unknown as FusedConv2DAttrs;
      if (!oneDnnConvApplies(inputs, attrs)) return original.kernelFunc(args);
      return oneDnnConvWithBias(inputs.x, inputs.filter, inputs.bias, {
        strides: attrs.strides,
        pad: attrs.pad as "valid" | "same",
        activation: attrs.activation as "linear" | "relu",
      });
    },
  };
}
