/**
 * A fast `Conv2DBackpropInput` for the WebGPU backend: the input gradient
 *
 *   dx[(b, ih, iw), ci] = Σ over (kh, kw, co) of dy[b, oh, ow, co] · W[kh, kw, ci, co],
 *   where oh·sh = ih + pt − kh·dh and ow·sw = iw + pl − kw·dw,
 *
 * as one tiled matrix product reading `dy` and the filter in place (see
 * {@link ./conv_gemm.ts}). tfjs-backend-webgpu 4.22 uses a direct loop per
 * output element by default.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  geometryOf,
  inputGradientProgram,
  type WebgpuBackendLike,
} from "./conv_gemm.ts";

/** Attributes of `Conv2DBackpropInput`. */
export interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape: [number, number, number, number];
}

/** The input-gradient kernel function (NHWC). */
export function conv2DBackpropInputWebgpu(args: {
  inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo };
  backend: WebgpuBackendLike;
  attrs: Conv2DBackpropInputAttrs;
}): tf.TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  if (attrs.dataFormat === "NCHW") {
    throw new Error(
      "Conv2DBackpropInput on webgpu supports NHWC only; use channelsLast layers",
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  return backend.runWebGPUProgram(
    inputGradientProgram(geometryOf(info)),
    [dy, filter],
    "float32",
  );
}
