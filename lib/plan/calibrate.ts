/**
 * A short calibration on this machine and backend: the seconds one
 * training image and one predicted image take for the plan's models.
 * Models of one family are timed at up to three sizes (the smallest, the
 * middle and the largest by multiply-adds) and the others interpolated
 * linearly in multiply-adds; a family of one size is timed as it is.
 * Results are cached per machine, backend and model (see
 * {@linkcode CalibrationCache}), so a second plan costs nothing.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { trainStep } from "../train/train_step.ts";
import { createRng } from "../random.ts";
import type { ModelProbe } from "./planned_work.ts";
import { modelSize } from "./model_cost.ts";

/** The measured (or interpolated) cost of one model. */
export interface ModelCost {
  /** The probe's key. */
  key: string;
  /** Its family. */
  family: string;
  /** Multiply-adds per image. */
  multiplyAdds: number;
  /** Parameters. */
  parameters: number;
  /** Seconds per training image (batch of the profile's size). */
  trainSecondsPerImage: number;
  /** Seconds per predicted image (batches of 128). */
  predictSecondsPerImage: number;
  /** Peak bytes of tensors during one training step (TensorFlow.js' own count). */
  stepPeakBytes: number;
  /** `measured` here, or `interpolated` from measured models of its family. */
  source: "measured" | "interpolated";
}

/** Measured costs by probe key, for one machine and backend. */
export type CalibrationCache = Record<string, ModelCost>;

/** Options of {@linkcode calibrate}. */
export interface CalibrateOptions {
  /** Training batch size (the profile's). */
  batchSize: number;
  /** At least this many timed training batches per model (default 3). */
  minBatches?: number;
  /** Costs measured before (same machine and backend); they are not measured again. */
  cache?: CalibrationCache;
  /** Called before each model is timed. */
  log?: (line: string) => void;
}

const PREDICT_BATCH = 128;

function randomInputs(model: tf.LayersModel, batch: number, seed: number) {
  const rng = createRng(seed);
  const [, ...shape] = model.inputs[0].shape as number[];
  const size = batch * shape.reduce((a, b) => a * b, 1);
  const pixels = new Float32Array(size);
  for (let i = 0; i < size; i++) pixels[i] = rng.next();
  const x = tf.tensor(pixels, [batch, ...shape]);
  const ys = model.outputs.map((o) => {
    const classes = (o.shape as number[]).at(-1)!;
    const labels = Int32Array.from({ length: batch }, () => rng.int(classes));
    return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), classes));
  });
  return { x, ys };
}

async function timeModel(
  probe: ModelProbe,
  batchSize: number,
  minBatches: number,
): Promise<Omit<ModelCost, "source">> {
  const model = await probe.build();
  const size = modelSize(model);
  model.compile({
    optimizer: tf.train.adam(1e-4),
    loss: "categoricalCrossentropy",
  });
  const train = randomInputs(model, batchSize, 1);
  const predict = randomInputs(model, PREDICT_BATCH, 2);
  try {
    // A model with nothing to train (a frozen base) is only ever predicted.
    const trains = model.trainableWeights.length > 0;
    const step = async () => {
      const out = trainStep(model, train.x, train.ys);
      await out[0].data();
      tf.dispose(out);
    };
    let trainSeconds = 0;
    let batches = 1;
    let peakBytes = 0;
    if (trains) {
      // Warm-up: kernels, allocator; its tensor peak is the step's memory.
      peakBytes = (await tf.profile(step)).peakBytes;
      await step();
      batches = 0;
      const start = performance.now();
      while (batches < minBatches || performance.now() - start < 1500) {
        await step();
        batches++;
      }
      trainSeconds = (performance.now() - start) / 1000;
    }
    const forward = async () => {
      const y = model.predict(predict.x) as tf.Tensor | tf.Tensor[];
      const first = Array.isArray(y) ? y[0] : y;
      await first.data();
      tf.dispose(y);
    };
    await forward();
    let predictions = 0;
    const pStart = performance.now();
    while (predictions < 2 || performance.now() - pStart < 1000) {
      await forward();
      predictions++;
    }
    const predictSeconds = (performance.now() - pStart) / 1000;
    return {
      key: probe.key,
      family: probe.family,
      multiplyAdds: size.multiplyAdds,
      parameters: size.parameters,
      trainSecondsPerImage: trainSeconds / (batches * batchSize),
      predictSecondsPerImage: predictSeconds / (predictions * PREDICT_BATCH),
      stepPeakBytes: peakBytes,
    };
  } finally {
    tf.dispose([train.x, ...train.ys, predict.x, ...predict.ys]);
    model.dispose();
  }
}

/** Least-squares line through (x, y) points; a proportional line for one point. */
function fitLine(points: [number, number][]): (x: number) => number {
  if (points.length === 1) {
    const [[x0, y0]] = points;
    return (x) => x0 > 0 ? y0 * x / x0 : y0;
  }
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const slope = sxx > 0 ? sxy / sxx : 0;
  return (x) => Math.max(0, my + slope * (x - mx));
}

/**
 * The cost of every distinct probe in `probes`: up to three measured per
 * family (or all of a family of at most three sizes), the others
 * interpolated by multiply-adds. Cached costs are reused.
 */
export async function calibrate(
  probes: ModelProbe[],
  options: CalibrateOptions,
): Promise<CalibrationCache> {
  const out: CalibrationCache = {};
  const distinct = new Map<string, ModelProbe>();
  for (const p of probes) distinct.set(p.key, p);
  const families = new Map<string, ModelProbe[]>();
  for (const p of distinct.values()) {
    families.set(p.family, [...(families.get(p.family) ?? []), p]);
  }
  for (const [family, members] of families) {
    // Sizes without training: build each once, count, dispose.
    const sized: { p: ModelProbe; multiplyAdds: number; parameters: number }[] =
      [];
    for (const p of members) {
      const cached = options.cache?.[p.key];
      if (cached) {
        sized.push({
          p,
          multiplyAdds: cached.multiplyAdds,
          parameters: cached.parameters,
        });
        continue;
      }
      const model = await p.build();
      sized.push({ p, ...modelSize(model) });
      model.dispose();
    }
    sized.sort((a, b) => a.multiplyAdds - b.multiplyAdds);
    const chosen = sized.length <= 3 ? sized : [
      sized[0],
      sized[Math.floor(sized.length / 2)],
      sized[sized.length - 1],
    ];
    const measured: ModelCost[] = [];
    for (const c of chosen) {
      const cached = options.cache?.[c.p.key];
      if (cached?.source === "measured") {
        measured.push(cached);
        continue;
      }
      options.log?.(`calibrating ${family}: ${c.p.key}`);
      measured.push({
        ...(await timeModel(c.p, options.batchSize, options.minBatches ?? 3)),
        source: "measured",
      });
    }
    const train = fitLine(
      measured.map((m) => [m.multiplyAdds, m.trainSecondsPerImage]),
    );
    const predict = fitLine(
      measured.map((m) => [m.multiplyAdds, m.predictSecondsPerImage]),
    );
    const peak = fitLine(
      measured.map((m) => [m.multiplyAdds, m.stepPeakBytes]),
    );
    for (const s of sized) {
      const m = measured.find((m) => m.key === s.p.key);
      out[s.p.key] = m ?? {
        key: s.p.key,
        family,
        multiplyAdds: s.multiplyAdds,
        parameters: s.parameters,
        trainSecondsPerImage: train(s.multiplyAdds),
        predictSecondsPerImage: predict(s.multiplyAdds),
        stepPeakBytes: peak(s.multiplyAdds),
        source: "interpolated",
      };
    }
  }
  return out;
}
