/**
 * A dropout layer whose masks come from a seed and the training step, so
 * training with dropout is reproducible and an interrupted run that resumes
 * at step `n` draws exactly the masks the uninterrupted run would have drawn.
 *
 * TensorFlow.js's own `tf.layers.dropout` either draws from `Math.random`
 * (not reproducible) or, when given a seed, draws the same mask on every
 * step. The training loop in `lib/train/fit.ts` calls
 * {@linkcode setDropoutStep} before each batch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { hashString } from "../random.ts";

/** Constructor arguments of {@linkcode SeededDropout}. */
export interface SeededDropoutArgs {
  /** Fraction of inputs dropped during training, in [0, 1). */
  rate: number;
  /** Seed of the mask stream. */
  seed: number;
  /** Layer name. */
  name?: string;
}

/** Dropout with masks determined by (seed, training step). Identity at inference. */
export class SeededDropout extends tf.layers.Layer {
  /** Class name used in saved `model.json` files. */
  static className = "SeededDropout";
  /** Fraction of inputs dropped during training. */
  readonly rate: number;
  /** Seed of the mask stream. */
  readonly seed: number;
  /** The current training step; set by the training loop before each batch. */
  step = 0;

  /** Creates the layer; `rate` must be in [0, 1). */
  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) {
      throw new Error(
        `Dropout rate must be in [0, 1), got ${args.rate} (layer ${
          args.name ?? "unnamed"
        })`,
      );
    }
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  /** Applies dropout when `kwargs.training` is true, identity otherwise. */
  override call(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: Record<string, unknown>,
  ): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs["training"] !== true || this.rate === 0) return x;
    const maskSeed = hashString(`${this.seed}:${this.step}`);
    return tf.tidy(() => tf.dropout(x, this.rate, undefined, maskSeed));
  }

  /** Serialisable configuration (rate and seed). */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);

/** Every {@linkcode SeededDropout} in `model`, including those in nested models. */
export function seededDropoutLayers(model: tf.LayersModel): SeededDropout[] {
  const found: SeededDropout[] = [];
  for (const layer of model.layers) {
    if (layer instanceof SeededDropout) found.push(layer);
    else if (layer instanceof tf.LayersModel) {
      found.push(...seededDropoutLayers(layer));
    }
  }
  return found;
}

/** Sets the training step of every seeded dropout layer in `model`. */
export function setDropoutStep(model: tf.LayersModel, step: number): void {
  for (const layer of seededDropoutLayers(model)) layer.step = step;
}
