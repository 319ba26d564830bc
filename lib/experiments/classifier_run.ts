/**
 * One call that turns a model and labelled arrays into a complete, evaluated
 * run record: fit (seeded, checkpointed, resumable) → predict the test set →
 * metrics (accuracy with n and 95% intervals, confusion matrix, per-class
 * report) → `reports/runs/<run-id>/` → the runs index. Notebooks and tasks
 * call this; the report reads what it writes.
 *
 * @example
 * ```ts
 * const backend = await selectBackend();
 * const result = await runClassifier({
 *   name: "Primary classification", study: "000",
 *   build: (seed) => buildStudyCnn({ classes: 3, seed }),
 *   params: { kernelSize: 3, filters: 64 },
 *   data: { train, validation, test, classNames },
 *   dataset: { id: "fashion-product-images", fingerprint },
 *   profile: getProfile(), seed: 42, backend,
 * });
 * console.log(result.metrics.accuracy);
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import type { BackendChoice } from "../backend.ts";
import type { Profile } from "../profiles.ts";
import { compileClassifier, type CompileOptions } from "../train/compile.ts";
import { type BatchAugment, fit } from "../train/fit.ts";
import { predictClasses } from "../train/predict.ts";
import {
  type DatasetRef,
  DEFAULT_RUNS_ROOT,
  readRun,
  RunRecord,
} from "../runs/record.ts";
import { runId } from "../runs/run_id.ts";
import { rebuildRunIndex } from "../runs/run_index.ts";
import {
  accuracy,
  type ClassificationReport,
  classificationReport,
  confusionMatrix,
} from "../eval/metrics.ts";
import { type Interval, tInterval, wilsonInterval } from "../eval/intervals.ts";

/** Labelled images in memory: `images` is N x H x W x C (uint8 0..255 or float 0..1). */
export interface LabelledArrays {
  images: Uint8Array | Float32Array;
  shape: [number, number, number];
  labels: Int32Array | number[];
}

/** What {@linkcode runClassifier} trains and evaluates. */
export interface ClassifierRunSpec {
  /** Human name, e.g. `Shoes_All_Dropout`. */
  name: string;
  /** Study id, e.g. `000`. */
  study: string;
  /** Builds the (uncompiled) model from the run seed. */
  build: (seed: number) => tf.LayersModel;
  /** Hyperparameters; with name and seed they make the run id. */
  params: Record<string, string | number | boolean>;
  /** The splits and class names. */
  data: {
    train: LabelledArrays;
    validation: LabelledArrays;
    test: LabelledArrays;
    classNames: string[];
  };
  /** Dataset id and fingerprint. */
  dataset: DatasetRef;
  /** Describes the substitution when the data is a stand-in for the study's own. */
  standIn?: string | null;
  /** Epochs, batch size, patience. */
  profile: Profile;
  /** The run seed. */
  seed: number;
  /** The backend in use. */
  backend: BackendChoice;
  /** Optimizer settings. */
  compile?: CompileOptions;
  /** Per-batch training augmentation. */
  augment?: BatchAugment;
  /** Runs root (default `reports/runs`). */
  runsRoot?: string;
  /**
   * Extra tags for the run record (e.g. `{ model: "Shoes_All_L2", split: "80/20" }`),
   * next to `study`, `profile` and `standIn`; they do not change the run id.
   */
  tags?: Record<string, string>;
}

/** The metrics written to `metrics.json`. */
export interface ClassifierMetrics {
  /** Test accuracy. */
  accuracy: number;
  /** Test images. */
  n: number;
  /** Correct test images. */
  correct: number;
  /** 95% Wilson interval of the test accuracy. */
  wilson95: Interval;
  /** 95% t-based interval (study 002's method). */
  t95: Interval;
  /** Best validation accuracy of the fit (the epoch whose weights were kept). */
  validationAccuracy: number | null;
  /** Confusion matrix counts, `[true][predicted]`. */
  confusion: number[][];
  /** Per-class precision / recall / F1 / support. */
  report: ClassificationReport;
  /** Class names. */
  classNames: string[];
}

/** The result of a run, fresh or reused. */
export interface ClassifierRunResult {
  runId: string;
  dir: string;
  metrics: ClassifierMetrics;
  /** True when a complete run with the same id existed and was reused. */
  reused: boolean;
}

/** Converts labelled arrays to tensors: inputs scaled to [0, 1], one-hot targets. */
export function toTensors(
  arrays: LabelledArrays,
  classes: number,
): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const n = arrays.labels.length;
  const [h, w, c] = arrays.shape;
  if (arrays.images.length !== n * h * w * c) {
    throw new Error(
      `images hold ${arrays.images.length} values, expected ${n} x ${h} x ${w} x ${c}`,
    );
  }
  return tf.tidy(() => {
    const raw = tf.tensor4d(arrays.images, [n, h, w, c], "float32");
    const x = arrays.images instanceof Uint8Array
      ? raw.div(255) as tf.Tensor4D
      : raw;
    const y = tf.oneHot(
      tf.tensor1d(Array.from(arrays.labels), "int32"),
      classes,
    ) as tf.Tensor2D;
    return { x, y };
  });
}

/** Test-set metrics from true and predicted labels. */
export function classifierMetrics(
  trueLabels: number[],
  predicted: number[],
  classNames: string[],
  validationAccuracy: number | null,
): ClassifierMetrics {
  const n = trueLabels.length;
  const correct = trueLabels.filter((t, i) => t === predicted[i]).length;
  return {
    accuracy: accuracy(trueLabels, predicted),
    n,
    correct,
    wilson95: wilsonInterval(correct, n),
    t95: tInterval(correct, n),
    validationAccuracy,
    confusion: confusionMatrix(trueLabels, predicted, classNames.length),
    report: classificationReport(trueLabels, predicted, classNames),
    classNames,
  };
}

/**
 * Trains and evaluates one classifier into a complete run record; reuses a
 * complete run with the same id, and resumes an interrupted one from its
 * last epoch checkpoint.
 */
export async function runClassifier(
  spec: ClassifierRunSpec,
): Promise<ClassifierRunResult> {
  const { data, profile } = spec;
  const classes = data.classNames.length;
  const params = {
    ...spec.params,
    epochs: profile.epochs,
    batchSize: profile.batchSize,
    profile: profile.name,
  };
  const id = runId(spec.name, params, spec.seed);
  const root = spec.runsRoot ?? DEFAULT_RUNS_ROOT;
  const existing = await readRun(join(root, id));
  if (existing?.status === "complete") {
    const metrics = JSON.parse(
      await Deno.readTextFile(join(root, id, "metrics.json")),
    ) as ClassifierMetrics;
    return { runId: id, dir: join(root, id), metrics, reused: true };
  }

  const run = await RunRecord.start({
    name: spec.name,
    params,
    seed: spec.seed,
    dataset: spec.dataset,
    splits: {
      train: data.train.labels.length,
      validation: data.validation.labels.length,
      test: data.test.labels.length,
    },
    backend: {
      name: spec.backend.name,
      device: spec.backend.device,
      packages: spec.backend.packages,
    },
    tags: {
      ...spec.tags,
      study: spec.study,
      profile: profile.name,
      ...(spec.standIn ? { standIn: spec.standIn } : {}),
    },
  }, { root });
  const train = toTensors(data.train, classes);
  const validation = toTensors(data.validation, classes);
  const test = toTensors(data.test, classes);
  const model = spec.build(spec.seed);
  try {
    compileClassifier(model, spec.compile);
    const result = await fit(model, train, {
      epochs: profile.epochs,
      batchSize: profile.batchSize,
      seed: spec.seed,
      validation,
      earlyStopping: profile.patience === null
        ? undefined
        : { patience: profile.patience },
      checkpointPath: run.checkpointPath,
      augment: spec.augment,
    });
    const [predictions] = await predictClasses(model, test.x);
    const trueLabels = Array.from(data.test.labels);
    const best = result.history[result.bestEpoch];
    const metrics = classifierMetrics(
      trueLabels,
      predictions.predicted,
      data.classNames,
      best?.val_acc ?? best?.val_accuracy ?? null,
    );
    await run.writeHistory(result.history);
    await run.writePredictions({
      classNames: data.classNames,
      trueLabels,
      predictedLabels: predictions.predicted,
      probabilities: predictions.probabilities,
    });
    await run.writeMetrics(metrics as unknown as Record<string, unknown>);
    await run.saveModel(model);
    await run.complete();
    await rebuildRunIndex(run.root);
    return { runId: id, dir: run.dir, metrics, reused: false };
  } catch (error) {
    await run.fail(error);
    throw error;
  } finally {
    tf.dispose([train.x, train.y, validation.x, validation.y, test.x, test.y]);
    model.dispose();
  }
}
