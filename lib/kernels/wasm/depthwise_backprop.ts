/**
 * Depthwise-convolution gradients for the wasm backend, which TensorFlow.js
 * 4.22 lacks: `DepthwiseConv2dNativeBackpropFilter` and
 * `DepthwiseConv2dNativeBackpropInput` (needed to fine-tune MobileNetV2).
 *
 * A depthwise convolution has filter `[kh, kw, inChannels, multiplier]`;
 * output channel `oc = ci * multiplier + q` sees only input channel `ci`.
 * The filter gradient is one pass over the output pixels in JS, all
 * channels of a pixel at a time, straight on the wasm heap. The input
 * gradient with multiplier 1 (MobileNet's case) is a forward depthwise
 * convolution of the dilated, padded `dy` with the 180-degree-rotated filter,
 * run by the backend's XNNPACK kernel (about 4x faster than the JS pass);
 * other multipliers use a JS pass too.
 *
 * Supports strides, 'same' / 'valid' / explicit padding, dilations, any
 * multiplier, batch and channel count; NHWC only.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type ConvGeometry, nhwcConvGeometry } from "../conv_geometry.ts";
import { transposedConvInput } from "./conv2d_backprop_input.ts";
import {
  allocF32,
  assertChannelsLast,
  freeTemp,
  heapF32,
  runWasmKernel,
  type WasmBackend,
  type WasmKernelArgs,
} from "./heap.ts";

/** Calls `visit(xPixel, dyPixel, tap)` for every (output pixel, filter tap) pair inside the image. */
function forEachTap(
  g: ConvGeometry,
  visit: (xPixel: number, dyPixel: number, tap: number) => void,
): void {
  let dyPixel = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++, dyPixel++) {
        for (let i = 0; i < g.filterHeight; i++) {
          const iy = oy * g.strideHeight + i * g.dilationHeight - g.padTop;
          if (iy < 0 || iy >= g.inHeight) continue;
          for (let j = 0; j < g.filterWidth; j++) {
            const ix = ox * g.strideWidth + j * g.dilationWidth - g.padLeft;
            if (ix < 0 || ix >= g.inWidth) continue;
            visit(
              (b * g.inHeight + iy) * g.inWidth + ix,
              dyPixel,
              i * g.filterWidth + j,
            );
          }
        }
      }
    }
  }
}

/**
 * Filter gradient of a depthwise convolution: returns `dW` laid out
 * `[kh, kw, inChannels, multiplier]` (as a flat array).
 */
export function depthwiseFilterGradient(
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
): Float64Array {
  const cin = g.inChannels;
  const cout = g.outChannels;
  const multiplier = cout / cin;
  const sum = new Float64Array(g.filterHeight * g.filterWidth * cout);
  forEachTap(g, (xPixel, dyPixel, tap) => {
    const xs = xPixel * cin;
    const ds = dyPixel * cout;
    const ws = tap * cout;
    if (multiplier === 1) {
      for (let c = 0; c < cout; c++) sum[ws + c] += x[xs + c] * dy[ds + c];
    } else {
      for (let oc = 0; oc < cout; oc++) {
        sum[ws + oc] += x[xs + Math.floor(oc / multiplier)] * dy[ds + oc];
      }
    }
  });
  return sum;
}

/**
 * Input gradient of a depthwise convolution: adds into `dx` (NHWC, zero on
 * entry) the gradient from `dy` through filter `w`.
 */
export function depthwiseInputGradient(
  dy: Float32Array,
  w: Float32Array,
  g: ConvGeometry,
  dx: Float32Array,
): void {
  const cin = g.inChannels;
  const cout = g.outChannels;
  const multiplier = cout / cin;
  forEachTap(g, (xPixel, dyPixel, tap) => {
    const xs = xPixel * cin;
    const ds = dyPixel * cout;
    const ws = tap * cout;
    if (multiplier === 1) {
      for (let c = 0; c < cout; c++) dx[xs + c] += w[ws + c] * dy[ds + c];
    } else {
      for (let oc = 0; oc < cout; oc++) {
        dx[xs + Math.floor(oc / multiplier)] += w[ws + oc] * dy[ds + oc];
      }
    }
  });
}

function depthwiseInfo(
  kernel: string,
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap,
): ConvGeometry {
  const kernelAttrs =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  assertChannelsLast(kernel, (attrs as { dataFormat?: unknown }).dataFormat);
  return nhwcConvGeometry(
    xShape,
    filterShape,
    kernelAttrs,
    kernelAttrs.dilations ?? [1, 1],
    true,
  );
}

function depthwiseBackpropFilter(args: WasmKernelArgs): tf.TensorInfo {
  const { backend, inputs, attrs = {} } = args;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const g = depthwiseInfo(
    "DepthwiseConv2dNativeBackpropFilter",
    x.shape,
    filterShape,
    attrs,
  );
  const sum = depthwiseFilterGradient(
    heapF32(backend, x),
    heapF32(backend, dy),
    g,
  );
  const out = allocF32(backend, filterShape);
  heapF32(backend, out).set(sum);
  return out;
}

/**
 * Input gradient of a depthwise convolution with multiplier 1 through the
 * backend's XNNPACK depthwise kernel; returns a new NHWC tensor.
 */
export function depthwiseInputGradientXnnpack(
  backend: WasmBackend,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const c = g.inChannels;
  const source = transposedConvInput(backend, dy, g, c);
  const rotated = allocF32(backend, [g.filterHeight, g.filterWidth, c, 1]);
  const w = heapF32(backend, filter);
  const r = heapF32(backend, rotated);
  const taps = g.filterHeight * g.filterWidth;
  for (let t = 0; t < taps; t++) {
    r.set(w.subarray((taps - 1 - t) * c, (taps - t) * c), t * c);
  }
  const dx = runWasmKernel("DepthwiseConv2dNative", backend, {
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

function depthwiseBackpropInput(args: WasmKernelArgs): tf.TensorInfo {
  const { backend, inputs, attrs = {} } = args;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { inputShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const g = depthwiseInfo(
    "DepthwiseConv2dNativeBackpropInput",
    inputShape,
    filter.shape,
    attrs,
  );
  if (g.outChannels === g.inChannels) {
    return depthwiseInputGradientXnnpack(backend, dy, filter, g);
  }
  const dx = allocF32(backend, inputShape);
  const dxValues = heapF32(backend, dx);
  dxValues.fill(0);
  depthwiseInputGradient(
    heapF32(backend, dy),
    heapF32(backend, filter),
    g,
    dxValues,
  );
  return dx;
}

/** Kernel config: `DepthwiseConv2dNativeBackpropFilter` for `wasm`. */
export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: "wasm",
  kernelFunc: depthwiseBackpropFilter as unknown as tf.KernelFunc,
};

/** Kernel config: `DepthwiseConv2dNativeBackpropInput` for `wasm`. */
export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: "wasm",
  kernelFunc: depthwiseBackpropInput as unknown as tf.KernelFunc,
};
