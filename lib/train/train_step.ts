/**
 * One optimisation step without waiting for the device, and running sums of
 * its losses and metrics kept on the device.
 *
 * `LayersModel.trainOnBatch` reads every loss and metric back after each
 * step, which makes the host wait for the GPU to finish: on an H100 through
 * WebGPU that wait costs about 12 ms per step, more than the step's GPU work
 * for a small CNN. {@linkcode trainStep} runs the same compiled training
 * function (forward pass, losses including regularisation, gradients,
 * optimizer update) and returns the values as tensors; a
 * {@linkcode MetricSums} adds them up on the device and is read only when
 * the caller needs numbers (a progress update, the end of an epoch).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { withFusedConvolutions } from "../models/conv_relu_layers.ts";

/** The compiled training function every `LayersModel` builds for `trainOnBatch`. */
interface TrainFunctionOwner {
  makeTrainFunction(): (data: tf.Tensor[]) => tf.Scalar[];
}

/**
 * Runs one optimisation step of a compiled model on a batch and returns its
 * loss and metric values (in `model.metricsNames` order) as scalars still on
 * the backend. The caller disposes them. Inputs must already have the
 * model's shapes (`fit` checks its datasets once, up front).
 */
export function trainStep(
  model: tf.LayersModel,
  x: tf.Tensor,
  targets: tf.Tensor[],
): tf.Scalar[] {
  if (!model.optimizer) {
    throw new Error(
      "trainStep: the model is not compiled (call compileClassifier first)",
    );
  }
  // A Sequential model trains through the functional model it wraps.
  const owner = model instanceof tf.Sequential
    ? (model as unknown as { model: TrainFunctionOwner }).model
    : model as unknown as TrainFunctionOwner;
  // The model's fused convolutions take their pooling layers along
  // (lib/models/conv_relu_layers.ts).
  return withFusedConvolutions(
    model,
    () => owner.makeTrainFunction()([x, ...targets]),
  );
}

/**
 * Sample-weighted running sums of per-batch values, kept on the device:
 * adding a batch queues two small kernels and never waits; {@linkcode read}
 * waits once and returns the means.
 */
export class MetricSums {
  #sums: tf.Tensor[] = [];
  #count = 0;

  /** Adds one batch's values (batch means), weighted by its sample count. */
  add(values: tf.Scalar[], samples: number): void {
    const next = tf.tidy(() =>
      values.map((v, i) => {
        const weighted = tf.mul(v, samples);
        return this.#sums[i] ? tf.add(this.#sums[i], weighted) : weighted;
      })
    );
    tf.dispose(this.#sums);
    this.#sums = next;
    this.#count += samples;
  }

  /** Samples added so far. */
  get count(): number {
    return this.#count;
  }

  /** The sample-weighted means of every value so far (waits for the device). */
  async read(): Promise<number[]> {
    if (this.#count === 0) return [];
    const totals = await Promise.all(this.#sums.map((s) => s.data()));
    return totals.map((t) => t[0] / this.#count);
  }

  /** Frees the sums. */
  dispose(): void {
    tf.dispose(this.#sums);
    this.#sums = [];
    this.#count = 0;
  }
}
