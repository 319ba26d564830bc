/**
 * Faster `Sum` and `Mean` for the wasm backend when the reduced axes are the
 * leading ones: the bias gradient of a conv layer (`dy` of shape
 * `[batch, height, width, channels]` summed over axes `[0, 1, 2]`) and the
 * batch statistics and gradients of BatchNormalization.
 *
 * The backend's own kernels reduce only innermost axes, so for leading axes
 * they first transpose the whole tensor (about 0.2 s for one `dy` of study
 * 000's first conv layer at batch 32). Summing rows in place needs no
 * transpose: `out[c] = sum over r of x[r * columns + c]`, accumulated in
 * float64. Every other case goes to the backend's own kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { allocF32, heapF32, type WasmKernelArgs } from "./heap.ts";

/**
 * Sums the `rows` rows of a row-major `[rows, columns]` matrix into `out`
 * (length `columns`), accumulating in float64, times `scale` (`1 / rows`
 * gives the mean).
 */
export function sumLeadingRows(
  x: Float32Array,
  rows: number,
  columns: number,
  out: Float32Array,
  scale = 1,
): void {
  const acc = new Float64Array(columns);
  let i = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++, i++) acc[c] += x[i];
  }
  for (let c = 0; c < columns; c++) out[c] = acc[c] * scale;
}

/** The axes reduced, when they are exactly `[0, ..., k-1]` with `k < rank`; else null. */
export function leadingAxes(
  shape: number[],
  axis: number | number[],
): number | null {
  const axes = tf.util.parseAxisParam(axis, shape).slice().sort((a, b) =>
    a - b
  );
  if (axes.length === 0 || axes.length >= shape.length) return null;
  return axes.every((a, i) => a === i) ? axes.length : null;
}

/**
 * Builds a `Sum` or `Mean` kernel config for `wasm` (after `original`'s
 * name): the leading-axes fast path in front of `original`, the backend's
 * own kernel (whose setup it keeps).
 */
export function makeLeadingReduceConfig(
  original: tf.KernelConfig,
): tf.KernelConfig {
  const kind = original.kernelName;
  if (kind !== tf.Sum && kind !== tf.Mean) {
    throw new Error(
      `makeLeadingReduceConfig: expected Sum or Mean, got ${kind}`,
    );
  }
  const reduce = (args: WasmKernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { backend, inputs, attrs = {} } = args;
    const { x } = inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs & tf.MeanAttrs;
    const leading = x.dtype === "float32" ? leadingAxes(x.shape, axis) : null;
    if (leading === null || tf.util.sizeFromShape(x.shape) === 0) {
      return original.kernelFunc(
        args as unknown as Parameters<tf.KernelFunc>[0],
      );
    }
    const kept = x.shape.slice(leading);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, leading));
    const columns = tf.util.sizeFromShape(kept);
    const shape = keepDims
      ? [...x.shape.slice(0, leading).map(() => 1), ...kept]
      : kept;
    const out = allocF32(backend, shape);
    const scale = kind === tf.Mean ? 1 / rows : 1;
    sumLeadingRows(
      heapF32(backend, x),
      rows,
      columns,
      heapF32(backend, out),
      scale,
    );
    return out;
  };
  return {
    kernelName: kind,
    backendName: "wasm",
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: reduce as unknown as tf.KernelFunc,
  };
}
