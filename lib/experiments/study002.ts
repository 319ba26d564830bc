/**
 * Study 002: dress / pullover / shirt, a CNN trained from scratch against a
 * pretrained ImageNet CNN with a new head (the study used VGG16 and
 * ResNet50), data augmentation, two train/validation splits (80/20 and
 * 50/50 of the images left after a 20% test set) and a t-based 95%
 * confidence interval of the test accuracy.
 *
 * What stands in for what:
 *
 * - **Data.** The study's own scraped photos are not public. The clothing
 *   photos of `clothing-dataset-small` have `dress` and `shirt`, and
 *   `longsleeve` (long-sleeved tops) is the nearest class to the study's
 *   `pullover`. The dataset's own train / validation / test folders are
 *   pooled and re-split the study's way: per class a seeded 20% test set,
 *   then the rest split 80/20 or 50/50 into training and validation. Both
 *   schemes use the same test images and the same pool, so 50/50 simply
 *   trains on fewer images, as in the study. The profile caps the images per
 *   class (see {@linkcode planStudy002Splits}); the classes are not balanced
 *   at `full` (288 dress, 576 longsleeve, 345 shirt photos).
 * - **Pretrained base.** MobileNetV2 (width 0.35, ImageNet weights) from the
 *   dataset mirror instead of VGG16 / ResNet50: it is the pretrained base
 *   available offline, and it is small enough (1.7 MB, about 60 MFLOPs per
 *   224x224 image) to run on a laptop CPU.
 * - **Baseline.** The study's "basic CNN" (one hidden layer, after the
 *   deeplizard tutorial it cites): Conv2D(32, 3x3, ReLU) → Flatten →
 *   Dense(3, softmax) on 224x224x3 inputs, Adam at 1e-4 (the tutorial's
 *   rate; the study reports 0.1 and 0.01, which left its network at chance).
 * - **Augmentation.** The study grew its data with Keras'
 *   `ImageDataGenerator` (rotations, shifts). The baseline draws a fresh
 *   random transform per image and batch (`augmentBatch` of
 *   lib/data/augment.ts, {@linkcode DEFAULT_AUGMENT}). The transfer model
 *   trains on features computed once, so it gets `augmentedCopies` fixed
 *   augmented copies of every training image instead (seeded per image).
 * - **Transfer model.** MobileNetV2 frozen, its features computed once
 *   (`extractFeatures`), and a new head (global average pooling, dropout
 *   0.5, softmax) trained on them with RMSprop at 2e-4 (the study's tuned
 *   VGG16 v2 settings) for the study's 40 epochs (20 x 2) at `course` and
 *   `full`, with the profile's early stopping. At `full`, the top {@linkcode FULL_FINE_TUNE_BLOCKS}
 *   MobileNetV2 blocks are fine-tuned with the head (the features are then
 *   the activations below them).
 *
 * Every model lands as a complete run record with tags `study: "002"`,
 * `profile`, `split` (`80/20` | `50/50`), `model` (`baseline` |
 * `mobilenetv2`) and `standIn`, and metrics from `classifierMetrics`
 * (accuracy, n, Wilson and t-based 95% intervals, confusion matrix,
 * per-class report).
 *
 * @example
 * ```ts
 * const lab = await startNotebook();
 * const study = await runStudy002(lab);
 * for (const run of study.runs) console.log(run.model, run.split, run.metrics.accuracy);
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import type { BackendChoice } from "../backend.ts";
import type { Profile } from "../profiles.ts";
import { createRng, hashString, shuffleInPlace } from "../random.ts";
import { datasetDir, readFingerprint } from "../data/fingerprint.ts";
import { decodeToRgb } from "../data/images.ts";
import {
  augmentBatch,
  type AugmentParams,
  DEFAULT_AUGMENT,
} from "../data/augment.ts";
import {
  buildTransferModel,
  extractFeatures,
  loadMobileNetV2Base,
  mirrorRoot,
  MOBILENET_V2_FOLDER,
} from "../models/transfer.ts";
import { seededInitializers } from "../models/seeding.ts";
import { compileClassifier, type CompileOptions } from "../train/compile.ts";
import { arrayAugment } from "../train/array_augment.ts";
import { type BatchAugment, fit } from "../train/fit.ts";
import {
  completeRunMetrics,
  type DatasetRef,
  DEFAULT_RUNS_ROOT,
  RunRecord,
} from "../runs/record.ts";
import { runId } from "../runs/run_id.ts";
import { type Interval } from "../eval/intervals.ts";
import { type McNemarResult, mcnemarTest } from "../eval/mcnemar.ts";
import {
  type ClassifierMetrics,
  evaluateClassifier,
  type LabelledArrays,
  profileFitOptions,
  recordEvaluatedRun,
  toTensors,
} from "./classifier_run.ts";

/** The dataset that stands in for the study's photos. */
export const STUDY_002_DATASET = "clothing-dataset-small";

/** The study's three classes and the folders of `clothing-dataset-small` that stand in for them. */
export const STUDY_002_CLASSES: readonly {
  /** The study's class. */
  study: string;
  /** The dataset's class folder used for it. */
  folder: string;
}[] = [
  { study: "dress", folder: "dress" },
  { study: "pullover", folder: "longsleeve" },
  { study: "shirt", folder: "shirt" },
];

/** The dataset's split folders, pooled before re-splitting. */
export const CLOTHING_SPLIT_FOLDERS = ["train", "validation", "test"] as const;

/** The two train/validation schemes of the study. */
export const SPLIT_SCHEMES = ["80/20", "50/50"] as const;

/** `80/20` or `50/50`: training / validation shares of the images left after the test set. */
export type SplitScheme = typeof SPLIT_SCHEMES[number];

/** Training share of each scheme. */
export const TRAIN_FRACTION: Record<SplitScheme, number> = {
  "80/20": 0.8,
  "50/50": 0.5,
};

/** Share of each class held out as the test set (the study: 20%, 600 images). */
export const STUDY_002_TEST_FRACTION = 0.2;

/** Side of the square images both models see (the study's 224x224). */
export const STUDY_002_IMAGE_SIZE = 224;

/** The two models. */
export const STUDY_002_MODELS = ["baseline", "mobilenetv2"] as const;

/** `baseline` (CNN from scratch) or `mobilenetv2` (pretrained base + new head). */
export type Study002Model = typeof STUDY_002_MODELS[number];

/** MobileNetV2 blocks fine-tuned at the `full` profile (0 at `smoke` and `course`). */
export const FULL_FINE_TUNE_BLOCKS = 2;

/** What the run records say about the stand-ins. */
export const STUDY_002_STAND_IN =
  "clothing-dataset-small photos, not the study's scraped images: 'longsleeve' stands in for 'pullover'; " +
  "the dataset's train/validation/test folders are pooled and re-split 20% test, then 80/20 or 50/50";

/** The stand-in note of the transfer runs (data and base). */
export const STUDY_002_TRANSFER_STAND_IN =
  `${STUDY_002_STAND_IN}; MobileNetV2 (0.35, ImageNet) stands in for VGG16 / ResNet50`;

/** One published result of study 002 (its "Final results table"). */
export interface Study002Published {
  /** The study's model name. */
  model: string;
  /** Midterm or final phase. */
  phase: "midterm" | "final";
  /** Its train/validation split. */
  split: SplitScheme;
  /** Test accuracy, when reported. */
  testAccuracy: number | null;
  /** The "accuracy range with 95% confidence" the study gives. */
  interval: { low: number; high: number };
  /** Which of our runs it corresponds to. */
  ours: Study002Model;
}

/** The study's results table. */
export const STUDY_002_PUBLISHED: readonly Study002Published[] = [
  {
    model: "Basic CNN",
    phase: "midterm",
    split: "80/20",
    testAccuracy: 0.30,
    interval: { low: 0.27, high: 0.33 },
    ours: "baseline",
  },
  {
    model: "VGG16 v1",
    phase: "midterm",
    split: "80/20",
    testAccuracy: 0.76,
    interval: { low: 0.75, high: 0.78 },
    ours: "mobilenetv2",
  },
  {
    model: "VGG16 v2",
    phase: "final",
    split: "80/20",
    testAccuracy: 0.95,
    interval: { low: 0.85, high: 1 },
    ours: "mobilenetv2",
  },
  {
    model: "VGG16 v3",
    phase: "final",
    split: "50/50",
    testAccuracy: 0.85,
    interval: { low: 0.58, high: 0.91 },
    ours: "mobilenetv2",
  },
  {
    model: "ResNet50",
    phase: "final",
    split: "80/20",
    testAccuracy: null,
    interval: { low: 0.57, high: 0.80 },
    ours: "mobilenetv2",
  },
];

/** One image of the pooled dataset. */
export interface Study002Item {
  /** `<split folder>/<class folder>/<file>`, unique. */
  id: string;
  /** Absolute or repository-relative file path. */
  path: string;
  /** Class index into {@linkcode STUDY_002_CLASSES}. */
  label: number;
}

/** The study's splits at one profile and seed. */
export interface Study002Plan {
  /** Images per class in the dataset (all three folders). */
  available: number[];
  /** The held-out test images, shared by every run. */
  test: Study002Item[];
  /** The images left after the test set, after the profile's cap; both schemes split this. */
  pool: Study002Item[];
  /** Training and validation images of each scheme. */
  schemes: Record<
    SplitScheme,
    { train: Study002Item[]; validation: Study002Item[] }
  >;
}

const IMAGE_FILE = /\.(jpe?g|png)$/i;

/**
 * Lists the images of the three classes, pooled over the dataset's
 * train / validation / test folders, sorted by id (so the listing does not
 * depend on the file system's order).
 *
 * @throws when a class folder is missing (the dataset is not installed).
 */
export function listStudy002Images(dir: string): Study002Item[] {
  const items: Study002Item[] = [];
  for (const split of CLOTHING_SPLIT_FOLDERS) {
    for (const [label, { folder }] of STUDY_002_CLASSES.entries()) {
      const classDir = join(dir, split, folder);
      let names: string[];
      try {
        names = [...Deno.readDirSync(classDir)]
          .filter((e) => e.isFile && IMAGE_FILE.test(e.name))
          .map((e) => e.name);
      } catch (error) {
        throw new Error(
          `Cannot list ${classDir} (${
            (error as Error).message
          }); install the data with: deno task data ${STUDY_002_DATASET} (add --mirror DIR when offline)`,
        );
      }
      for (const name of names) {
        items.push({
          id: `${split}/${folder}/${name}`,
          path: join(classDir, name),
          label,
        });
      }
    }
  }
  return items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Splits the pooled images the study's way, per class and seeded:
 *
 * 1. shuffle the class (the stream depends on the seed and the class);
 * 2. the first `round(20%)` are the test set, capped at the profile's
 *    `maxEvalPerClass`;
 * 3. of the rest, the pool keeps at most `ceil(maxTrainPerClass / 0.8)`
 *    images, so that the 80/20 scheme trains on at most `maxTrainPerClass`;
 * 4. each scheme trains on the first `round(fraction × pool)` of the pool
 *    and validates on the remainder.
 *
 * So both schemes share the test set and the pool, and 50/50 has fewer
 * training images than 80/20, as in the study.
 */
export function planStudy002Splits(
  items: readonly Study002Item[],
  profile: Pick<Profile, "maxTrainPerClass" | "maxEvalPerClass">,
  seed: number,
): Study002Plan {
  const classes = STUDY_002_CLASSES.length;
  const byClass: Study002Item[][] = Array.from({ length: classes }, () => []);
  for (const item of items) {
    if (!(item.label >= 0 && item.label < classes)) {
      throw new Error(`Item ${item.id} has label ${item.label}`);
    }
    byClass[item.label].push(item);
  }
  const plan: Study002Plan = {
    available: byClass.map((g) => g.length),
    test: [],
    pool: [],
    schemes: {
      "80/20": { train: [], validation: [] },
      "50/50": { train: [], validation: [] },
    },
  };
  const poolCap = profile.maxTrainPerClass === null
    ? Infinity
    : Math.ceil(profile.maxTrainPerClass / TRAIN_FRACTION["80/20"]);
  for (const [label, group] of byClass.entries()) {
    if (group.length < 4) {
      throw new Error(
        `Class ${
          STUDY_002_CLASSES[label].folder
        } has ${group.length} images; at least 4 are needed for test, training and validation`,
      );
    }
    const rng = createRng(
      hashString(`${seed}:study002:${STUDY_002_CLASSES[label].folder}`),
    );
    const shuffled = shuffleInPlace(
      [...group].sort((a, b) => (a.id < b.id ? -1 : 1)),
      rng,
    );
    const testCount = Math.max(
      1,
      Math.min(
        Math.round(STUDY_002_TEST_FRACTION * shuffled.length),
        profile.maxEvalPerClass ?? Infinity,
      ),
    );
    plan.test.push(...shuffled.slice(0, testCount));
    const pool = shuffled.slice(testCount, testCount + poolCap);
    plan.pool.push(...pool);
    for (const scheme of SPLIT_SCHEMES) {
      const trainCount = Math.min(
        pool.length - 1,
        Math.max(1, Math.round(TRAIN_FRACTION[scheme] * pool.length)),
      );
      plan.schemes[scheme].train.push(...pool.slice(0, trainCount));
      plan.schemes[scheme].validation.push(...pool.slice(trainCount));
    }
  }
  return plan;
}

/** The study's images at a profile, decoded once and shared by all runs. */
export interface Study002Data {
  /** Class names as in the dataset (`dress`, `longsleeve`, `shirt`). */
  classNames: string[];
  /** The study's names of the same classes (`dress`, `pullover`, `shirt`). */
  studyClassNames: string[];
  /** The splits. */
  plan: Study002Plan;
  /** Decoded 224x224x3 RGB (uint8) of every test and pool image, by id. */
  pixels: Map<string, Uint8Array>;
  /** The dataset id and fingerprint for run records. */
  dataset: DatasetRef;
  /** The dataset folder read. */
  dir: string;
}

/** Where {@linkcode loadStudy002Data} reads from. */
export interface Study002DataOptions {
  /** Dataset folder; default the installed `data/raw/clothing-dataset-small` (`FASHION_DATA_DIR`). */
  dir?: string;
  /** Dataset reference for run records; default read from the install's `FINGERPRINT.json`. */
  dataset?: DatasetRef;
  /** Files decoded at once; default 4. */
  concurrency?: number;
}

/**
 * Lists, splits ({@linkcode planStudy002Splits}) and decodes the three
 * classes at a profile: every image is fitted into 224x224 and padded with
 * white, as `decodeToRgb` does for every dataset of the workspace.
 */
export async function loadStudy002Data(
  profile: Pick<Profile, "maxTrainPerClass" | "maxEvalPerClass">,
  seed: number,
  options: Study002DataOptions = {},
): Promise<Study002Data> {
  const dir = options.dir ?? datasetDir(STUDY_002_DATASET);
  const dataset = options.dataset ?? {
    id: STUDY_002_DATASET,
    fingerprint: (await readFingerprint(STUDY_002_DATASET)).sha256,
  };
  const plan = planStudy002Splits(listStudy002Images(dir), profile, seed);
  const pixels = new Map<string, Uint8Array>();
  const todo = [...plan.test, ...plan.pool];
  const concurrency = options.concurrency ?? 4;
  for (let i = 0; i < todo.length; i += concurrency) {
    const chunk = todo.slice(i, i + concurrency);
    const decoded = await Promise.all(
      chunk.map((item) =>
        decodeToRgb(item.path, {
          width: STUDY_002_IMAGE_SIZE,
          height: STUDY_002_IMAGE_SIZE,
        }).catch((error) => {
          throw new Error(`Cannot decode ${item.path}: ${error.message}`);
        })
      ),
    );
    chunk.forEach((item, j) => pixels.set(item.id, decoded[j]));
  }
  return {
    classNames: STUDY_002_CLASSES.map((c) => c.folder),
    studyClassNames: STUDY_002_CLASSES.map((c) => c.study),
    plan,
    pixels,
    dataset,
    dir,
  };
}

/** The images of `items` as one uint8 array (224x224x3 each) with their labels. */
export function study002Arrays(
  data: Pick<Study002Data, "pixels">,
  items: readonly Study002Item[],
): LabelledArrays {
  const size = STUDY_002_IMAGE_SIZE * STUDY_002_IMAGE_SIZE * 3;
  const images = new Uint8Array(items.length * size);
  items.forEach((item, i) => {
    const rgb = data.pixels.get(item.id);
    if (!rgb) throw new Error(`Image ${item.id} was not loaded`);
    images.set(rgb, i * size);
  });
  return {
    images,
    shape: [STUDY_002_IMAGE_SIZE, STUDY_002_IMAGE_SIZE, 3],
    labels: items.map((item) => item.label),
  };
}

/** Options of {@linkcode buildBaselineCnn}. */
export interface BaselineCnnOptions {
  /** Seed of the initialisers. */
  seed: number;
  /** Output classes; default 3. */
  classes?: number;
  /** Input shape; default 224x224x3. */
  inputShape?: [number, number, number];
  /** Filters of the one convolution; default 32. */
  filters?: number;
  /** Its kernel size; default 3. */
  kernelSize?: number;
}

/**
 * The study's basic CNN (uncompiled): Conv2D(32, 3x3, ReLU) → Flatten →
 * Dense(classes, softmax), the one-hidden-layer network of the deeplizard
 * tutorial the study adapted.
 *
 * @example
 * ```ts
 * const model = buildBaselineCnn({ seed: 42 });
 * model.outputs[0].shape; // [null, 3]
 * ```
 */
export function buildBaselineCnn(options: BaselineCnnOptions): tf.Sequential {
  const init = seededInitializers(options.seed);
  const model = tf.sequential({ name: "study002_baseline_cnn" });
  model.add(tf.layers.conv2d({
    name: "conv_1",
    inputShape: options.inputShape ??
      [STUDY_002_IMAGE_SIZE, STUDY_002_IMAGE_SIZE, 3],
    filters: options.filters ?? 32,
    kernelSize: options.kernelSize ?? 3,
    activation: "relu",
    kernelInitializer: init.glorot("conv_1"),
  }));
  model.add(tf.layers.flatten({ name: "flatten" }));
  model.add(tf.layers.dense({
    name: "output",
    units: options.classes ?? 3,
    activation: "softmax",
    kernelInitializer: init.glorot("output"),
  }));
  return model;
}

/** Settings of the four runs; every field has a profile-dependent default. */
export interface Study002Settings {
  /** Baseline optimizer; default Adam at 1e-4. */
  baselineCompile: CompileOptions;
  /** Transfer optimizer; default RMSprop at 2e-4 (the study's VGG16 v2). */
  transferCompile: CompileOptions;
  /** Dropout of the transfer head; default 0.5 (the study's VGG16 v2). */
  transferDropout: number;
  /** MobileNetV2 blocks fine-tuned with the head: `full` {@linkcode FULL_FINE_TUNE_BLOCKS}, else 0. */
  fineTuneBlocks: number;
  /** Augmented copies of each training image whose features the transfer head also trains on; default 1. */
  augmentedCopies: number;
  /** The random transforms (both models); default {@linkcode DEFAULT_AUGMENT}. */
  augment: AugmentParams;
  /**
   * Epochs of the transfer model: at `smoke` the profile's (1); at `course`
   * and `full` the study's {@linkcode STUDY_002_EPOCHS}, with the profile's
   * early stopping (the head trains on precomputed features, well under a
   * second per epoch on a laptop CPU at `course`).
   */
  transferEpochs: number;
}

/** The study's training length: "trained over 20 epochs twice". */
export const STUDY_002_EPOCHS = 40;

/** The settings for a profile, with `overrides` applied. */
export function study002Settings(
  profile: Profile,
  overrides: Partial<Study002Settings> = {},
): Study002Settings {
  return {
    baselineCompile: { optimizer: "adam", learningRate: 1e-4 },
    transferCompile: { optimizer: "rmsprop", learningRate: 2e-4 },
    transferDropout: 0.5,
    fineTuneBlocks: profile.name === "full" ? FULL_FINE_TUNE_BLOCKS : 0,
    augmentedCopies: 1,
    augment: DEFAULT_AUGMENT,
    transferEpochs: profile.name === "smoke"
      ? profile.epochs
      : STUDY_002_EPOCHS,
    ...overrides,
  };
}

/** Profile, backend and seed (a notebook's `lab`). */
export interface Study002Context {
  /** The profile. */
  profile: Profile;
  /** The backend in use. */
  backend: BackendChoice;
  /** The run seed. */
  seed: number;
}

/** One of the four runs. */
export interface Study002Run {
  /** Which model. */
  model: Study002Model;
  /** Which split scheme. */
  split: SplitScheme;
  /** The run id (folder name under the runs root). */
  runId: string;
  /** The run folder. */
  dir: string;
  /** Test metrics. */
  metrics: ClassifierMetrics;
  /** Images in training, validation and test. */
  splits: { train: number; validation: number; test: number };
  /** True when a complete run with the same id existed and was reused. */
  reused: boolean;
}

/** Options shared by the run functions. */
export interface Study002RunOptions {
  /** Runs root; default `reports/runs`. */
  runsRoot?: string;
  /** Settings overrides (see {@linkcode study002Settings}). */
  settings?: Partial<Study002Settings>;
  /** MobileNetV2 folder; default the installed copy, else the mirror's. */
  baseDir?: string;
}

function baselineParams(
  profile: Profile,
  split: SplitScheme,
  settings: Study002Settings,
) {
  return {
    model: "baseline",
    split,
    filters: 32,
    kernelSize: 3,
    imageSize: STUDY_002_IMAGE_SIZE,
    optimizer: settings.baselineCompile.optimizer ?? "adam",
    learningRate: settings.baselineCompile.learningRate ?? 1e-3,
    augment: JSON.stringify(settings.augment),
    epochs: profile.epochs,
    batchSize: profile.batchSize,
    patience: profile.patience ?? "none",
    profile: profile.name,
  };
}

function transferParams(
  profile: Profile,
  split: SplitScheme,
  settings: Study002Settings,
) {
  return {
    model: "mobilenetv2",
    split,
    base: MOBILENET_V2_FOLDER,
    imageSize: STUDY_002_IMAGE_SIZE,
    input: "RGB scaled to [-1, 1]",
    fineTuneBlocks: settings.fineTuneBlocks,
    dropout: settings.transferDropout,
    optimizer: settings.transferCompile.optimizer ?? "adam",
    learningRate: settings.transferCompile.learningRate ?? 1e-3,
    augmentedCopies: settings.augmentedCopies,
    augment: JSON.stringify(settings.augment),
    epochs: settings.transferEpochs,
    batchSize: profile.batchSize,
    patience: profile.patience ?? "none",
    profile: profile.name,
  };
}

const BASELINE_NAME = "Study 002 baseline CNN";
const TRANSFER_NAME = "Study 002 MobileNetV2 transfer";

/**
 * The settings, parameters and runs root of one study 002 run, and its
 * result when a complete run with the same id exists (`previous`, to reuse
 * instead of training).
 */
async function prepareRun(
  context: Study002Context,
  data: Study002Data,
  split: SplitScheme,
  options: Study002RunOptions,
  model: Study002Model,
): Promise<{
  settings: Study002Settings;
  params: Record<string, string | number | boolean>;
  root: string;
  previous: Study002Run | null;
}> {
  const settings = study002Settings(context.profile, options.settings);
  const params = model === "baseline"
    ? baselineParams(context.profile, split, settings)
    : transferParams(context.profile, split, settings);
  const root = options.runsRoot ?? DEFAULT_RUNS_ROOT;
  const id = runId(
    model === "baseline" ? BASELINE_NAME : TRANSFER_NAME,
    params,
    context.seed,
  );
  const metrics = await completeRunMetrics<ClassifierMetrics>(join(root, id));
  const previous = metrics && {
    model,
    split,
    runId: id,
    dir: join(root, id),
    metrics,
    splits: splitSizes(data, split),
    reused: true,
  };
  return { settings, params, root, previous };
}

function tags(
  context: Study002Context,
  model: Study002Model,
  split: SplitScheme,
): Record<string, string> {
  return {
    study: "002",
    profile: context.profile.name,
    split,
    model,
    standIn: model === "baseline"
      ? STUDY_002_STAND_IN
      : STUDY_002_TRANSFER_STAND_IN,
  };
}

function splitSizes(data: Study002Data, split: SplitScheme) {
  return {
    train: data.plan.schemes[split].train.length,
    validation: data.plan.schemes[split].validation.length,
    test: data.plan.test.length,
  };
}

/** Trains, evaluates and records one model on prepared tensors. */
async function recordRun(args: {
  context: Study002Context;
  model: Study002Model;
  split: SplitScheme;
  name: string;
  params: Record<string, string | number | boolean>;
  data: Study002Data;
  root: string;
  network: tf.LayersModel;
  compile: CompileOptions;
  epochs: number;
  train: { x: tf.Tensor; y: tf.Tensor };
  validation: { x: tf.Tensor; y: tf.Tensor };
  testX: tf.Tensor;
  augment?: BatchAugment;
  /** The model saved with the run (default `network`). */
  saved?: tf.LayersModel;
}): Promise<Study002Run> {
  const { context, data, split } = args;
  const splits = splitSizes(data, split);
  const run = await RunRecord.start({
    name: args.name,
    params: args.params,
    seed: context.seed,
    dataset: data.dataset,
    splits,
    backend: {
      name: context.backend.name,
      device: context.backend.device,
      packages: context.backend.packages,
    },
    tags: tags(context, args.model, split),
  }, { root: args.root });
  const metrics = await recordEvaluatedRun(run, async () => {
    compileClassifier(args.network, args.compile);
    const result = await fit(args.network, args.train, {
      ...profileFitOptions(context.profile, context.seed),
      epochs: args.epochs,
      validation: args.validation,
      checkpointPath: run.checkpointPath,
      augment: args.augment,
      evaluateBatchSize: 32,
    });
    const { predictions, metrics } = await evaluateClassifier(
      args.network,
      args.testX,
      data.plan.test.map((item) => item.label),
      data.classNames,
      result,
      32,
    );
    return {
      history: result.history,
      predictions,
      files: {
        "split.json": {
          test: data.plan.test.map((i) => i.id),
          train: data.plan.schemes[split].train.map((i) => i.id),
          validation: data.plan.schemes[split].validation.map((i) => i.id),
        },
      },
      metrics,
      model: args.saved ?? args.network,
    };
  });
  return {
    model: args.model,
    split,
    runId: run.id,
    dir: run.dir,
    metrics,
    splits,
    reused: false,
  };
}

/**
 * Trains and evaluates the baseline CNN on one split scheme into a run
 * record (reused when a complete one with the same id exists), with a fresh
 * random transform of every training image in every batch.
 */
export async function runStudy002Baseline(
  context: Study002Context,
  data: Study002Data,
  split: SplitScheme,
  options: Study002RunOptions = {},
): Promise<Study002Run> {
  const prepared = await prepareRun(context, data, split, options, "baseline");
  if (prepared.previous) return prepared.previous;
  const { settings, params, root } = prepared;
  const classes = data.classNames.length;
  const scheme = data.plan.schemes[split];
  const train = toTensors(study002Arrays(data, scheme.train), classes);
  const validation = toTensors(
    study002Arrays(data, scheme.validation),
    classes,
  );
  const test = toTensors(study002Arrays(data, data.plan.test), classes);
  const network = buildBaselineCnn({ seed: context.seed, classes });
  try {
    return await recordRun({
      context,
      model: "baseline",
      split,
      name: BASELINE_NAME,
      params,
      data,
      root,
      network,
      compile: settings.baselineCompile,
      epochs: context.profile.epochs,
      train,
      validation,
      testX: test.x,
      augment: arrayAugment((batch, shape, rng) =>
        augmentBatch(batch, shape, rng, settings.augment)
      ),
    });
  } finally {
    tf.dispose([train.x, train.y, validation.x, validation.y, test.x, test.y]);
    network.dispose();
  }
}

/** Where the installed MobileNetV2 base lies, or the mirror's copy when it is not installed. */
export function mobileNetBaseDir(): string {
  const installed = datasetDir(MOBILENET_V2_FOLDER.split("/").at(-1)!);
  try {
    Deno.statSync(join(installed, "model.json"));
    return installed;
  } catch {
    return join(mirrorRoot(), MOBILENET_V2_FOLDER);
  }
}

/**
 * Releases a transfer model's weights: `full` holds the head and the cut
 * base; layers of fine-tuned blocks are also held by `base` (they were
 * applied twice), so they are released until nothing holds them.
 */
function disposeTransfer(full: tf.LayersModel, base: tf.LayersModel): void {
  full.dispose();
  for (const layer of base.layers) {
    try {
      while (layer.dispose().refCountAfterDispose > 0) {
        // still held by another application of the layer
      }
    } catch {
      // released with `full` already
    }
  }
}

/**
 * The deterministic augmented copy `copy` of one image: its transform is
 * drawn from a stream seeded by the run seed, the image id and the copy
 * number, so it does not depend on which other images are loaded.
 */
export function augmentedCopy(
  pixels: Uint8Array,
  id: string,
  copy: number,
  seed: number,
  params: AugmentParams = DEFAULT_AUGMENT,
): Uint8Array {
  const size = STUDY_002_IMAGE_SIZE;
  return augmentBatch(
    pixels,
    [1, size, size, 3],
    createRng(hashString(`${seed}:study002:copy:${copy}:${id}`)),
    params,
  );
}

/** Frozen-base features of the study's images, computed once for both split schemes. */
export interface Study002Features {
  /** The fine-tuning depth they were cut for. */
  fineTuneBlocks: number;
  /** Shape of one image's features, e.g. `[7, 7, 1280]`. */
  shape: number[];
  /** Features of every test and pool image, by id. */
  original: Map<string, Float32Array>;
  /** Features of the augmented copies of every pool image, by id. */
  copies: Map<string, Float32Array[]>;
  /** Seconds spent computing them. */
  seconds: number;
}

/**
 * Computes the frozen MobileNetV2 features of every test and pool image and
 * of `augmentedCopies` augmented copies of every pool image (only training
 * images' copies are used, but which pool images train depends on the
 * scheme).
 */
export async function extractStudy002Features(
  data: Study002Data,
  seed: number,
  settings: Pick<
    Study002Settings,
    "fineTuneBlocks" | "augmentedCopies" | "augment"
  >,
  baseDir: string = mobileNetBaseDir(),
): Promise<Study002Features> {
  const started = performance.now();
  const base = await loadMobileNetV2Base(baseDir);
  const { frozen, full } = buildTransferModel({
    base,
    classes: data.classNames.length,
    seed,
    fineTuneBlocks: settings.fineTuneBlocks,
  });
  const shape = frozen.outputs[0].shape.slice(1) as number[];
  const featureSize = shape.reduce((a, b) => a * b, 1);
  const imageSize = STUDY_002_IMAGE_SIZE * STUDY_002_IMAGE_SIZE * 3;
  const jobs: { id: string; copy: number; pixels: Uint8Array }[] = [];
  for (const item of [...data.plan.test, ...data.plan.pool]) {
    jobs.push({ id: item.id, copy: -1, pixels: data.pixels.get(item.id)! });
  }
  for (const item of data.plan.pool) {
    for (let c = 0; c < settings.augmentedCopies; c++) {
      jobs.push({
        id: item.id,
        copy: c,
        pixels: augmentedCopy(
          data.pixels.get(item.id)!,
          item.id,
          c,
          seed,
          settings.augment,
        ),
      });
    }
  }
  const original = new Map<string, Float32Array>();
  const copies = new Map<string, Float32Array[]>();
  const chunk = 64;
  for (let start = 0; start < jobs.length; start += chunk) {
    const part = jobs.slice(start, start + chunk);
    const batch = new Uint8Array(part.length * imageSize);
    part.forEach((job, i) => batch.set(job.pixels, i * imageSize));
    const images = tf.tensor4d(batch, [
      part.length,
      STUDY_002_IMAGE_SIZE,
      STUDY_002_IMAGE_SIZE,
      3,
    ], "int32");
    const features = await extractFeatures(frozen, images);
    const values = await features.data() as Float32Array;
    tf.dispose([images, features]);
    part.forEach((job, i) => {
      const f = values.slice(i * featureSize, (i + 1) * featureSize);
      if (job.copy < 0) original.set(job.id, f);
      else {
        const list = copies.get(job.id) ?? [];
        list[job.copy] = f;
        copies.set(job.id, list);
      }
    });
  }
  disposeTransfer(full, base);
  return {
    fineTuneBlocks: settings.fineTuneBlocks,
    shape,
    original,
    copies,
    seconds: (performance.now() - started) / 1000,
  };
}

function featureTensors(
  features: Study002Features,
  items: readonly Study002Item[],
  classes: number,
  withCopies: boolean,
): { x: tf.Tensor; y: tf.Tensor } {
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  for (const item of items) {
    rows.push(features.original.get(item.id)!);
    labels.push(item.label);
  }
  if (withCopies) {
    for (const item of items) {
      for (const copy of features.copies.get(item.id) ?? []) {
        rows.push(copy);
        labels.push(item.label);
      }
    }
  }
  const size = rows[0].length;
  const flat = new Float32Array(rows.length * size);
  rows.forEach((r, i) => flat.set(r, i * size));
  return {
    x: tf.tensor(flat, [rows.length, ...features.shape]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), classes)),
  };
}

/**
 * Trains the MobileNetV2 transfer model's head (and, with `fineTuneBlocks`,
 * the top blocks) on precomputed features of one split scheme into a run
 * record; saves the whole image-to-class model. A complete run with the same
 * id is reused without computing anything; `features` may then be a
 * function that is never called.
 */
export async function runStudy002Transfer(
  context: Study002Context,
  data: Study002Data,
  split: SplitScheme,
  features: Study002Features | (() => Promise<Study002Features>),
  options: Study002RunOptions = {},
): Promise<Study002Run> {
  const prepared = await prepareRun(
    context,
    data,
    split,
    options,
    "mobilenetv2",
  );
  if (prepared.previous) return prepared.previous;
  const { settings, params, root } = prepared;
  const computed = typeof features === "function" ? await features() : features;
  if (computed.fineTuneBlocks !== settings.fineTuneBlocks) {
    throw new Error(
      `Features were cut for ${computed.fineTuneBlocks} fine-tuned blocks, the run asks for ${settings.fineTuneBlocks}`,
    );
  }
  const classes = data.classNames.length;
  const scheme = data.plan.schemes[split];
  const train = featureTensors(computed, scheme.train, classes, true);
  const validation = featureTensors(
    computed,
    scheme.validation,
    classes,
    false,
  );
  const test = featureTensors(computed, data.plan.test, classes, false);
  // A fresh base per run: fine-tuning changes the shared top blocks' weights.
  const base = await loadMobileNetV2Base(options.baseDir ?? mobileNetBaseDir());
  const { trainable, full } = buildTransferModel({
    base,
    classes,
    seed: context.seed,
    dropout: settings.transferDropout,
    fineTuneBlocks: settings.fineTuneBlocks,
  });
  try {
    return await recordRun({
      context,
      model: "mobilenetv2",
      split,
      name: TRANSFER_NAME,
      params,
      data,
      root,
      network: trainable,
      compile: settings.transferCompile,
      epochs: settings.transferEpochs,
      train,
      validation,
      testX: test.x,
      saved: full,
    });
  } finally {
    tf.dispose([train.x, train.y, validation.x, validation.y, test.x, test.y]);
    disposeTransfer(full, base);
  }
}

/** All four runs with the data they used. */
export interface Study002Result {
  /** The loaded data (for sample images and split sizes). */
  data: Study002Data;
  /** The settings used. */
  settings: Study002Settings;
  /** Baseline and transfer on 80/20 and 50/50, in that order. */
  runs: Study002Run[];
  /** Seconds spent on frozen-base features (0 when every transfer run was reused). */
  featureSeconds: number;
}

/**
 * Runs study 002 at the context's profile: loads the data once, trains the
 * baseline on both schemes, computes the frozen features once (only when a
 * transfer run is not already complete) and trains the transfer head on
 * both schemes. Every run is a complete run record.
 */
export async function runStudy002(
  context: Study002Context,
  options: Study002RunOptions & Study002DataOptions & {
    data?: Study002Data;
  } = {},
): Promise<Study002Result> {
  const data = options.data ??
    await loadStudy002Data(context.profile, context.seed, options);
  const settings = study002Settings(context.profile, options.settings);
  const runs: Study002Run[] = [];
  for (const split of SPLIT_SCHEMES) {
    runs.push(await runStudy002Baseline(context, data, split, options));
  }
  let cached: Study002Features | null = null;
  const features = async () =>
    cached ??= await extractStudy002Features(
      data,
      context.seed,
      settings,
      options.baseDir,
    );
  for (const split of SPLIT_SCHEMES) {
    runs.push(
      await runStudy002Transfer(context, data, split, features, options),
    );
  }
  return {
    data,
    settings,
    runs,
    featureSeconds: (cached as Study002Features | null)?.seconds ?? 0,
  };
}

/** Per-image correctness of a run's test predictions (from its `predictions.json`). */
export async function testCorrectness(
  run: Pick<Study002Run, "dir">,
): Promise<boolean[]> {
  const p = JSON.parse(
    await Deno.readTextFile(join(run.dir, "predictions.json")),
  ) as { trueLabels: number[]; predictedLabels: number[] };
  return p.trueLabels.map((t, i) => t === p.predictedLabels[i]);
}

/** McNemar's test between two of the runs, which share the test images. */
export interface Study002Comparison {
  /** What is compared, e.g. `mobilenetv2 vs baseline, 80/20`. */
  label: string;
  /** The first run. */
  first: Study002Run;
  /** The second run. */
  second: Study002Run;
  /** b: only the first right; c: only the second right. */
  mcnemar: McNemarResult;
}

/**
 * The study's two questions as paired tests on the shared test images:
 * transfer vs baseline at each split, and 80/20 vs 50/50 for each model.
 */
export async function compareStudy002Runs(
  runs: readonly Study002Run[],
): Promise<Study002Comparison[]> {
  const find = (model: Study002Model, split: SplitScheme) => {
    const run = runs.find((r) => r.model === model && r.split === split);
    if (!run) throw new Error(`No ${model} ${split} run to compare`);
    return run;
  };
  const pairs: [string, Study002Run, Study002Run][] = [
    ...SPLIT_SCHEMES.map((split): [string, Study002Run, Study002Run] => [
      `mobilenetv2 vs baseline, ${split}`,
      find("mobilenetv2", split),
      find("baseline", split),
    ]),
    ...STUDY_002_MODELS.map((model): [string, Study002Run, Study002Run] => [
      `80/20 vs 50/50, ${model}`,
      find(model, "80/20"),
      find(model, "50/50"),
    ]),
  ];
  const out: Study002Comparison[] = [];
  for (const [label, first, second] of pairs) {
    out.push({
      label,
      first,
      second,
      mcnemar: mcnemarTest(
        await testCorrectness(first),
        await testCorrectness(second),
      ),
    });
  }
  return out;
}

/** `81.2–92.0%`-style text of an interval. */
export function formatInterval(
  interval: Pick<Interval, "low" | "high">,
): string {
  return `${(100 * interval.low).toFixed(1)}–${
    (100 * interval.high).toFixed(1)
  }%`;
}

/** `87.1% (81.2–92.0%)`-style text of an accuracy and, when given, its interval. */
export function formatAccuracy(accuracy: number, interval?: Interval): string {
  const pct = `${(100 * accuracy).toFixed(1)}%`;
  return interval ? `${pct} (${formatInterval(interval)})` : pct;
}

/**
 * The results table of the notebook: one row per run, with the study's
 * corresponding published results beside it (header and rows for
 * `markdownTable`).
 */
export function study002ResultsTable(
  runs: readonly Study002Run[],
): { header: string[]; rows: string[][] } {
  const header = [
    "model",
    "split",
    "train / val / test",
    "test accuracy (95% t)",
    "95% Wilson",
    "best val. acc.",
    "study: model, test acc. (its 95% range)",
  ];
  const rows = runs.map((run) => {
    const m = run.metrics;
    const published = STUDY_002_PUBLISHED.filter((p) =>
      p.ours === run.model && p.split === run.split
    ).map((p) =>
      `${p.model}: ${
        p.testAccuracy === null ? "n/a" : formatAccuracy(p.testAccuracy)
      } (${formatInterval(p.interval)})`
    );
    return [
      run.model,
      run.split,
      `${run.splits.train} / ${run.splits.validation} / ${run.splits.test}`,
      formatAccuracy(m.accuracy, m.t95),
      formatInterval(m.wilson95),
      m.validationAccuracy === null
        ? "–"
        : formatAccuracy(m.validationAccuracy),
      published.length ? published.join("; ") : "not run in the study",
    ];
  });
  return { header, rows };
}

/**
 * Images per class in each part of the plan (header and rows for
 * `markdownTable`): the study's class, ours, photos available, test, pool,
 * and training / validation of each scheme.
 */
export function study002SplitTable(
  plan: Study002Plan,
): { header: string[]; rows: (string | number)[][] } {
  const count = (items: readonly Study002Item[], label: number) =>
    items.filter((i) => i.label === label).length;
  const header = [
    "study's class",
    "stand-in class",
    "photos",
    "test",
    "pool",
    ...SPLIT_SCHEMES.map((s) => `${s} train / val`),
  ];
  const rows = STUDY_002_CLASSES.map((c, k) => [
    c.study,
    c.folder,
    plan.available[k],
    count(plan.test, k),
    count(plan.pool, k),
    ...SPLIT_SCHEMES.map((s) =>
      `${count(plan.schemes[s].train, k)} / ${
        count(plan.schemes[s].validation, k)
      }`
    ),
  ]);
  rows.push([
    "all",
    "",
    plan.available.reduce((a, b) => a + b, 0),
    plan.test.length,
    plan.pool.length,
    ...SPLIT_SCHEMES.map((s) =>
      `${plan.schemes[s].train.length} / ${plan.schemes[s].validation.length}`
    ),
  ]);
  return { header, rows };
}
