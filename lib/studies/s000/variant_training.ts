/**
 * Training a primary variant into its run record: the study's CNN with the
 * variant's augmentation on every batch, or the frozen MobileNetV2 whose
 * features are computed once for the training images and the variant's
 * augmented copies, with a new head trained on them (and, for a variant
 * with `fineTuneBlocks`, the base's top blocks trained with it). The
 * variants themselves are in `primary_variants.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import type { LabelledArrays } from "../../data/labelled_arrays.ts";
import { createRng, hashString, type Rng } from "../../random.ts";
import { buildStudyCnn } from "../../models/study_cnn.ts";
import { loadMobileNetV2Base } from "../../models/transfer.ts";
import { buildPretrainedClassifier } from "../../models/pretrained_classifier.ts";
import { type ArrayAugment, arrayAugment } from "../../train/array_augment.ts";
import { compileClassifier } from "../../train/compile.ts";
import { fit } from "../../train/fit.ts";
import {
  classifierRunId,
  type ClassifierRunResult,
  evaluateClassifier,
  profileFitOptions,
  recordEvaluatedRun,
  runClassifier,
  splitSizes,
  toTensors,
} from "../../execute/classifier_run.ts";
import type { ClassifierMetrics } from "../../runs/classifier_metrics.ts";
import { backendRef, type LabContext } from "../../runs/lab_context.ts";
import { DEFAULT_RUNS_ROOT, RunRecord } from "../../runs/record.ts";
import { runId } from "../../runs/run_id.ts";
import { getProfile, type Profile } from "../../profiles.ts";
import { reuseOrTrain } from "../../execute/run_claim.ts";
import {
  type LevelData,
  type ShopArraysSource,
  shopDatasetRef,
} from "./data.ts";
import { PRIMARY_BEST, WIDE_DENSE_LEARNING_RATE } from "./specs.ts";
import { specParams } from "./train.ts";
import { type PrimaryVariant } from "./primary_variants.ts";
import { variantAugment } from "./variant_augment.ts";

/**
 * Augmented copies of each training image a pretrained variant's head
 * trains on at `profile`: none without augmentation, else the profile's
 * `variantCopies` times the variant's `copyFactor`.
 */
export function variantCopyCount(
  variant: PrimaryVariant,
  profile: { variantCopies: number },
): number {
  return variant.augment.length
    ? profile.variantCopies * (variant.copyFactor ?? 1)
    : 0;
}

/** The run name of a variant. */
export const variantRunName = (v: PrimaryVariant) => `Primary variant ${v.id}`;

function variantTags(v: PrimaryVariant): Record<string, string> {
  return { model: "Primary variant", variant: v.id, level: "Primary" };
}

/**
 * Trains (or reuses) one variant on the primary task's arrays and tests it
 * once on the stand-in's test split, into a run record tagged study `000`,
 * `variant` and level `Primary`.
 */
export async function trainPrimaryVariant(
  context: LabContext,
  source: ShopArraysSource,
  data: LevelData,
  variant: PrimaryVariant,
  runsRoot?: string,
): Promise<ClassifierRunResult> {
  const job = { context, source, data, variant, runsRoot };
  return variant.network === "study-cnn"
    ? await trainCnnVariant(job)
    : await trainPretrainedVariant(job);
}

/** What training one variant takes. */
interface VariantJob {
  context: LabContext;
  source: ShopArraysSource;
  data: LevelData;
  variant: PrimaryVariant;
  runsRoot?: string;
}

/**
 * The training photos per class of `profile` where they differ from its
 * named profile's own cap (a point of notebook 12's data curve, trained
 * with {@linkcode withTrainCap}), as a run parameter; nothing otherwise,
 * so that every other run keeps its id.
 */
function trainCapParam(
  profile: Profile,
): { trainPerClass?: number | "all" } {
  return profile.maxTrainPerClass === getProfile(profile.name).maxTrainPerClass
    ? {}
    : { trainPerClass: profile.maxTrainPerClass ?? "all" };
}

/**
 * `profile` with at most `perClass` training photos per class: a variant
 * trained with it records the cap among its parameters (another run id).
 */
export function withTrainCap(profile: Profile, perClass: number): Profile {
  if (!Number.isInteger(perClass) || perClass < 1) {
    throw new Error(
      `A training cap must be a positive whole number of photos per class, got ${perClass}`,
    );
  }
  return { ...profile, maxTrainPerClass: perClass };
}

/** A CNN variant's profile (the variants' epochs) and parameters: what its run id is made of. */
function cnnVariantRun(variant: PrimaryVariant, profile: Profile) {
  const variantProfile = { ...profile, epochs: profile.variantEpochs };
  return {
    profile: variantProfile,
    params: {
      ...specParams(PRIMARY_BEST),
      learningRate: WIDE_DENSE_LEARNING_RATE,
      network: variant.network,
      augment: variant.augment.join("+") || "none",
      epochs: variantProfile.epochs,
      ...trainCapParam(profile),
    },
  };
}

async function trainCnnVariant(
  { context, source, data, variant, runsRoot }: VariantJob,
): Promise<ClassifierRunResult> {
  const augment = variantAugment(variant.augment);
  const { profile, params } = cnnVariantRun(variant, context.profile);
  return await runClassifier({
    name: variantRunName(variant),
    study: "000",
    build: (seed) =>
      buildStudyCnn({
        ...PRIMARY_BEST.options,
        classes: data.classNames.length,
        seed,
      }),
    params,
    data,
    dataset: shopDatasetRef(source),
    standIn: source.standIn,
    profile,
    seed: context.seed,
    backend: context.backend,
    compile: { learningRate: WIDE_DENSE_LEARNING_RATE },
    augment: augment ? arrayAugment(augment) : undefined,
    runsRoot,
    tags: variantTags(variant),
  });
}

/**
 * Epochs of the pretrained variants' head (on cached features; cheap) at
 * profiles that train to convergence; `smoke` trains its one epoch.
 */
export const HEAD_EPOCHS = 40;

/** Base features of `arrays` and of `copies` augmented copies (seeded), with their labels. */
async function augmentedFeatures(
  features: tf.LayersModel,
  arrays: LabelledArrays,
  copies: number,
  augment: ArrayAugment | undefined,
  rng: Rng,
): Promise<{ x: tf.Tensor; labels: number[] }> {
  const [h, w, c] = arrays.shape;
  const n = arrays.labels.length;
  const size = h * w * c;
  const parts: tf.Tensor[] = [];
  const labels: number[] = [];
  const scaled = Float32Array.from(
    arrays.images,
    (v) => arrays.images instanceof Uint8Array ? v / 255 : v,
  );
  const batch = 32;
  for (let copy = 0; copy <= (augment ? copies : 0); copy++) {
    for (let start = 0; start < n; start += batch) {
      const m = Math.min(batch, n - start);
      let pixels: Float32Array = scaled.subarray(
        start * size,
        (start + m) * size,
      );
      if (copy > 0) pixels = augment!(pixels.slice(), [m, h, w, c], rng);
      const part = tf.tidy(() =>
        features.predict(tf.tensor4d(pixels, [m, h, w, c])) as tf.Tensor
      );
      await part.data();
      parts.push(part);
      for (let i = start; i < start + m; i++) labels.push(arrays.labels[i]);
    }
  }
  const x = tf.concat(parts);
  tf.dispose(parts);
  return { x, labels };
}

/** A pretrained variant's parameters: what its run id is made of. */
function pretrainedVariantParams(variant: PrimaryVariant, profile: Profile) {
  const fineTuneBlocks = variant.fineTuneBlocks ?? 0;
  return {
    network: variant.network,
    base: "mobilenet-v2-0.35-224-notop",
    augment: variant.augment.join("+") || "none",
    copies: variantCopyCount(variant, profile),
    frameObject: variant.frameObject ?? false,
    // Only where set, so that the other variants' run ids stay as they were.
    ...(fineTuneBlocks ? { fineTuneBlocks } : {}),
    dropout: 0.5,
    learningRate: fineTuneBlocks ? 1e-4 : 1e-3,
    epochs: profile.studyEpochs ? HEAD_EPOCHS : profile.epochs,
    batchSize: profile.batchSize,
    patience: profile.patience ?? "none",
    profile: profile.name,
    ...trainCapParam(profile),
  };
}

/**
 * The run id {@linkcode trainPrimaryVariant} gives `variant` at the
 * context's profile and seed: known before training, so the variants can
 * go to an executor as one batch of jobs.
 */
export function primaryVariantRunId(
  variant: PrimaryVariant,
  profile: Profile,
  seed: number,
): string {
  const name = variantRunName(variant);
  if (variant.network === "study-cnn") {
    const run = cnnVariantRun(variant, profile);
    return classifierRunId(name, run.params, run.profile, seed);
  }
  return runId(name, pretrainedVariantParams(variant, profile), seed);
}

async function trainPretrainedVariant(
  job: VariantJob,
): Promise<ClassifierRunResult> {
  const { context, source, variant, runsRoot } = job;
  const params = pretrainedVariantParams(variant, context.profile);
  const name = variantRunName(variant);
  const root = runsRoot ?? DEFAULT_RUNS_ROOT;
  const id = runId(name, params, context.seed);
  const dir = join(root, id);
  return await reuseOrTrain<ClassifierMetrics, ClassifierRunResult>(
    dir,
    shopDatasetRef(source),
    (metrics) => ({ runId: id, dir, metrics, reused: true }),
    () => trainHead(job, name, params),
  );
}

/** Trains a pretrained variant's head on cached features into its record (the caller holds the run's claim). */
async function trainHead(
  { context, source, data, variant, runsRoot }: VariantJob,
  name: string,
  params: ReturnType<typeof pretrainedVariantParams>,
): Promise<ClassifierRunResult> {
  const { profile, seed } = context;
  const augment = variantAugment(variant.augment);
  const fineTuneBlocks = variant.fineTuneBlocks ?? 0;
  const classes = data.classNames.length;
  const run = await RunRecord.start({
    name,
    params,
    seed,
    dataset: shopDatasetRef(source),
    splits: splitSizes(data),
    backend: backendRef(context.backend),
    tags: {
      study: "000",
      profile: profile.name,
      ...(source.standIn ? { standIn: source.standIn } : {}),
      ...variantTags(variant),
    },
  }, { root: runsRoot });
  const base = await loadMobileNetV2Base();
  const model = buildPretrainedClassifier({
    base,
    inputShape: data.train.shape,
    classes,
    seed,
    dropout: params.dropout,
    frameObject: params.frameObject,
    fineTuneBlocks,
  });
  const tensors: tf.Tensor[] = [];
  try {
    const metrics = await recordEvaluatedRun(run, async () => {
      const rng = createRng(hashString(`${seed}:variant copies`));
      const train = await augmentedFeatures(
        model.features,
        data.train,
        params.copies,
        augment,
        rng,
      );
      const validation = await augmentedFeatures(
        model.features,
        data.validation,
        0,
        undefined,
        rng,
      );
      const oneHot = (labels: number[]) =>
        tf.oneHot(tf.tensor1d(labels, "int32"), classes).toFloat();
      const trainY = oneHot(train.labels);
      const validationY = oneHot(validation.labels);
      tensors.push(train.x, trainY, validation.x, validationY);
      compileClassifier(model.head, { learningRate: params.learningRate });
      const fitted = await fit(model.head, { x: train.x, y: trainY }, {
        ...profileFitOptions(profile, seed),
        epochs: params.epochs,
        validation: { x: validation.x, y: validationY },
        checkpointPath: run.checkpointPath,
      });
      const test = toTensors(data.test, classes);
      tensors.push(test.x, test.y);
      const { predictions, metrics } = await evaluateClassifier(
        model.full,
        test.x,
        Array.from(data.test.labels),
        data.classNames,
        fitted,
        32,
      );
      return {
        history: fitted.history,
        predictions,
        metrics,
        model: model.full,
      };
    });
    return { runId: run.id, dir: run.dir, metrics, reused: false };
  } finally {
    tf.dispose(tensors);
    model.full.dispose();
  }
}
