/**
 * A faster `Sum` for the wasm backend when the reduced axes are the leading
 * ones, e.g. the bias gradient of a conv layer: `dy` of shape
 * `[batch, height, width, channels]` summed over axes `[0, 1, 2]`.
 *
 * The backend's own `Sum` reduces only innermost axes, so for leading axes
 * it first transposes the whole tensor (about 0.2 s for one `dy` of study
 * 000's first conv layer at batch 32). Summing rows in place needs no
 * transpose: `out[c] = sum over r of x[r * columns + c]`, accumulated in
 * float64. Every other case goes to the backend's own kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { allocF32, heapF32, type WasmKernelArgs } from "./heap.ts";

/**
 * Sums the leading `rows` rows of a row-major `[rows, columns]` matrix into
 * `out` (length `columns`), accumulating in float64.
 */
export function sumLeadingRows(
  x: Float32Array,
  rows: number,
  columns: number,
  out: Float32Array,
): void {
  const acc = new Float64Array(columns);
  let i = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++, i++) acc[c] += x[i];
  }
  out.set(acc);
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
 * Builds the `Sum` kernel config for `wasm`: the leading-axes fast path in
 * front of `original`, the backend's own `Sum` (whose setup it keeps).
 */
export function makeSumConfig(original: tf.KernelConfig): tf.KernelConfig {
  const sum = (args: WasmKernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { backend, inputs, attrs = {} } = args;
    const { x } = inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
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
    sumLeadingRows(heapF32(backend, x), rows, columns, heapF32(backend, out));
    return out;
  };
  return {
    kernelName: tf.Sum,
    backendName: "wasm",
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: sum as unknown as tf.KernelFunc,
  };
}
