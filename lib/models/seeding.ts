/**
 * Seeded weight initialisers. Every builder in `lib/models/` draws its
 * initial weights through {@linkcode seededInitializers}, so one seed gives
 * identical weights on every run and every machine, and each layer still
 * gets its own independent stream.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { hashString } from "../random.ts";

/** A weight initialiser (what `kernelInitializer` accepts). */
export type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/** Initialisers for one model, each seeded from the model seed and a layer label. */
export interface SeededInitializers {
  /** Glorot-uniform (Keras' default for Conv2D and Dense kernels). */
  glorot(label: string): Initializer;
  /** He-normal, for ReLU layers when a builder asks for it. */
  he(label: string): Initializer;
}

/** The 32-bit seed for one layer of a model: stable, derived from the model seed and the label. */
export function layerSeed(seed: number, label: string): number {
  return hashString(`${seed}:${label}`);
}

/**
 * Creates seeded initialisers for a model.
 *
 * @example
 * ```ts
 * const init = seededInitializers(42);
 * tf.layers.dense({ units: 10, kernelInitializer: init.glorot("dense_1") });
 * ```
 */
export function seededInitializers(seed: number): SeededInitializers {
  if (!Number.isFinite(seed)) {
    throw new Error(`Model seed must be a finite number, got ${seed}`);
  }
  return {
    glorot: (label) =>
      tf.initializers.glorotUniform({ seed: layerSeed(seed, label) }),
    he: (label) => tf.initializers.heNormal({ seed: layerSeed(seed, label) }),
  };
}
