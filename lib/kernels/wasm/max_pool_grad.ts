/**
 * `MaxPoolGrad` for the wasm backend, replacing the backend's own kernel
 * (a C++ loop that, for every input pixel, rescans every window covering
 * it: about 0.9 s per batch of study 000's CNN).
 *
 * One pass over the output pixels: for each window find, per channel, the
 * position of the maximum (the first one in row-major window order, the
 * rule of the `cpu` backend) and add the output gradient there. All
 * channels of a pixel are scanned together so memory is read in order.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type PoolGeometry, poolGeometryOf } from "../conv_geometry.ts";
import { allocF32, heapF32, type WasmKernelArgs } from "./heap.ts";

/**
 * Adds `dy` at each window's argmax of `x` into `dx` (which must be zero on
 * entry). `x`, `dx` are NHWC inputs, `dy` is NHWC output-shaped.
 */
export function maxPoolBackward(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  g: PoolGeometry,
): void {
  const c = g.channels;
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  let dyIndex = 0;
  for (let b = 0; b < g.batch; b++) {
    const image = b * g.inHeight * g.inWidth * c;
    for (let oy = 0; oy < g.outHeight; oy++) {
      const yCorner = oy * g.strideHeight - g.padTop;
      let yMin = yCorner;
      while (yMin < 0) yMin += g.dilationHeight;
      const yEnd = Math.min(g.inHeight, yCorner + g.windowHeight);
      for (let ox = 0; ox < g.outWidth; ox++, dyIndex += c) {
        const xCorner = ox * g.strideWidth - g.padLeft;
        let xMin = xCorner;
        while (xMin < 0) xMin += g.dilationWidth;
        const xEnd = Math.min(g.inWidth, xCorner + g.windowWidth);
        best.fill(-Infinity);
        where.fill(-1);
        for (let iy = yMin; iy < yEnd; iy += g.dilationHeight) {
          for (let ix = xMin; ix < xEnd; ix += g.dilationWidth) {
            const pixel = image + (iy * g.inWidth + ix) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[pixel + ch];
              if (v > best[ch]) {
                best[ch] = v;
                where[ch] = pixel + ch;
              }
            }
          }
        }
        for (let ch = 0; ch < c; ch++) {
          const at = where[ch];
          if (at >= 0) dx[at] += dy[dyIndex + ch];
        }
      }
    }
  }
}

function maxPoolGrad(args: WasmKernelArgs): tf.TensorInfo {
  const { backend, inputs, attrs = {} } = args;
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } =
    attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const dx = allocF32(backend, input.shape);
  const dxValues = heapF32(backend, dx);
  dxValues.fill(0);
  maxPoolBackward(
    heapF32(backend, input),
    heapF32(backend, dy),
    dxValues,
    poolGeometryOf(info),
  );
  return dx;
}

/** Kernel config: `MaxPoolGrad` for the `wasm` backend. */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: "wasm",
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
