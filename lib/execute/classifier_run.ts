/**
 * One call that turns a model and labelled arrays into a complete, evaluated
 * run record: fit (seeded, checkpointed, resumable) → predict the test set →
 * metrics (accuracy with n and 95% intervals, confusion matrix, per-class
 * report) and a gallery of the first misclassified test images →
 * `reports/runs/<run-id>/` → the runs index. Notebooks and tasks
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
import type { LabelledArrays } from "../data/labelled_arrays.ts";
import { compileClassifier, type CompileOptions } from "../train/compile.ts";
import {
  type BatchAugment,
  fit,
  type FitOptions,
  type FitResult,
} from "../train/fit.ts";
import { predictClasses } from "../train/predict.ts";
import { DEFAULT_RUNS_ROOT, RunRecord } from "../runs/record.ts";
import type {
  DatasetRef,
  HeadPredictions,
  Predictions,
} from "../runs/run_json.ts";
import {
  type ClassifierMetrics,
  classifierMetrics,
} from "../runs/classifier_metrics.ts";
import { runId } from "../runs/run_id.ts";
import { backendRef } from "../runs/lab_context.ts";
import { arrayImages, type GalleryImages, testGallery } from "./gallery.ts";
import { reuseOrTrain } from "./run_claim.ts";

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
  /** Further JSON files for the record (e.g. `split.json`). */
  files?: Record<string, unknown>;
  /** Runs root (default `reports/runs`). */
  runsRoot?: string;
  /**
   * Extra tags for the run record (e.g. `{ model: "Shoes_All_L2", split: "80/20" }`),
   * next to `study`, `profile` and `standIn`; they do not change the run id.
   */
  tags?: Record<string, string>;
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

/**
 * Predicts `x` with a single-output classifier and scores the predictions
 * against `trueLabels`: the predictions for the run record and the
 * {@linkcode classifierMetrics}, whose validation accuracy is that of the
 * epoch `fitted` kept. `batchSize` is the prediction batch (default that of
 * `predictClasses`).
 */
export async function evaluateClassifier(
  model: tf.LayersModel,
  x: tf.Tensor,
  trueLabels: number[],
  classNames: string[],
  fitted: Pick<FitResult, "history" | "bestEpoch">,
  batchSize?: number,
): Promise<{ predictions: HeadPredictions; metrics: ClassifierMetrics }> {
  const [predictions] = await predictClasses(model, x, batchSize);
  const best = fitted.history[fitted.bestEpoch];
  return {
    predictions: {
      classNames,
      trueLabels,
      predictedLabels: predictions.predicted,
      probabilities: predictions.probabilities,
    },
    metrics: classifierMetrics(
      trueLabels,
      predictions.predicted,
      classNames,
      best?.val_acc ?? best?.val_accuracy ?? null,
    ),
  };
}

/**
 * The fit options a profile sets for a run with `seed`: the profile's
 * epochs and batch size, and early stopping with its patience (none when
 * the patience is null).
 */
export function profileFitOptions(
  profile: Pick<Profile, "epochs" | "batchSize" | "patience">,
  seed: number,
): Pick<FitOptions, "epochs" | "batchSize" | "seed" | "earlyStopping"> {
  return {
    epochs: profile.epochs,
    batchSize: profile.batchSize,
    seed,
    earlyStopping: profile.patience === null
      ? undefined
      : { patience: profile.patience },
  };
}

/** What an evaluated run leaves in its record (see {@linkcode recordEvaluatedRun}). */
export interface EvaluatedRun<M extends object = ClassifierMetrics> {
  /** Per-epoch logs of the fit (`history.json`). */
  history: Record<string, number>[];
  /** Test predictions (`predictions.json`). */
  predictions: Predictions;
  /** Further JSON files by name (e.g. `split.json`), written after the predictions. */
  files?: Record<string, unknown>;
  /** Test metrics (`metrics.json`). */
  metrics: M;
  /** The model saved into `model/`. */
  model: tf.LayersModel;
  /**
   * The test images in the order of `predictions`: with them the record
   * keeps a gallery of the first mistakes (`misclassified.json`,
   * {@linkcode testGallery}).
   */
  testImages?: GalleryImages;
}

/**
 * Finishes an evaluated run record: awaits `evaluate` (which trains and
 * tests, checkpointing into `run.checkpointPath`), then writes its history,
 * predictions, further files, the gallery of its first misclassified test
 * images (when it returns `testImages`), metrics and model, and marks the run complete
 * (which rebuilds the runs index). When `evaluate` or a write fails, the
 * run is marked failed and the error is thrown again. Returns the metrics.
 *
 * @example
 * ```ts
 * const run = await RunRecord.start(info, { root });
 * const metrics = await recordEvaluatedRun(run, async () => {
 *   const result = await fit(model, train, { ...profileFitOptions(profile, seed), checkpointPath: run.checkpointPath });
 *   // ... predict the test split ...
 *   return { history: result.history, predictions, metrics, model };
 * });
 * ```
 */
export async function recordEvaluatedRun<M extends object>(
  run: RunRecord,
  evaluate: () => Promise<EvaluatedRun<M>>,
): Promise<M> {
  try {
    const evaluated = await evaluate();
    await run.writeHistory(evaluated.history);
    await run.writePredictions(evaluated.predictions);
    for (const [name, value] of Object.entries(evaluated.files ?? {})) {
      await run.writeJson(name, value);
    }
    if (evaluated.testImages) {
      await run.writeJson(
        "misclassified.json",
        await testGallery(evaluated.testImages, evaluated.predictions),
      );
    }
    await run.writeMetrics(
      evaluated.metrics as unknown as Record<string, unknown>,
    );
    await run.saveModel(evaluated.model);
    await run.complete();
    return evaluated.metrics;
  } catch (error) {
    await run.fail(error);
    throw error;
  }
}

/**
 * Trains and evaluates one classifier into a complete run record; reuses a
 * complete run with the same id, and resumes an interrupted one from its
 * last epoch checkpoint.
 */
export async function runClassifier(
  spec: ClassifierRunSpec,
): Promise<ClassifierRunResult> {
  const params = runParams(spec.params, spec.profile);
  const id = runId(spec.name, params, spec.seed);
  const root = spec.runsRoot ?? DEFAULT_RUNS_ROOT;
  const dir = join(root, id);
  return await reuseOrTrain<ClassifierMetrics, ClassifierRunResult>(
    dir,
    spec.dataset,
    (metrics) => ({ runId: id, dir, metrics, reused: true }),
    () => trainClassifier(spec, params, root),
  );
}

/** The parameters a classifier run records (and its id is made of): the spec's plus the profile's epochs, batch size and name. */
function runParams(
  params: ClassifierRunSpec["params"],
  profile: Profile,
): ClassifierRunSpec["params"] {
  return {
    ...params,
    epochs: profile.epochs,
    batchSize: profile.batchSize,
    profile: profile.name,
  };
}

/**
 * The run id {@linkcode runClassifier} gives a run of `name` with
 * `params` at `profile` and `seed`: known before anything is trained, so
 * a batch of runs can be handed to an executor as jobs
 * (`lib/execute/model_jobs.ts`).
 */
export function classifierRunId(
  name: string,
  params: ClassifierRunSpec["params"],
  profile: Profile,
  seed: number,
): string {
  return runId(name, runParams(params, profile), seed);
}

/** The split sizes of a run's arrays, as its record states them. */
export function splitSizes(
  data: {
    train: { labels: ArrayLike<unknown> };
    validation: { labels: ArrayLike<unknown> };
    test: { labels: ArrayLike<unknown> };
  },
): { train: number; validation: number; test: number } {
  return {
    train: data.train.labels.length,
    validation: data.validation.labels.length,
    test: data.test.labels.length,
  };
}

/** Trains, evaluates and records a run that has no complete record (the caller holds its claim). */
async function trainClassifier(
  spec: ClassifierRunSpec,
  params: ClassifierRunSpec["params"],
  root: string,
): Promise<ClassifierRunResult> {
  const { data, profile } = spec;
  const classes = data.classNames.length;
  const run = await RunRecord.start({
    name: spec.name,
    params,
    seed: spec.seed,
    dataset: spec.dataset,
    splits: splitSizes(data),
    backend: backendRef(spec.backend),
    tags: {
      ...spec.tags,
      study: spec.study,
      profile: profile.name,
      ...(spec.standIn ? { standIn: spec.standIn } : {}),
    },
  }, { root });
  const train = toTensors(data.train, classes);
  // No validation images: the fit runs its epochs without validation (the
  // profile must not stop early then).
  const validation = data.validation.labels.length
    ? toTensors(data.validation, classes)
    : null;
  const test = toTensors(data.test, classes);
  const model = spec.build(spec.seed);
  try {
    const metrics = await recordEvaluatedRun(run, async () => {
      compileClassifier(model, spec.compile);
      const result = await fit(model, train, {
        ...profileFitOptions(profile, spec.seed),
        ...(validation ? { validation } : {}),
        checkpointPath: run.checkpointPath,
        augment: spec.augment,
      });
      const { predictions, metrics } = await evaluateClassifier(
        model,
        test.x,
        Array.from(data.test.labels),
        data.classNames,
        result,
      );
      return {
        history: result.history,
        predictions,
        files: spec.files,
        metrics,
        model,
        testImages: arrayImages(data.test),
      };
    });
    return { runId: run.id, dir: run.dir, metrics, reused: false };
  } finally {
    tf.dispose([train.x, train.y, test.x, test.y]);
    if (validation) tf.dispose([validation.x, validation.y]);
    model.dispose();
  }
}
