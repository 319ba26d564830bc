/**
 * Primary-model variants that try to carry over from the stand-in's product
 * photos to photos the models never saw (the shop's own photos, street
 * photos). Every variant trains on the stand-in's training split only, is
 * chosen and stopped on its validation split only, and is tested once on
 * the stand-in test split; the photo checks come after (notebook 12).
 *
 * What varies:
 *
 * - the network: the study's primary CNN (`PRIMARY_BEST`: architecture 1,
 *   kernel 3, 64 filters; Adam at 1e-4 as every wide study model here), or
 *   a frozen ImageNet MobileNetV2 with a new softmax head
 *   (`lib/models/pretrained_classifier.ts`);
 * - the augmentation, composed in this order: the study's orientation
 *   augmentation (random left-right mirror); geometric (rotation ±20°,
 *   shift 10%, zoom ±10%, mirror, edges extended); placement (zoom out up to
 *   40%, shift up to 20% across and 30% down/up, rotation ±30°, mirror,
 *   white fill: an object's size and position stop being a cue); stretch (a
 *   vertical stretch by up to 2: boots, which the stand-in lacks) or tall
 *   stretch (taller for its width by up to 4, half of it a vertical
 *   stretch, half a narrowing: a side-on shoe is about half as tall as
 *   long, a knee-high boot about twice as tall as long); backdrop
 *   (the white background replaced by a random colour, gradient or noise in
 *   80% of the images); photometric (brightness, contrast, saturation, blur).
 *
 * The CNN variants augment every batch (`fit`'s augmentation stream); the
 * MobileNetV2 variants precompute base features for the original training
 * images and `profile.variantCopies` augmented copies of each (times the
 * variant's `copyFactor`), and train the head on those. A variant with
 * `fineTuneBlocks` caches the base's features below its top blocks instead
 * and trains those blocks with the head, at a tenth of the head's learning
 * rate (pretrained weights move little). The ranges are ours (the studies give none); the
 * study-faithful primary model stays the reproduction (notebook 03).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import {
  applyTransform,
  augmentBatch,
  randomFlipBatch,
} from "../../data/images/augment.ts";
import { randomBackdropBatch } from "../../data/images/backdrop.ts";
import { photometricBatch } from "../../data/images/photometric.ts";
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
import type { Profile } from "../../profiles.ts";
import { reuseOrTrain } from "../../execute/run_claim.ts";
import {
  type LevelData,
  type ShopArraysSource,
  shopDatasetRef,
} from "./data.ts";
import { PRIMARY_BEST, WIDE_DENSE_LEARNING_RATE } from "./specs.ts";
import { specParams } from "./train.ts";

/** One augmentation step (see the module docs). */
export type AugmentStep =
  | "orientation"
  | "geometric"
  | "stretch"
  | "tall-stretch"
  | "placement"
  | "backdrop"
  | "photometric";

/** A primary-model variant. */
export interface PrimaryVariant {
  /** Short id, part of the run name. */
  id: string;
  /** What it is, for tables. */
  title: string;
  /** The study's primary CNN or a frozen MobileNetV2 with a new head. */
  network: "study-cnn" | "mobilenetv2";
  /** MobileNetV2 only: frame each image around its object (non-white box) first. */
  frameObject?: boolean;
  /** Augmentation steps, applied in the module docs' order. */
  augment: readonly AugmentStep[];
  /**
   * MobileNetV2 only: augmented copies of each training image as a multiple
   * of the profile's `variantCopies`; default 1.
   */
  copyFactor?: number;
  /** MobileNetV2 only: top blocks of the base that train with the head; default 0 (frozen). */
  fineTuneBlocks?: number;
}

/** The variants notebook 12 compares, the study's model first. */
export const PRIMARY_VARIANTS: readonly PrimaryVariant[] = [
  {
    id: "study",
    title: "the study's primary CNN, no augmentation",
    network: "study-cnn",
    augment: [],
  },
  {
    id: "orientation",
    title: "the study's CNN + the study's orientation augmentation",
    network: "study-cnn",
    augment: ["orientation"],
  },
  {
    id: "geometric-photometric",
    title: "the study's CNN + geometric and photometric augmentation",
    network: "study-cnn",
    augment: ["geometric", "photometric"],
  },
  {
    id: "placement",
    title: "the study's CNN + random scale and placement",
    network: "study-cnn",
    augment: ["placement"],
  },
  {
    id: "backdrop",
    title: "the study's CNN + random backgrounds",
    network: "study-cnn",
    augment: ["backdrop"],
  },
  {
    id: "placement-backdrop-photometric",
    title: "the study's CNN + placement, backgrounds and photometric",
    network: "study-cnn",
    augment: ["placement", "backdrop", "photometric"],
  },
  {
    id: "mobilenetv2",
    title: "frozen MobileNetV2 + new head, no augmentation",
    network: "mobilenetv2",
    augment: [],
  },
  {
    id: "mobilenetv2-placement-backdrop-photometric",
    title:
      "frozen MobileNetV2 + new head, placement, backgrounds and photometric",
    network: "mobilenetv2",
    augment: ["placement", "backdrop", "photometric"],
  },
  {
    id: "mobilenetv2-placement-stretch-backdrop-photometric",
    title:
      "frozen MobileNetV2 + new head, placement, vertical stretch, backgrounds and photometric",
    network: "mobilenetv2",
    augment: ["placement", "stretch", "backdrop", "photometric"],
  },
  {
    id: "mobilenetv2-frame",
    title: "frozen MobileNetV2 + new head, each image framed around its object",
    network: "mobilenetv2",
    frameObject: true,
    augment: [],
  },
  {
    id: "mobilenetv2-frame-geometric-backdrop-photometric",
    title:
      "frozen MobileNetV2 + new head, object framing, geometric, backgrounds and photometric",
    network: "mobilenetv2",
    frameObject: true,
    augment: ["geometric", "backdrop", "photometric"],
  },
  {
    id: "mobilenetv2-placement-stretch-backdrop-photometric-x4",
    title:
      "frozen MobileNetV2 + new head, placement, vertical stretch, backgrounds and photometric, four times the augmented copies",
    network: "mobilenetv2",
    augment: ["placement", "stretch", "backdrop", "photometric"],
    copyFactor: 4,
  },
  {
    id: "mobilenetv2-finetune-placement-stretch-backdrop-photometric",
    title:
      "MobileNetV2 with its last block fine-tuned + new head, placement, vertical stretch, backgrounds and photometric, twice the augmented copies",
    network: "mobilenetv2",
    augment: ["placement", "stretch", "backdrop", "photometric"],
    copyFactor: 2,
    fineTuneBlocks: 1,
  },
  {
    id: "mobilenetv2-placement-tallstretch-backdrop-photometric-x4",
    title:
      "frozen MobileNetV2 + new head, placement, tall stretch (up to 4), backgrounds and photometric, four times the augmented copies",
    network: "mobilenetv2",
    augment: ["placement", "tall-stretch", "backdrop", "photometric"],
    copyFactor: 4,
  },
];

/**
 * The variant offered as the primary model's option for photos from outside
 * the stand-in (`trainPrimaryVariant(context, source, data,
 * primaryVariant(ROBUST_PRIMARY))`): of the variants above, the best on
 * the shop and street photos at the course profile (notebook 12, README).
 * The study-faithful model stays the reproduction.
 */
export const ROBUST_PRIMARY =
  "mobilenetv2-placement-stretch-backdrop-photometric";

/** The variant with `id`; throws naming the known ids otherwise. */
export function primaryVariant(id: string): PrimaryVariant {
  const found = PRIMARY_VARIANTS.find((v) => v.id === id);
  if (!found) {
    throw new Error(
      `No primary variant "${id}"; use one of ${
        PRIMARY_VARIANTS.map((v) => v.id).join(", ")
      }`,
    );
  }
  return found;
}

const GEOMETRIC = {
  rotationRange: 20,
  widthShiftRange: 0.1,
  heightShiftRange: 0.1,
  zoomRange: 0.1,
  horizontalFlip: true,
  fillMode: "nearest" as const,
  fillValue: 0,
};

const PLACEMENT = {
  rotationRange: 30,
  widthShiftRange: 0.2,
  heightShiftRange: 0.3,
  zoomRange: 0.4,
  horizontalFlip: true,
  fillMode: "constant" as const,
  fillValue: 1,
};

/**
 * Each image stretched vertically by a factor drawn from [1, 2] about its
 * centre (white where nothing is sampled): a low shoe becomes a boot-like
 * tall one. The stand-in has no boots, the shop sells many.
 */
export function stretchBatch(
  batch: Float32Array,
  shape: readonly [number, number, number, number],
  rng: Rng,
): Float32Array {
  return scaleEach(batch, shape, () => {
    const factor = 1 + rng.next();
    return { zx: 1 / factor, zy: 1 };
  });
}

/** Each image of `batch` scaled about its centre by the zoom `zoomOf()` draws for it (white where nothing is sampled). */
function scaleEach(
  batch: Float32Array,
  shape: readonly [number, number, number, number],
  zoomOf: () => { zx: number; zy: number },
): Float32Array {
  const [n, h, w, c] = shape;
  const size = h * w * c;
  const out = new Float32Array(batch.length);
  for (let i = 0; i < n; i++) {
    applyTransform(
      batch.subarray(i * size, (i + 1) * size),
      out.subarray(i * size, (i + 1) * size),
      h,
      w,
      c,
      { theta: 0, tx: 0, ty: 0, ...zoomOf(), flip: false },
      "constant",
      1,
    );
  }
  return out;
}

/**
 * Each image made taller for its width by a factor drawn from [1, 4] about
 * its centre: stretched vertically by the factor's square root and
 * narrowed by it (white where nothing is sampled), so that an object as
 * tall as a quarter of the frame stays inside it. A side-on shoe, about
 * half as tall as long, gets a knee-high boot's proportions.
 */
export function tallStretchBatch(
  batch: Float32Array,
  shape: readonly [number, number, number, number],
  rng: Rng,
): Float32Array {
  return scaleEach(batch, shape, () => {
    const root = Math.sqrt(1 + 3 * rng.next());
    return { zx: 1 / root, zy: root };
  });
}

const ORDER: readonly AugmentStep[] = [
  "orientation",
  "geometric",
  "stretch",
  "tall-stretch",
  "placement",
  "backdrop",
  "photometric",
];

/**
 * The variant's augmentation of a float batch (0..1), its steps in the
 * fixed order; `undefined` for none.
 */
export function variantAugment(
  steps: readonly AugmentStep[],
): ArrayAugment | undefined {
  if (steps.length === 0) return undefined;
  const chosen = ORDER.filter((s) => steps.includes(s));
  return (batch, shape, rng) => {
    let out = batch;
    for (const step of chosen) {
      out = step === "orientation"
        ? randomFlipBatch(out, shape, rng)
        : step === "geometric"
        ? augmentBatch(out, shape, rng, GEOMETRIC)
        : step === "stretch"
        ? stretchBatch(out, shape, rng)
        : step === "tall-stretch"
        ? tallStretchBatch(out, shape, rng)
        : step === "placement"
        ? augmentBatch(out, shape, rng, PLACEMENT)
        : step === "backdrop"
        ? randomBackdropBatch(out, shape, rng)
        : photometricBatch(out, shape, rng);
    }
    return out;
  };
}

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
