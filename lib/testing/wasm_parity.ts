/**
 * Test helpers for the wasm training kernels: switch between the `cpu`
 * reference and `wasm`, make seeded random inputs, and compare results.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend.ts";
import { createRng, type Rng } from "../random.ts";

/** Activates the `cpu` backend (the reference for correctness). */
export async function useCpu(): Promise<void> {
  await selectBackend("cpu");
}

/** Activates `wasm` with this workspace's training kernels registered. */
export async function useWasm(): Promise<void> {
  await selectBackend("wasm");
  if (tf.getBackend() !== "wasm") {
    throw new Error(`expected the wasm backend, got ${tf.getBackend()}`);
  }
}

/** A seeded random stream for test inputs. */
export function testRng(seed: number): Rng {
  return createRng(seed);
}

/** Values uniform in [-1, 1) from `rng`, as a plain array of `shape`'s size. */
export function randomValues(rng: Rng, shape: number[]): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, () => rng.next() * 2 - 1);
}

/**
 * Normwise relative error: the largest absolute difference divided by the
 * largest reference magnitude (floored at 1e-6). Robust where single
 * elements of a gradient are near zero by cancellation.
 */
export function normwiseError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): number {
  if (actual.length !== expected.length) {
    throw new Error(
      `size mismatch: ${actual.length} values vs ${expected.length} expected`,
    );
  }
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    // NaN must fail, so test "not <=" rather than ">".
    if (!(d <= diff)) diff = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

/** Throws naming `label` when the normwise error exceeds `tolerance`. */
export function assertParity(
  label: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance = 1e-4,
): number {
  const error = normwiseError(actual, expected);
  if (!(error <= tolerance)) {
    throw new Error(
      `${label}: wasm differs from cpu, normwise relative error ` +
        `${error.toExponential(2)} > ${tolerance}`,
    );
  }
  return error;
}

/** Reads a tensor's values (async, backend-neutral) and disposes it. */
export async function valuesOf(t: tf.Tensor): Promise<Float32Array> {
  const values = await t.data() as Float32Array;
  t.dispose();
  return values;
}
