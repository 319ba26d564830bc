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
 *   lib/data/images/augment.ts, `DEFAULT_AUGMENT`). The transfer model
 *   trains on features computed once, so it gets `augmentedCopies` fixed
 *   augmented copies of every training image instead (seeded per image).
 * - **Transfer model.** MobileNetV2 frozen, its features computed once
 *   (`extractFeatures`), and a new head (global average pooling, dropout
 *   0.5, softmax) trained on them with RMSprop at 2e-4 (the study's tuned
 *   VGG16 v2 settings) for the study's 40 epochs (20 x 2) at `course` and
 *   `full`, with the profile's early stopping. At `full`, the top `fineTuneBlocks` of the profile (2)
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
 * The parts: the data and its splits (`data.ts`), the settings
 * (`settings.ts`), the frozen MobileNetV2 features (`features.ts`) and the
 * notebook's tables (`tables.ts`); the published results are in
 * `lib/published/`. This module trains and records the runs; notebooks
 * import the study from `mod.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import type { Profile } from "../../profiles.ts";
import { augmentBatch } from "../../data/images/augment.ts";
import {
  buildTransferModel,
  loadMobileNetV2Base,
  MOBILENET_V2_FOLDER,
} from "../../models/transfer.ts";
import { buildBaselineCnn } from "../../models/baseline_cnn.ts";
import { compileClassifier, type CompileOptions } from "../../train/compile.ts";
import { arrayAugment } from "../../train/array_augment.ts";
import { type BatchAugment, fit } from "../../train/fit.ts";
import {
  completeRunMetrics,
  DEFAULT_RUNS_ROOT,
  readTestCorrectness,
  RunRecord,
} from "../../runs/record.ts";
import { runId } from "../../runs/run_id.ts";
import { type McNemarResult, mcnemarTest } from "../../eval/mcnemar.ts";
import type { ClassifierMetrics } from "../../runs/classifier_metrics.ts";
import {
  evaluateClassifier,
  profileFitOptions,
  recordEvaluatedRun,
  toTensors,
} from "../../execute/classifier_run.ts";
import {
  loadStudy002Data,
  study002Arrays,
  type Study002Data,
  type Study002DataOptions,
  STUDY_002_IMAGE_SIZE,
} from "./data.ts";
import { SPLIT_SCHEMES, type SplitScheme } from "../../published/published.ts";
import {
  type Study002Model,
  STUDY_002_MODELS,
} from "../../published/published.ts";
import {
  disposeTransferModel,
  extractStudy002Features,
  featureTensors,
  type Study002Features,
} from "./features.ts";
import { mobileNetBaseDir } from "../../models/transfer.ts";
import {
  Study002Run,
  Study002RunOptions,
  Study002Settings,
  study002Settings,
  STUDY_002_STAND_IN,
  STUDY_002_TRANSFER_STAND_IN,
} from "./settings.ts";
import { backendRef, type LabContext } from "../../runs/lab_context.ts";

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
  context: LabContext,
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
  const metrics = await completeRunMetrics<ClassifierMetrics>(
    join(root, id),
    data.dataset,
  );
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
  context: LabContext,
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
  context: LabContext;
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
    backend: backendRef(context.backend),
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
  context: LabContext,
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

/**
 * Trains the MobileNetV2 transfer model's head (and, with `fineTuneBlocks`,
 * the top blocks) on precomputed features of one split scheme into a run
 * record; saves the whole image-to-class model. A complete run with the same
 * id is reused without computing anything; `features` may then be a
 * function that is never called.
 */
export async function runStudy002Transfer(
  context: LabContext,
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
    disposeTransferModel(full, base);
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
  context: LabContext,
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
        await readTestCorrectness(first.dir),
        await readTestCorrectness(second.dir),
      ),
    });
  }
  return out;
}
