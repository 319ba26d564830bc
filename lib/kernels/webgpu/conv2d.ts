/**
 * A forward `Conv2D` for the WebGPU backend as one tiled matrix product
 * (rows: output pixels, columns: output channels, reduction: filter taps x
 * input channels) that reads the input and the filter in place (see
 * {@link ./conv_gemm.ts}).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  forwardProgram,
  geometryOf,
  type WebgpuBackendLike,
} from "./conv_gemm.ts";

/** Attributes of `Conv2D`. */
export interface Conv2DAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dilations: [number, number] | number;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** The forward convolution kernel function (NHWC). */
export function conv2DWebgpu(args: {
  inputs: { x: tf.TensorInfo; filter: tf.TensorInfo };
  backend: WebgpuBackendLike;
  attrs: Conv2DAttrs;
}): tf.TensorInfo {
  const { inputs: { x, filter }, backend, attrs } = args;
  if (attrs.dataFormat === "NCHW") {
    throw new Error(
      "Conv2D on webgpu (workspace kernel) supports NHWC only; use channelsLast layers",
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  return backend.runWebGPUProgram(
    forwardProgram(geometryOf(info)),
    [x, filter],
    "float32",
  );
}
