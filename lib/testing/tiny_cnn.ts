/**
 * A tiny CNN and a deterministic few-step training run, used by the backend
 * parity tests: the same seed and batches on two backends must give the
 * same losses.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createRng } from "../random.ts";

/** Input shape of the tiny CNN: 12 high, 10 wide, 3 channels. */
export const TINY_INPUT_SHAPE = [12, 10, 3] as const;
/** Classes of the tiny CNN. */
export const TINY_CLASSES = 3;

/** Builds conv-relu-pool-conv-relu-pool-flatten-dense(softmax) with seeded weights. */
export function buildTinyCnn(seed: number): tf.LayersModel {
  const init = (offset: number) =>
    tf.initializers.glorotUniform({ seed: seed + offset });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [...TINY_INPUT_SHAPE],
        filters: 4,
        kernelSize: 3,
        padding: "same",
        activation: "relu",
        kernelInitializer: init(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 6,
        kernelSize: 3,
        strides: 1,
        activation: "relu",
        kernelInitializer: init(2),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: TINY_CLASSES,
        activation: "softmax",
        kernelInitializer: init(3),
      }),
    ],
  });
}

/** Fixed random batches (values in [0, 1), one-hot labels) from `seed`. */
export function tinyBatches(
  seed: number,
  count: number,
  batchSize: number,
): { x: tf.Tensor4D; y: tf.Tensor2D }[] {
  const rng = createRng(seed);
  const [h, w, c] = TINY_INPUT_SHAPE;
  return Array.from({ length: count }, () => {
    const pixels = Float32Array.from(
      { length: batchSize * h * w * c },
      () => rng.next(),
    );
    const labels = Int32Array.from(
      { length: batchSize },
      () => rng.int(TINY_CLASSES),
    );
    return {
      x: tf.tensor4d(pixels, [batchSize, h, w, c]),
      y: tf.oneHot(tf.tensor1d(labels, "int32"), TINY_CLASSES) as tf.Tensor2D,
    };
  });
}

/**
 * Trains the tiny CNN for `steps` SGD steps on the active backend, starting
 * from `initialWeights` (so every backend starts from identical weights), and
 * returns the loss after each step.
 */
export async function trainTinyCnn(
  initialWeights: Float32Array[],
  options: {
    seed: number;
    steps: number;
    batchSize: number;
    learningRate?: number;
  },
): Promise<number[]> {
  const model = buildTinyCnn(options.seed);
  model.setWeights(
    model.getWeights().map((w, i) => tf.tensor(initialWeights[i], w.shape)),
  );
  model.compile({
    optimizer: tf.train.sgd(options.learningRate ?? 0.1),
    loss: "categoricalCrossentropy",
  });
  const batches = tinyBatches(options.seed, options.steps, options.batchSize);
  const losses: number[] = [];
  for (const { x, y } of batches) {
    const loss = await model.trainOnBatch(x, y);
    losses.push(Array.isArray(loss) ? loss[0] : loss);
  }
  tf.dispose(batches.flatMap((b) => [b.x, b.y]));
  model.dispose();
  return losses;
}

/** The tiny CNN's seeded initial weights, read back as plain arrays. */
export async function tinyInitialWeights(
  seed: number,
): Promise<Float32Array[]> {
  const model = buildTinyCnn(seed);
  const weights = await Promise.all(
    model.getWeights().map(async (w) => new Float32Array(await w.data())),
  );
  model.dispose();
  return weights;
}
