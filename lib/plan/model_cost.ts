/**
 * A model's size as the plan measures it: multiply-adds per image (the
 * work of its convolutions and dense layers, what dominates CPU time) and
 * the bytes of its weights.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";

/** Multiply-adds per image, weights and parameter bytes of a built model. */
export interface ModelSize {
  /** Multiply-adds of one forward pass of one image. */
  multiplyAdds: number;
  /** Trainable and non-trainable parameters. */
  parameters: number;
}

function spatialPositions(shape: unknown): number {
  // Output shapes are [batch, height, width, channels] for convolutions,
  // [batch, units] for dense layers.
  const outer = shape as unknown[];
  const s = (Array.isArray(outer[0]) ? outer[0] : outer) as (number | null)[];
  return s.length === 4 ? (s[1] ?? 1) * (s[2] ?? 1) : 1;
}

/**
 * Counts a model's multiply-adds per image: for every layer with a
 * `kernel` weight (convolutions, depthwise convolutions, dense layers),
 * the kernel's size times the output's spatial positions. Batch
 * normalisation, pooling, activations and biases are left out (a few per
 * cent of the work).
 */
export function modelSize(model: tf.LayersModel): ModelSize {
  let multiplyAdds = 0;
  const visit = (layers: tf.layers.Layer[]) => {
    for (const layer of layers) {
      const inner = (layer as unknown as { layers?: tf.layers.Layer[] })
        .layers;
      if (inner?.length) {
        visit(inner);
        continue;
      }
      const kernel = layer.weights.find((w) => /kernel/.test(w.originalName));
      if (!kernel) continue;
      const size = kernel.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      multiplyAdds += size * spatialPositions(layer.outputShape);
    }
  };
  visit(model.layers);
  return { multiplyAdds, parameters: model.countParams() };
}
