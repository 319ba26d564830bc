/**
 * Training and prediction throughput of a Keras-style model on the active
 * backend: warm-up first, then timed batches until both a minimum number of
 * batches and a minimum duration are reached, so the figure is stable on a
 * fast GPU and on a slow laptop alike. Peak resident memory is sampled after
 * every batch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { MetricSums, trainStep } from "../train/train_step.ts";
import { withFusedConvolutions } from "../models/conv_relu_layers.ts";
import { createRng } from "../random.ts";

/** How long and how much to measure. */
export interface ThroughputOptions {
  /** Images per batch. */
  batchSize: number;
  /** Untimed batches first (kernel compilation, allocator warm-up). */
  warmupBatches: number;
  /** At least this many timed batches. */
  minBatches: number;
  /** And at least this many seconds of timed batches. */
  minSeconds: number;
  /** Seed for the random inputs. */
  seed: number;
  /**
   * Training only: read the loss back after every step, as
   * `LayersModel.trainOnBatch` does (default false: about once a second, as
   * the fit loop does). Shows what the per-step device wait costs.
   */
  readEveryStep?: boolean;
}

/** One measured phase. */
export interface ThroughputResult {
  /** `train` (one optimiser step per batch) or `predict` (forward only). */
  phase: "train" | "predict";
  /** Images per batch. */
  batchSize: number;
  /** Timed images. */
  images: number;
  /** Timed seconds. */
  seconds: number;
  /** Images per second over the timed batches. */
  imagesPerSecond: number;
  /** Peak resident set size of the process during the phase, MiB. */
  peakRssMiB: number;
}

function randomBatch(
  shape: number[],
  classes: number,
  batchSize: number,
  seed: number,
): { x: tf.Tensor; y: tf.Tensor } {
  const rng = createRng(seed);
  const size = batchSize * shape.reduce((a, b) => a * b, 1);
  const pixels = new Float32Array(size);
  for (let i = 0; i < size; i++) pixels[i] = rng.next();
  const labels = Int32Array.from({ length: batchSize }, () => rng.int(classes));
  return {
    x: tf.tensor(pixels, [batchSize, ...shape]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), classes)),
  };
}

const rssMiB = () => Deno.memoryUsage().rss / (1024 * 1024);

async function timeBatches(
  step: () => Promise<void>,
  options: ThroughputOptions,
  /** Waits for queued device work (run after the warm-up and at the end). */
  settle: () => Promise<void> = () => Promise.resolve(),
): Promise<{ batches: number; seconds: number; peakRssMiB: number }> {
  let peak = rssMiB();
  for (let i = 0; i < options.warmupBatches; i++) {
    await step();
    peak = Math.max(peak, rssMiB());
  }
  await settle();
  let batches = 0;
  const start = performance.now();
  let seconds = 0;
  while (batches < options.minBatches || seconds < options.minSeconds) {
    await step();
    batches++;
    seconds = (performance.now() - start) / 1000;
    peak = Math.max(peak, rssMiB());
  }
  await settle();
  seconds = (performance.now() - start) / 1000;
  return { batches, seconds, peakRssMiB: peak };
}

/** Runs `measure` with one fixed random batch shaped for `model`, then frees it. */
async function withRandomBatch<T>(
  model: tf.LayersModel,
  options: ThroughputOptions,
  measure: (x: tf.Tensor, y: tf.Tensor) => Promise<T>,
): Promise<T> {
  const [, ...shape] = model.inputs[0].shape as number[];
  const classes = (model.outputs[0].shape as number[]).at(-1)!;
  const { x, y } = randomBatch(shape, classes, options.batchSize, options.seed);
  try {
    return await measure(x, y);
  } finally {
    tf.dispose([x, y]);
  }
}

/**
 * Measures training throughput as the fit loop trains (`lib/train/fit.ts`):
 * one optimisation step per batch on one fixed random batch, the losses
 * summed on the device and read back about once a second and at the end
 * (reading them after every step would make the host wait for the device
 * each time). The model must be compiled with a categorical cross-entropy
 * loss.
 */
export function measureTraining(
  model: tf.LayersModel,
  options: ThroughputOptions,
): Promise<ThroughputResult> {
  return withRandomBatch(model, options, async (x, y) => {
    const sums = new MetricSums();
    let lastRead = performance.now();
    const readLoss = async () => {
      if (sums.count === 0) return;
      const [loss] = await sums.read();
      if (!Number.isFinite(loss)) {
        throw new Error(`Training diverged: loss ${loss}`);
      }
      lastRead = performance.now();
    };
    try {
      const timed = await timeBatches(
        async () => {
          const values = trainStep(model, x, [y]);
          sums.add(values, options.batchSize);
          tf.dispose(values);
          if (
            options.readEveryStep || performance.now() - lastRead >= 1000
          ) await readLoss();
        },
        options,
        readLoss,
      );
      return summarise("train", options.batchSize, timed);
    } finally {
      sums.dispose();
    }
  });
}

/**
 * Measures prediction throughput: forward passes of the whole batch at once
 * (`predictOnBatch`, as the Keras and PyTorch references run theirs;
 * `predict` would split it into batches of 32), reading results back.
 */
export function measurePrediction(
  model: tf.LayersModel,
  options: ThroughputOptions,
): Promise<ThroughputResult> {
  return withRandomBatch(model, options, async (x) => {
    const timed = await timeBatches(async () => {
      const output = withFusedConvolutions(
        model,
        () => model.predictOnBatch(x) as tf.Tensor,
      );
      await output.data();
      output.dispose();
    }, options);
    return summarise("predict", options.batchSize, timed);
  });
}

function summarise(
  phase: "train" | "predict",
  batchSize: number,
  timed: { batches: number; seconds: number; peakRssMiB: number },
): ThroughputResult {
  const images = timed.batches * batchSize;
  return {
    phase,
    batchSize,
    images,
    seconds: timed.seconds,
    imagesPerSecond: images / timed.seconds,
    peakRssMiB: timed.peakRssMiB,
  };
}
