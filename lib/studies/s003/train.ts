/**
 * Study 003's network in training: per-head metrics, the fit with each
 * head's validation accuracy measured every epoch, and evaluation on a
 * split.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Profile } from "../../profiles.ts";
import {
  type BatchNormPlacement,
  buildMultiOutputCnn,
  MULTI_OUTPUT_HEADS,
  type MultiOutputHead,
} from "../../models/multi_output.ts";
import { compileClassifier } from "../../train/compile.ts";
import { fit, type FitResult } from "../../train/fit.ts";
import type { EpochLogs } from "../../train/epoch_logs.ts";
import type { ProgressReporter } from "../../train/progress.ts";
import { predictClasses } from "../../train/predict.ts";
import type { HeadPredictions } from "../../runs/run_json.ts";
import {
  type ClassifierMetrics,
  classifierMetrics,
} from "../../runs/classifier_metrics.ts";
import { profileFitOptions } from "../../execute/classifier_run.ts";
import {
  type HeadAccuracies,
  type MultiHeadArrays,
  multiHeadTensors,
  type Study003Data,
} from "./data.ts";

// ------------------------------------------------------------------ metrics

/** What a multi-output run writes to `metrics.json`. */
export interface MultiOutputMetrics {
  /** Test metrics of each head (accuracy, n, intervals, confusion, report). */
  heads: Record<MultiOutputHead, ClassifierMetrics>;
  /** Mean of the heads' test accuracies (the study's measure of success). */
  averageAccuracy: number;
  /** Validation accuracies of the epoch whose weights were kept. */
  validation: HeadAccuracies | null;
}

/**
 * Per-head metrics and their averaged accuracy.
 *
 * @param trueLabels true class per test image, per head
 * @param predicted predicted class per test image, per head
 */
export function multiOutputMetrics(
  trueLabels: Record<MultiOutputHead, ArrayLike<number>>,
  predicted: Record<MultiOutputHead, ArrayLike<number>>,
  classNames: Record<MultiOutputHead, string[]>,
  validation: HeadAccuracies | null,
): MultiOutputMetrics {
  const heads = Object.fromEntries(MULTI_OUTPUT_HEADS.map((h) => [
    h,
    classifierMetrics(
      Array.from(trueLabels[h]),
      Array.from(predicted[h]),
      classNames[h],
      validation?.[h] ?? null,
    ),
  ])) as Record<MultiOutputHead, ClassifierMetrics>;
  return {
    heads,
    averageAccuracy: MULTI_OUTPUT_HEADS.reduce(
      (sum, h) => sum + heads[h].accuracy,
      0,
    ) / MULTI_OUTPUT_HEADS.length,
    validation,
  };
}

// ------------------------------------------------------------------ training

/** The network's hyperparameters (see `buildMultiOutputCnn`). */
export interface MultiOutputSettings {
  /** BatchNormalization placement. */
  batchNorm: BatchNormPlacement;
  /** Dropout after the shared dense layer (0: none). */
  dropout: number;
  /** Filters of the first block; default 32. */
  filters?: number;
  /** Kernel size; default 3. */
  kernelSize?: number;
  /** Shared dense units; default 128. */
  denseSize?: number;
  /** Convolution blocks; default 3. */
  blocks?: number;
}

/** The settings of the untuned network: no BatchNorm, no dropout. */
export const STUDY_003_BASE_SETTINGS: MultiOutputSettings = {
  batchNorm: "none",
  dropout: 0,
};

/** A trained network and its fit. */
export interface TrainedMultiOutput {
  /** The model, holding the weights of the kept epoch. */
  model: tf.LayersModel;
  /** The fit, its history cleaned by {@linkcode cleanValidationLogs}. */
  fit: FitResult;
  /** Validation accuracies of the kept weights, measured on the validation split. */
  validation: HeadAccuracies;
}

/**
 * One epoch's logs with the per-head validation accuracies measured at the
 * end of the epoch, when known, written as `val_<head>_acc` with their mean
 * as `val_average_acc`.
 */
export function cleanValidationLogs(
  logs: EpochLogs,
  measured: HeadAccuracies | undefined,
): EpochLogs {
  const out = { ...logs };
  if (measured) {
    for (const h of MULTI_OUTPUT_HEADS) out[`val_${h}_acc`] = measured[h];
    out.val_average_acc = measured.average;
  }
  return out;
}

/**
 * Builds, compiles (Adam, categorical cross-entropy on every head) and fits
 * the network on the training split with the profile's epochs, batch size
 * and early stopping, validating after every epoch. Each head's validation
 * accuracy is measured by prediction at the end of every epoch (and for the
 * kept weights at the end), independently of the fit loop's `evaluate`.
 */
export async function trainMultiOutput(
  data: Pick<Study003Data, "train" | "validation" | "classNames">,
  settings: MultiOutputSettings,
  options: {
    profile: Profile;
    seed: number;
    checkpointPath?: string;
    progress?: ProgressReporter;
  },
): Promise<TrainedMultiOutput> {
  const { profile, seed } = options;
  const classes = Object.fromEntries(
    MULTI_OUTPUT_HEADS.map((h) => [h, data.classNames[h].length]),
  ) as Record<MultiOutputHead, number>;
  const model = buildMultiOutputCnn({
    classes,
    seed,
    inputShape: data.train.shape,
    batchNorm: settings.batchNorm,
    dropout: settings.dropout,
    filters: settings.filters,
    kernelSize: settings.kernelSize,
    denseSize: settings.denseSize,
    blocks: settings.blocks,
  });
  const train = multiHeadTensors(data.train, data.classNames);
  const validation = multiHeadTensors(data.validation, data.classNames);
  const measured = new Map<number, HeadAccuracies>();
  const progress: ProgressReporter = {
    update: (state) => options.progress?.update(state),
    epochEnd: async (state) => {
      const accuracies = await accuraciesOn(
        model,
        data.validation,
        data.classNames,
      );
      measured.set(state.epoch, accuracies);
      await options.progress?.epochEnd({
        ...state,
        metrics: cleanValidationLogs(state.metrics, accuracies),
      });
    },
    done: (message) => options.progress?.done(message),
  };
  try {
    compileClassifier(model);
    const result = await fit(model, train, {
      ...profileFitOptions(profile, seed),
      validation,
      checkpointPath: options.checkpointPath,
      progress,
    });
    const history = result.history.map((logs, i) =>
      cleanValidationLogs(logs, measured.get(logs.epoch ?? i))
    );
    const kept = await accuraciesOn(model, data.validation, data.classNames);
    return { model, fit: { ...result, history }, validation: kept };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose([train.x, ...train.y, validation.x, ...validation.y]);
  }
}

/** Predicts the test split with every head: predictions for the run record and metrics. */
export async function evaluateMultiOutput(
  model: tf.LayersModel,
  test: MultiHeadArrays,
  classNames: Record<MultiOutputHead, string[]>,
  validation: HeadAccuracies | null,
): Promise<{
  predictions: { heads: Record<MultiOutputHead, HeadPredictions> };
  metrics: MultiOutputMetrics;
}> {
  const { x, y } = multiHeadTensors(test, classNames);
  try {
    const out = await predictClasses(model, x);
    const predicted = Object.fromEntries(
      MULTI_OUTPUT_HEADS.map((h, i) => [h, out[i].predicted]),
    ) as Record<MultiOutputHead, number[]>;
    const heads = Object.fromEntries(MULTI_OUTPUT_HEADS.map((h, i) => [h, {
      classNames: classNames[h],
      trueLabels: Array.from(test.labels[h]),
      predictedLabels: out[i].predicted,
      probabilities: out[i].probabilities,
    }])) as Record<MultiOutputHead, HeadPredictions>;
    return {
      predictions: { heads },
      metrics: multiOutputMetrics(
        test.labels,
        predicted,
        classNames,
        validation,
      ),
    };
  } finally {
    tf.dispose([x, ...y]);
  }
}

/** Accuracy of each head (and their mean) of `model` on a split. */
export async function accuraciesOn(
  model: tf.LayersModel,
  split: MultiHeadArrays,
  classNames: Record<MultiOutputHead, string[]>,
): Promise<HeadAccuracies> {
  const { x, y } = multiHeadTensors(split, classNames);
  try {
    const out = await predictClasses(model, x);
    const acc = Object.fromEntries(MULTI_OUTPUT_HEADS.map((h, i) => {
      const truth = split.labels[h];
      const right = out[i].predicted.filter((p, k) => p === truth[k]).length;
      return [h, truth.length === 0 ? 0 : right / truth.length];
    })) as HeadAccuracies;
    acc.average = MULTI_OUTPUT_HEADS.reduce((a, h) => a + acc[h], 0) /
      MULTI_OUTPUT_HEADS.length;
    return acc;
  } finally {
    tf.dispose([x, ...y]);
  }
}
