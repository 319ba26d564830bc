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
import type * as tf from "@tensorflow/tfjs";
import { inputGradientProgram } from "./conv_gemm.ts";
import { webgpuConvKernel } from "./conv_kernel.ts";

/** The input-gradient kernel function (NHWC). */
export const conv2DBackpropInputWebgpu = webgpuConvKernel<
  Record<"dy" | "filter", tf.TensorInfo>,
  tf.Conv2DBackpropInputAttrs
>(
  "Conv2DBackpropInput",
  ({ filter }, { inputShape }) => ({
    xShape: inputShape,
    filterShape: filter.shape,
  }),
  (g, { inputs: { dy, filter }, backend }) =>
    backend.runWebGPUProgram(inputGradientProgram(g), [dy, filter], "float32"),
);
