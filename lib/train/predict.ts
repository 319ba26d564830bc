/**
 * Predictions in batches with asynchronous reads (works on every backend,
 * webgpu included): class probabilities and the predicted class per sample.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { withFusedConvolutions } from "../models/conv_relu_layers.ts";

/** Predictions for one model output. */
export interface ClassPredictions {
  /** Predicted class index per sample (argmax). */
  predicted: number[];
  /** Class probabilities per sample. */
  probabilities: number[][];
}

/**
 * Predicts `x` in batches; one entry per model output.
 *
 * @example
 * ```ts
 * const [{ predicted }] = await predictClasses(model, xTest);
 * ```
 */
export async function predictClasses(
  model: tf.LayersModel,
  x: tf.Tensor,
  batchSize = 128,
): Promise<ClassPredictions[]> {
  const outputs = model.outputs.length;
  const result: ClassPredictions[] = Array.from(
    { length: outputs },
    () => ({ predicted: [], probabilities: [] }),
  );
  for (let start = 0; start < x.shape[0]; start += batchSize) {
    const size = Math.min(batchSize, x.shape[0] - start);
    const batch = x.slice(start, size);
    const out = withFusedConvolutions(model, () => model.predict(batch));
    const list = Array.isArray(out) ? out : [out];
    for (const [i, probs] of list.entries()) {
      const rows = (await probs.array()) as number[][];
      for (const row of rows) {
        result[i].probabilities.push(row);
        let best = 0;
        for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
        result[i].predicted.push(best);
      }
    }
    tf.dispose([batch, ...list]);
  }
  return result;
}

/** Class indices of one-hot rows (or pass-through of integer labels). */
export async function labelsOf(y: tf.Tensor): Promise<number[]> {
  if (y.rank === 1) return Array.from(await y.data());
  const arg = tf.argMax(y, -1);
  const values = Array.from(await arg.data());
  arg.dispose();
  return values;
}
