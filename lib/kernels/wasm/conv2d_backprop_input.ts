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
import { type ConvGeometry, geometryOf } from "./conv2d_backprop_filter.ts";
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
  const effectiveHeight = (g.filterHeight - 1) * g.dilationHeight + 1;
  const effectiveWidth = (g.filterWidth - 1) * g.dilationWidth + 1;
  // The "full" domain: every input pixel sees a whole window.
  const fullHeight = g.inHeight + effectiveHeight - 1;
  const fullWidth = g.inWidth + effectiveWidth - 1;
  const top = effectiveHeight - 1 - g.padTop;
  const left = effectiveWidth - 1 - g.padLeft;
  const bottom = fullHeight - top - g.outHeight;
  const right = fullWidth - left - g.outWidth;

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
  const convAttrs = {
    strides: [1, 1],
    dilations: [g.dilationHeight, g.dilationWidth],
    dataFormat: "NHWC",
    dimRoundingMode: null,
  } as unknown as tf.NamedAttrMap;

  const unitStride = g.strideHeight === 1 && g.strideWidth === 1;
  if (unitStride && top >= 0 && left >= 0 && bottom >= 0 && right >= 0) {
    const dx = runWasmKernel("Conv2D", backend, { x: dy, filter: rotated }, {
      ...convAttrs,
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    } as unknown as tf.NamedAttrMap);
    freeTemp(backend, rotated);
    return dx;
  }

  // General case: build the dilated, padded dy, then a 'valid' convolution.
  const padded = allocF32(backend, [
    g.batch,
    fullHeight,
    fullWidth,
    g.outChannels,
  ]);
  const target = heapF32(backend, padded);
  target.fill(0);
  const source = heapF32(backend, dy);
  const c = g.outChannels;
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
  const dx = runWasmKernel("Conv2D", backend, {
    x: padded,
    filter: rotated,
  }, { ...convAttrs, pad: "valid" } as unknown as tf.NamedAttrMap);
  freeTemp(backend, padded);
  freeTemp(backend, rotated);
  return dx;
}

function conv2DBackpropInput(args: WasmKernelArgs): tf.TensorInfo {
  const { backend, inputs, attrs = {} } = args;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
    attrs as unknown as tf.Conv2DBackpropInputAttrs;
  assertChannelsLast("Conv2DBackpropInput", dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    "channelsLast",
  );
  return inputGradient(backend, dy, filter, geometryOf(info));
}

/** Kernel config: `Conv2DBackpropInput` for the `wasm` backend (XNNPACK). */
export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
