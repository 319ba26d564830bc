/**
 * A forward `Conv2D` for the WebGPU backend as one tiled matrix product
 * (rows: output pixels, columns: output channels, reduction: filter taps x
 * input channels) that reads the input and the filter in place (see
 * {@link ./conv_gemm.ts}).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { forwardProgram } from "./conv_gemm.ts";
import { webgpuConvKernel } from "./conv_kernel.ts";

/** The forward convolution kernel function (NHWC). */
export const conv2DWebgpu = webgpuConvKernel<
  Record<"x" | "filter", tf.TensorInfo>,
  tf.Conv2DAttrs
>(
  "Conv2D",
  ({ x, filter }, { dilations }) => ({
    xShape: x.shape,
    filterShape: filter.shape,
    dilations,
  }),
  (g, { inputs: { x, filter }, backend }) =>
    backend.runWebGPUProgram(forwardProgram(g), [x, filter], "float32"),
);
