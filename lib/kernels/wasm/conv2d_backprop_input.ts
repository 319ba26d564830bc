/**
 * `Conv2DBackpropInput` for the wasm backend, replacing the backend's own
 * kernel (a plain C++ loop, about 10x slower than its forward convolution).
 *
 * The input gradient of a convolution is itself a convolution, run here by
 * the backend's XNNPACK `Conv2D`:
 *
 *     dx = conv2d(pad(dilate(dy, stride)), rotate180(W) with in/out swapped)
 *
 * `dilate` spreads the rows and columns of `dy` `stride` apart (zeros in
 * between), and `pad` adds `effectiveFilterSize - 1 - padBefore` zeros in
 * front and enough behind for the result to have the input's size. With
 * stride 1 the padding is passed to XNNPACK as explicit padding and `dy` is
 * not copied; with larger strides the dilated, padded `dy` is built in JS.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type ConvGeometry, nhwcConvGeometry } from "../conv_geometry.ts";
import {
  allocF32,
  assertChannelsLast,
  freeTemp,
  heapF32,
  runWasmKernel,
  type WasmBackend,
  type WasmKernelArgs,
} from "./heap.ts";

/**
 * Writes `W[kh-1-i, kw-1-j, ci, co]` to `out[i, j, co, ci]`: the filter
 * rotated by 180 degrees with its input and output channels swapped.
 */
export function rotateFilter(
  w: Float32Array,
  kh: number,
  kw: number,
  inChannels: number,
  outChannels: number,
  out: Float32Array,
): void {
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const src = ((kh - 1 - i) * kw + (kw - 1 - j)) * inChannels * outChannels;
      const dst = (i * kw + j) * outChannels * inChannels;
      for (let ci = 0; ci < inChannels; ci++) {
        for (let co = 0; co < outChannels; co++) {
          out[dst + co * inChannels + ci] = w[src + ci * outChannels + co];
        }
      }
    }
  }
}

/**
 * What the forward convolution that computes an input gradient runs on:
 * `dy` itself with explicit padding (stride 1), or a dilated, zero-padded
 * copy of `dy` (`temp`, to be freed by the caller) with 'valid' padding.
 */
export interface TransposedConvInput {
  /** The tensor to convolve. */
  x: tf.TensorInfo;
  /** Its padding: explicit NHWC pairs or 'valid'. */
  pad: number[][] | "valid";
  /** A temporary tensor owned by the caller, or null. */
  temp: tf.TensorInfo | null;
}

/**
 * Prepares `dy` (NHWC, `channels` channels) so that a stride-1 'valid'
 * convolution of it with the rotated filter (dilated like the forward one)
 * gives the input gradient of a convolution with geometry `g`.
 *
 * The result lives in the "full" domain, `inHeight + effectiveHeight - 1`
 * rows: row `oy` of `dy` lands at `effectiveHeight - 1 - padTop + oy *
 * strideHeight`, with zeros between and around.
 */
export function transposedConvInput(
  backend: WasmBackend,
  dy: tf.TensorInfo,
  g: ConvGeometry,
  channels: number,
): TransposedConvInput {
  const effectiveHeight = (g.filterHeight - 1) * g.dilationHeight + 1;
  const effectiveWidth = (g.filterWidth - 1) * g.dilationWidth + 1;
  const fullHeight = g.inHeight + effectiveHeight - 1;
  const fullWidth = g.inWidth + effectiveWidth - 1;
  const top = effectiveHeight - 1 - g.padTop;
  const left = effectiveWidth - 1 - g.padLeft;
  const bottom = fullHeight - top - g.outHeight;
  const right = fullWidth - left - g.outWidth;

  const unitStride = g.strideHeight === 1 && g.strideWidth === 1;
  if (unitStride && top >= 0 && left >= 0 && bottom >= 0 && right >= 0) {
    const pad = [[0, 0], [top, bottom], [left, right], [0, 0]];
    return { x: dy, pad, temp: null };
  }
  const padded = allocF32(backend, [g.batch, fullHeight, fullWidth, channels]);
  const target = heapF32(backend, padded);
  target.fill(0);
  const source = heapF32(backend, dy);
  const c = channels;
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      const py = top + oy * g.strideHeight;
      // Rows outside the full domain only ever multiply padding.
      if (py < 0 || py >= fullHeight) continue;
      const srcRow = (b * g.outHeight + oy) * g.outWidth * c;
      const dstRow = (b * fullHeight + py) * fullWidth * c;
      for (let ox = 0; ox < g.outWidth; ox++) {
        const px = left + ox * g.strideWidth;
        if (px < 0 || px >= fullWidth) continue;
        target.set(
          source.subarray(srcRow + ox * c, srcRow + ox * c + c),
          dstRow + px * c,
        );
      }
    }
  }
  return { x: padded, pad: "valid", temp: padded };
}

/**
 * Computes the input gradient of a convolution with geometry `g` on the
 * wasm heap: `dy` is NHWC `[batch, outHeight, outWidth, outChannels]`,
 * `filter` is `[kh, kw, inChannels, outChannels]`; returns a new NHWC
 * tensor of the input's shape.
 */
export function inputGradient(
  backend: WasmBackend,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const source = transposedConvInput(backend, dy, g, g.outChannels);
  const rotated = allocF32(backend, [
    g.filterHeight,
    g.filterWidth,
    g.outChannels,
    g.inChannels,
  ]);
  rotateFilter(
    heapF32(backend, filter),
    g.filterHeight,
    g.filterWidth,
    g.inChannels,
    g.outChannels,
    heapF32(backend, rotated),
  );
  const dx = runWasmKernel("Conv2D", backend, {
    x: source.x,
    filter: rotated,
  }, {
    strides: [1, 1],
    dilations: [g.dilationHeight, g.dilationWidth],
    pad: source.pad,
    dataFormat: "NHWC",
    dimRoundingMode: null,
  } as unknown as tf.NamedAttrMap);
  freeTemp(backend, rotated);
  if (source.temp) freeTemp(backend, source.temp);
  return dx;
}

function conv2DBackpropInput(args: WasmKernelArgs): tf.TensorInfo {
  const { backend, inputs, attrs = {} } = args;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const kernelAttrs = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  assertChannelsLast("Conv2DBackpropInput", kernelAttrs.dataFormat);
  const g = nhwcConvGeometry(kernelAttrs.inputShape, filter.shape, kernelAttrs);
  return inputGradient(backend, dy, filter, g);
}

/** Kernel config: `Conv2DBackpropInput` for the `wasm` backend (XNNPACK). */
export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
