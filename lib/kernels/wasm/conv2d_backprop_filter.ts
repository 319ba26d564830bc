/**
 * `Conv2DBackpropFilter` for the wasm backend: the gradient of a 2-D
 * convolution with respect to its filter, which the wasm backend of
 * TensorFlow.js 4.22 lacks.
 *
 * The filter gradient is one matrix product per chunk of output rows:
 *
 *     dW[k, co] = sum over output pixels m of col[k, m] * dy[m, co]
 *
 * where `col` is the transposed im2col matrix of the input (one row per
 * filter tap and input channel `k = (i * kw + j) * inChannels + ci`, one
 * column per output pixel `m`). `col` is built with a JS loop straight on
 * the wasm heap, the product runs in the backend's XNNPACK `BatchMatMul`,
 * and the chunks' partial sums are added up in JS in float64. Chunking
 * keeps the temporary `col` buffer under {@linkcode TEMP_BUFFER_FLOATS}
 * values.
 *
 * Supports any batch size and channel count, strides, 'same' / 'valid' /
 * explicit padding, NHWC only. {@linkcode filterGradient} also takes
 * dilations (the kernel's attributes carry none: TensorFlow.js refuses conv
 * gradients with dilations above 1).
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
  TEMP_BUFFER_FLOATS,
  type WasmKernelArgs,
} from "./heap.ts";

/**
 * Writes the transposed im2col matrix of output rows `[row0, row1)` (an
 * output row is one `(image, oy)` pair) into `col`, laid out
 * `[filterHeight * filterWidth * inChannels, (row1 - row0) * outWidth]`.
 */
export function im2colTransposed(
  x: Float32Array,
  g: ConvGeometry,
  row0: number,
  row1: number,
  col: Float32Array,
): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth } = g;
  const columns = (row1 - row0) * outWidth;
  for (let row = row0; row < row1; row++) {
    const b = Math.floor(row / outHeight);
    const oy = row - b * outHeight;
    const colOffset = (row - row0) * outWidth;
    for (let i = 0; i < g.filterHeight; i++) {
      const iy = oy * g.strideHeight + i * g.dilationHeight - g.padTop;
      const rowInside = iy >= 0 && iy < inHeight;
      const xRow = (b * inHeight + iy) * inWidth * inChannels;
      for (let j = 0; j < g.filterWidth; j++) {
        const tap = (i * g.filterWidth + j) * inChannels;
        const x0 = j * g.dilationWidth - g.padLeft;
        // Output columns whose input column lies inside the image.
        let oxFirst = 0;
        while (oxFirst < outWidth && x0 + oxFirst * g.strideWidth < 0) {
          oxFirst++;
        }
        let oxEnd = outWidth;
        while (oxEnd > oxFirst && x0 + (oxEnd - 1) * g.strideWidth >= inWidth) {
          oxEnd--;
        }
        const step = g.strideWidth * inChannels;
        for (let ci = 0; ci < inChannels; ci++) {
          const out = (tap + ci) * columns + colOffset;
          if (!rowInside) {
            col.fill(0, out, out + outWidth);
            continue;
          }
          for (let ox = 0; ox < oxFirst; ox++) col[out + ox] = 0;
          let src = xRow + (x0 + oxFirst * g.strideWidth) * inChannels + ci;
          for (let ox = oxFirst; ox < oxEnd; ox++, src += step) {
            col[out + ox] = x[src];
          }
          for (let ox = oxEnd; ox < outWidth; ox++) col[out + ox] = 0;
        }
      }
    }
  }
}

/**
 * Computes the filter gradient on the wasm heap and returns it as a new
 * tensor of shape `[filterHeight, filterWidth, inChannels, outChannels]`.
 * `x` is the NHWC input, `dy` the NHWC output gradient; `maxTempFloats`
 * bounds the temporary im2col buffer (tests lower it to force chunking).
 */
export function filterGradient(
  backend: WasmKernelArgs["backend"],
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
  maxTempFloats: number = TEMP_BUFFER_FLOATS,
): tf.TensorInfo {
  const taps = g.filterHeight * g.filterWidth * g.inChannels;
  const totalRows = g.batch * g.outHeight;
  const rowsPerChunk = Math.max(
    1,
    Math.min(totalRows, Math.floor(maxTempFloats / (taps * g.outWidth))),
  );
  const sum = new Float64Array(taps * g.outChannels);
  const rowFloats = g.outWidth * g.outChannels;
  for (let row0 = 0; row0 < totalRows; row0 += rowsPerChunk) {
    const row1 = Math.min(totalRows, row0 + rowsPerChunk);
    const columns = (row1 - row0) * g.outWidth;
    const col = allocF32(backend, [1, taps, columns]);
    const dyChunk = allocF32(backend, [1, columns, g.outChannels]);
    const dyAll = heapF32(backend, dy);
    heapF32(backend, dyChunk).set(
      dyAll.subarray(row0 * rowFloats, row1 * rowFloats),
    );
    im2colTransposed(heapF32(backend, x), g, row0, row1, heapF32(backend, col));
    const product = runWasmKernel(
      "BatchMatMul",
      backend,
      { a: col, b: dyChunk },
      { transposeA: false, transposeB: false },
    );
    freeTemp(backend, col);
    freeTemp(backend, dyChunk);
    const values = heapF32(backend, product);
    for (let n = 0; n < sum.length; n++) sum[n] += values[n];
    freeTemp(backend, product);
  }
  const out = allocF32(backend, [
    g.filterHeight,
    g.filterWidth,
    g.inChannels,
    g.outChannels,
  ]);
  heapF32(backend, out).set(sum);
  return out;
}

function conv2DBackpropFilter(args: WasmKernelArgs): tf.TensorInfo {
  const { backend, inputs, attrs = {} } = args;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const kernelAttrs = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  assertChannelsLast("Conv2DBackpropFilter", kernelAttrs.dataFormat);
  const g = nhwcConvGeometry(x.shape, kernelAttrs.filterShape, kernelAttrs);
  return filterGradient(backend, x, dy, g);
}

/** Kernel config: `Conv2DBackpropFilter` for the `wasm` backend. */
export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
