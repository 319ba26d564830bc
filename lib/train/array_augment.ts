/**
 * Adapts a typed-array batch augmentation (such as `augmentBatch` or
 * `randomFlipBatch` of `lib/data/images/augment.ts`) to the training loop's
 * tensor-based {@linkcode BatchAugment}. The batch is read asynchronously,
 * so it works on every backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random.ts";
import type { BatchAugment } from "./fit.ts";

/** A pure augmentation of a `[n, h, w, c]` float batch, randomness from `rng` only. */
export type ArrayAugment = (
  batch: Float32Array,
  shape: readonly [number, number, number, number],
  rng: Rng,
) => Float32Array;

/**
 * Wraps an array augmentation for `fit({ augment })`.
 *
 * @example
 * ```ts
 * import { augmentBatch } from "../data/images/augment.ts";
 * const augment = arrayAugment((b, shape, rng) => augmentBatch(b, shape, rng));
 * await fit(model, train, { epochs: 10, batchSize: 32, seed: 1, augment });
 * ```
 */
export function arrayAugment(fn: ArrayAugment): BatchAugment {
  return async (x: tf.Tensor, rng: Rng) => {
    if (x.rank !== 4) {
      throw new Error(
        `Array augmentation needs image batches [n, h, w, c], got shape [${x.shape}]`,
      );
    }
    const shape = x.shape as [number, number, number, number];
    const pixels = new Float32Array(await x.data());
    const out = fn(pixels, shape, rng);
    if (out.length !== pixels.length) {
      throw new Error(
        `Augmentation returned ${out.length} values for a batch of ${pixels.length}; it must keep the shape`,
      );
    }
    return tf.tensor4d(out, shape);
  };
}
