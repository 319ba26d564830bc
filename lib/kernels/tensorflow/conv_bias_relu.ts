/**
 * A convolution with its bias and ReLU (and the 2x2 max pooling after it)
 * as one differentiable kernel on the `tensorflow` backend.
 *
 * While gradients are being taken, TensorFlow.js does not fuse a
 * convolution layer's bias and activation: it runs `Conv2D`, a broadcast
 * `Add` of the bias and `Relu` (three passes over the output), and
 * differentiates them as `ReluGrad` and then a `Sum` of that gradient for
 * the bias (two more passes). `FashionConv2DBiasRelu` computes the same
 * values with fewer passes:
 *
 * - forward: oneDNN's convolution with bias (`_MklNativeConv2DWithBias`,
 *   the same float32 result as `Conv2D` then `Add`; see `fused_conv2d.ts`)
 *   and `Relu`;
 * - backward: the workspace's `FashionReluGradBiasSum` op
 *   (`lib/native/ops/fashion_bias_gradients.cc`), `ReluGrad` and the
 *   bias gradient's `Sum` in one pass, summing in the order of
 *   TensorFlow's `Sum` kernel, then the convolution's own gradient kernels
 *   (`Conv2DBackpropInput`, `Conv2DBackpropFilter`) with the same
 *   attributes TensorFlow.js' `Conv2D` gradient passes. The ReLU's mask is
 *   taken from its output (`y > 0` exactly where `x > 0`).
 *
 * `FashionConv2DBiasReluMaxPool` goes on through a 2x2 max pooling with
 * stride 2: the workspace's `FashionReluMaxPool` op takes the ReLU and the
 * window maxima in one pass over the convolution's output without writing
 * the ReLU's output (`Relu` and `MaxPool`: a pass each, and the ReLU's
 * output written and read again); the kernel returns the pooled output and
 * the pre-activation it keeps for the backward pass. Backward, the
 * workspace's `FashionMaxPoolReluGradBiasSum` op takes the place of
 * `MaxPoolGrad`, `ReluGrad` and `Sum` (a pass over the activations and one
 * over the backprops instead of five), applying the ReLU to the
 * pre-activation again as it reads it, then the same convolution gradients.
 *
 * So the weights after every step, and the predictions, are the unfused
 * path's bit for bit (`lib/models/conv_relu_layers_test.ts`).
 * `lib/models/conv_relu_layers.ts` makes a model's ReLU convolution layers
 * use them.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { oneDnnConvWithBias } from "./fused_conv2d.ts";
import { pair, runNativeOp, runNativeOpOutputs } from "./native_op.ts";

/** Kernel name of the fused convolution, bias and ReLU (registered for `tensorflow` only). */
export const CONV_BIAS_RELU_KERNEL = "FashionConv2DBiasRelu";

/** Kernel name of the fused convolution, bias, ReLU and 2x2 max pooling (registered for `tensorflow` only). */
export const CONV_BIAS_RELU_POOL_KERNEL = "FashionConv2DBiasReluMaxPool";

/** The attributes of {@linkcode CONV_BIAS_RELU_KERNEL}: those of TensorFlow.js' `Conv2D`. */
export interface ConvBiasReluAttrs {
  strides: [number, number];
  pad: "valid" | "same";
}

/** `FashionConv2DBiasRelu` for `tensorflow`: oneDNN's convolution with bias, then `Relu`. */
export const convBiasReluKernelConfig: tf.KernelConfig = {
  kernelName: CONV_BIAS_RELU_KERNEL,
  backendName: "tensorflow",
  kernelFunc: ({ inputs, attrs }) => {
    const { x, filter, bias } = inputs as Record<string, tf.Tensor>;
    const { strides, pad } = attrs as unknown as ConvBiasReluAttrs;
    return oneDnnConvWithBias(x, filter, bias, {
      strides,
      pad,
      activation: "relu",
    });
  },
};

/** Runs one of the workspace's two-output backward ops: the backprops and the bias gradient. */
function backpropsAndBiasGradient(
  op: "FashionReluGradBiasSum" | "FashionMaxPoolReluGradBiasSum",
  inputs: tf.Tensor[],
): [tf.Tensor, tf.Tensor1D] {
  const [backprops, biasGradient] = runNativeOpOutputs(op, {}, inputs, 2);
  return [backprops, biasGradient as tf.Tensor1D];
}

/**
 * `ReluGrad(dy, y)` and its sum over every axis but the channels, in one
 * pass (the workspace's `FashionReluGradBiasSum` op): the gradient before
 * the ReLU and the bias gradient.
 */
export function reluGradBiasSum(
  dy: tf.Tensor,
  y: tf.Tensor,
): [tf.Tensor, tf.Tensor1D] {
  return backpropsAndBiasGradient("FashionReluGradBiasSum", [dy, y]);
}

/**
 * `MaxPoolGrad` of a 2x2, stride-2, `valid` pooling of `y = relu(z)` for
 * the pooled gradient `dp`, then `ReluGrad(·, y)` and its sum over every
 * axis but the channels (the workspace's `FashionMaxPoolReluGradBiasSum`
 * op): the gradient before the ReLU and the bias gradient. `z` may be the
 * ReLU's input or its output.
 */
export function maxPoolReluGradBiasSum(
  dp: tf.Tensor,
  z: tf.Tensor,
): [tf.Tensor, tf.Tensor1D] {
  return backpropsAndBiasGradient("FashionMaxPoolReluGradBiasSum", [dp, z]);
}

/**
 * The gradients of a convolution's inputs for `dz`, the gradient of its
 * output before the bias and ReLU, with the kernels and attributes
 * TensorFlow.js' `Conv2D` gradient uses; the bias's is `biasGradient`.
 * Both tensors are disposed with the rest of the backward pass's
 * intermediates.
 */
function convolutionGradients(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dz: tf.Tensor,
  biasGradient: tf.Tensor,
  attrs: ConvBiasReluAttrs,
): Record<"x" | "filter" | "bias", () => tf.Tensor> {
  const convAttrs = {
    strides: attrs.strides,
    pad: attrs.pad,
    dataFormat: "NHWC",
  };
  return {
    x: () =>
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dz, filter }, {
        ...convAttrs,
        inputShape: x.shape,
      }) as tf.Tensor,
    filter: () =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: dz }, {
        ...convAttrs,
        filterShape: filter.shape,
      }) as tf.Tensor,
    bias: () => tf.clone(biasGradient),
  };
}

/** The gradient of {@linkcode CONV_BIAS_RELU_KERNEL} (see the module notes). */
export const convBiasReluGradConfig: tf.GradConfig = {
  kernelName: CONV_BIAS_RELU_KERNEL,
  inputsToSave: ["x", "filter"],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as tf.Tensor4D[];
    const [dz, biasGradient] = reluGradBiasSum(dy as tf.Tensor, y);
    return convolutionGradients(
      x,
      filter,
      dz,
      biasGradient,
      attrs as unknown as ConvBiasReluAttrs,
    );
  },
};

/**
 * `maxPool(relu(z), 2, 2, "valid")` in one pass (the workspace's
 * `FashionReluMaxPool` op), NHWC float32.
 */
export function reluMaxPool(z: tf.Tensor): tf.Tensor4D {
  return runNativeOp("FashionReluMaxPool", {}, [z]) as tf.Tensor4D;
}

/** `FashionConv2DBiasReluMaxPool` for `tensorflow`: the pooled output and the pre-activation. */
export const convBiasReluPoolKernelConfig: tf.KernelConfig = {
  kernelName: CONV_BIAS_RELU_POOL_KERNEL,
  backendName: "tensorflow",
  kernelFunc: ({ inputs, attrs }) => {
    const { x, filter, bias } = inputs as Record<string, tf.Tensor>;
    const { strides, pad } = attrs as unknown as ConvBiasReluAttrs;
    const preactivations = oneDnnConvWithBias(x, filter, bias, {
      strides,
      pad,
      activation: "linear",
    });
    return [reluMaxPool(preactivations), preactivations];
  },
};

/** The gradient of {@linkcode CONV_BIAS_RELU_POOL_KERNEL} (see the module notes). */
export const convBiasReluPoolGradConfig: tf.GradConfig = {
  kernelName: CONV_BIAS_RELU_POOL_KERNEL,
  inputsToSave: ["x", "filter"],
  outputsToSave: [false, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, filter, z] = saved as tf.Tensor4D[];
    // Only the pooled output is used downstream.
    const dp = (dys as tf.Tensor[])[0];
    const [dz, biasGradient] = maxPoolReluGradBiasSum(dp, z);
    return convolutionGradients(
      x,
      filter,
      dz,
      biasGradient,
      attrs as unknown as ConvBiasReluAttrs,
    );
  },
};

/** The options of {@linkcode convBiasRelu} and {@linkcode convBiasReluMaxPool}. */
export interface ConvBlockOptions {
  strides: number | [number, number];
  pad: "valid" | "same";
}

/** Runs one of the two fused kernels on `x`, `filter`, `bias`; its outputs. */
function runConvBlock(
  kernel: typeof CONV_BIAS_RELU_KERNEL | typeof CONV_BIAS_RELU_POOL_KERNEL,
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  options: ConvBlockOptions,
): tf.Tensor4D | tf.Tensor4D[] {
  const attrs: ConvBiasReluAttrs = {
    strides: pair(options.strides),
    pad: options.pad,
  };
  return tf.engine().runKernel(
    kernel,
    { x, filter, bias },
    attrs as unknown as tf.NamedAttrMap,
  ) as tf.Tensor4D | tf.Tensor4D[];
}

/**
 * `relu(conv2d(x, filter) + bias)` through {@linkcode CONV_BIAS_RELU_KERNEL}
 * (NHWC, float32, no dilation); the backend must be `tensorflow` with the
 * kernel registered.
 */
export function convBiasRelu(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  options: ConvBlockOptions,
): tf.Tensor4D {
  return runConvBlock(
    CONV_BIAS_RELU_KERNEL,
    x,
    filter,
    bias,
    options,
  ) as tf.Tensor4D;
}

/**
 * `maxPool(relu(conv2d(x, filter) + bias), 2, 2, "valid")` through
 * {@linkcode CONV_BIAS_RELU_POOL_KERNEL}, while training or predicting;
 * like {@linkcode convBiasRelu} otherwise. (The kernel's second output, the
 * pre-activation, is disposed here: a backward pass keeps its own copy.)
 */
export function convBiasReluMaxPool(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  options: ConvBlockOptions,
): tf.Tensor4D {
  const [pooled, preactivations] = runConvBlock(
    CONV_BIAS_RELU_POOL_KERNEL,
    x,
    filter,
    bias,
    options,
  ) as tf.Tensor4D[];
  preactivations.dispose();
  return pooled;
}
