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
import type * as tf from "@tensorflow/tfjs";
import { filterGradientProgram, splitSumProgram } from "./conv_gemm.ts";
import { webgpuConvKernel } from "./conv_kernel.ts";

/** The filter-gradient kernel function (NHWC). */
export const conv2DBackpropFilterWebgpu = webgpuConvKernel<
  Record<"x" | "dy", tf.TensorInfo>,
  tf.Conv2DBackpropFilterAttrs
>(
  "Conv2DBackpropFilter",
  ({ x }, { filterShape }) => ({ xShape: x.shape, filterShape }),
  (g, { inputs: { x, dy }, backend, attrs: { filterShape } }) => {
    const partials = filterGradientProgram(g);
    const partial = backend.runWebGPUProgram(partials, [x, dy], "float32");
    const splits = partials.outputShape[0];
    const result = backend.runWebGPUProgram(
      splitSumProgram(splits, [...filterShape]),
      [partial],
      "float32",
    );
    backend.disposeData(partial.dataId);
    return result;
  },
);
