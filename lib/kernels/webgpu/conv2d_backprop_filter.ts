/**
 * A fast `Conv2DBackpropFilter` for the WebGPU backend.
 *
 * tfjs-backend-webgpu 4.22 computes the filter gradient with one GPU thread
 * per filter weight, each looping over batch x output height x output width
 * (332,288 steps for the primary CNN's first layer at batch 32). Here the
 * whole gradient is one matrix product,
 *
 *   dW[(kh, kw, ci), co] = Σ over (b, oh, ow) of x[b, oh·sh + kh·dh − pt, ow·sw + kw·dw − pl, ci] · dy[b, oh, ow, co]
 *
 * computed by one tiled, split-K dispatch that reads `x` and `dy` in place
 * (see {@link ./conv_gemm.ts}), plus one small dispatch summing the split
 * partials.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  filterGradientProgram,
  geometryOf,
  splitSumProgram,
  type WebgpuBackendLike,
} from "./conv_gemm.ts";

/** Attributes of `Conv2DBackpropFilter`. */
export interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

/** The filter-gradient kernel function (NHWC). */
export function conv2DBackpropFilterWebgpu(args: {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: WebgpuBackendLike;
  attrs: Conv2DBackpropFilterAttrs;
}): tf.TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  if (attrs.dataFormat === "NCHW") {
    throw new Error(
      "Conv2DBackpropFilter on webgpu supports NHWC only; use channelsLast layers",
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const partials = filterGradientProgram(geometryOf(info));
  const partial = backend.runWebGPUProgram(partials, [x, dy], "float32");
  const splits = partials.outputShape[0];
  const result = backend.runWebGPUProgram(
    splitSumProgram(splits, [...attrs.filterShape]),
    [partial],
    "float32",
  );
  backend.disposeData(partial.dataId);
  return result;
}
