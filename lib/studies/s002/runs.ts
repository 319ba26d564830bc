/**
 * Study 002: dress / pullover / shirt, a CNN trained from scratch against a
 * pretrained ImageNet CNN with a new head (the study used VGG16 and
 * ResNet50), in the study's set-ups: the basic CNN, VGG16 v1 (Adam 0.005,
 * no dropout), v2 (RMSprop 2e-4, dropout 0.5) on an 80/20 train/validation
 * split, and v3 (v2's settings on a 50/50 split, the two halves swapped over
 * two runs), all after a 20% test set, with classes topped up by
 * augmentation and a t-based 95% confidence interval of the test accuracy.
 *
 * What stands in for what:
 *
 * - **Data.** The study's own scraped photos are not public. The clothing
 *   photos of `clothing-dataset-small` have `dress` and `shirt`, and
 *   `longsleeve` (long-sleeved tops) is the nearest class to the study's
 *   `pullover`. The dataset's own train / validation / test folders are
 *   pooled and re-split the study's way: per class a seeded 20% test set,
 *   then the rest split 80/20 or 50/50 into training and validation. Every
 *   run uses the same test images and the same pool, so 50/50 simply
 *   trains on fewer images, as in the study. The profile caps the images per
 *   class (see {@linkcode planStudy002Splits}); at `full` the classes have
 *   288 dress, 576 longsleeve and 345 shirt photos.
 * - **The 50/50 halves.** v3 is two runs: half A trains and half B
 *   validates, then half B trains and half A validates
 *   ({@linkcode study002Partition}); the notebook shows both and their mean.
 * - **Class balancing.** The study augmented its photos "to bring the total
 *   images per class to 1000" before splitting, so copies of a photo could
 *   land in its test set. Here only training images are copied (ours: the
 *   test and validation images stay real photos): every class of a run's
 *   training images is topped up with augmented copies to the study's 1,000
 *   per class less its test share times the split's training share (640 at
 *   80/20, 400 for a 50/50 half), capped at the profile's training images
 *   per class ({@linkcode balanceTarget}, {@linkcode planTopUp}). Every
 *   set-up balances, as the study did; v2 is also run without balancing to
 *   compare (`balance`, `balanceComparison` in the settings).
 * - **Pretrained base.** MobileNetV2 (width 0.35, ImageNet weights) from the
 *   dataset mirror instead of VGG16 / ResNet50: it is the pretrained base
 *   available offline, and it is small enough (1.7 MB, about 60 MFLOPs per
 *   224x224 image) to run on a laptop CPU. ResNet50's row is not run: the
 *   larger ImageNet base found in a package registry (EfficientNet-Lite0
 *   on PyPI) ships as PyTorch weights, which would need the network built
 *   in TensorFlow.js and its weights converted (see the README).
 * - **Basic CNN.** The study's "basic CNN" (one hidden layer, after the
 *   deeplizard tutorial it cites): Conv2D(32, 3x3, ReLU) → Flatten →
 *   Dense(3, softmax) on 224x224x3 inputs, Adam at the study's table's 0.1
 *   (its text also names 0.01; both left its network at chance), for the
 *   profile's epochs (the study: 20).
 * - **Augmentation.** The study grew its data with Keras'
 *   `ImageDataGenerator` (rotations, shifts). The basic CNN draws a fresh
 *   random transform per image and batch (`augmentBatch` of
 *   lib/data/images/augment.ts, `DEFAULT_AUGMENT`, values ours). The
 *   transfer model trains on features computed once, so it gets
 *   `augmentedCopies` fixed augmented copies of every training photo
 *   instead (seeded per image). The balancing copies use the same
 *   transforms; one seed controls the splits, the copies, the
 *   initialisation and the shuffling.
 * - **Transfer model.** MobileNetV2 frozen, its features computed once
 *   (`extractFeatures`), and a new head (global average pooling, the
 *   set-up's dropout, softmax; the study put its dropout in the
 *   convolutional layers) trained with the set-up's optimizer and rate for
 *   the study's 40 epochs (20 x 2) at `course` and `full`, with the
 *   profile's early stopping. At `full`, the top `fineTuneBlocks` of the
 *   profile (2) MobileNetV2 blocks are fine-tuned with the head (the
 *   features are then the activations below them).
 *
 * Every model lands as a complete run record with tags `study: "002"`,
 * `profile`, `split` (`80/20` | `50/50`), `model` (`baseline` |
 * `mobilenetv2`), `setup` (`basic-cnn` | `v1` | `v2` | `v3`), `balance`
 * (`augment` | `none`), for v3 `half` (`A` | `B`) and `pairedRun` (the other
 * half's run id), and `standIn`; the published rows name the tags of their
 * runs (`STUDY_002_PUBLISHED`). Metrics come from `classifierMetrics`
 * (accuracy, n, Wilson and t-based 95% intervals, confusion matrix,
 * per-class report).
 *
 * @example
 * ```ts
 * const lab = await startNotebook();
 * const study = await runStudy002(lab);
 * for (const run of study.runs) console.log(run.label, run.metrics.accuracy);
 * ```
 *
 * The parts: the data, its splits, halves and balancing copies
 * (`data.ts`), the set-ups and settings (`settings.ts`), the frozen
 * MobileNetV2 features (`features.ts`) and the notebook's tables
 * (`tables.ts`); the published results are in `lib/published/`. This
 * module trains and records the runs; notebooks import the study from
 * `mod.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join, resolve } from "node:path";
import {
  type DispatchedRuns,
  dispatchModelRuns,
} from "../../execute/model_jobs.ts";
import { reuseOrTrain } from "../../execute/run_claim.ts";
import { augmentBatch } from "../../data/images/augment.ts";
import {
  buildTransferModel,
  loadMobileNetV2Base,
} from "../../models/transfer.ts";
import { buildBaselineCnn } from "../../models/baseline_cnn.ts";
import { compileClassifier, type CompileOptions } from "../../train/compile.ts";
import { arrayAugment } from "../../train/array_augment.ts";
import { type BatchAugment, fit } from "../../train/fit.ts";
import {
  completeRunMetrics,
  DEFAULT_RUNS_ROOT,
  RunRecord,
} from "../../runs/record.ts";
import { runId } from "../../runs/run_id.ts";
import type { DatasetRef } from "../../runs/run_json.ts";
import type { ClassifierMetrics } from "../../runs/classifier_metrics.ts";
import {
  evaluateClassifier,
  profileFitOptions,
  recordEvaluatedRun,
  toTensors,
} from "../../execute/classifier_run.ts";
import type { GalleryImages } from "../../execute/gallery.ts";
import {
  loadStudy002Data,
  study002Arrays,
  type Study002Data,
  type Study002DataOptions,
  STUDY_002_IMAGE_SIZE,
} from "./data.ts";
import {
  disposeTransferModel,
  extractStudy002Features,
  featureTensors,
  type Study002Features,
  withTopUpPixels,
} from "./features.ts";
import { mobileNetBaseDir } from "../../models/transfer.ts";
import {
  Study002Run,
  Study002RunOptions,
  type Study002RunSpec,
  study002RunSpecs,
  Study002Settings,
  study002Settings,
} from "./settings.ts";
import { backendRef, type LabContext } from "../../runs/lab_context.ts";
import {
  describe,
  idOf,
  type RunImages,
  runTags,
  splitSizes,
  study002RunIdentity,
  study002RunImages,
  study002RunName,
  study002RunParams,
  trainSeedOf,
} from "./run_identity.ts";
import {
  replicateSeeds,
  type SeedSpread,
  seedSpread,
} from "../../eval/seed_spread.ts";

/**
 * The settings, images, parameters and runs root of one run, and its
 * result when a complete run with the same id exists (`previous`, to reuse
 * instead of training).
 */
async function prepareRun(
  context: LabContext,
  data: Study002Data,
  spec: Study002RunSpec,
  options: Study002RunOptions,
): Promise<{
  settings: Study002Settings;
  images: RunImages;
  params: Record<string, string | number | boolean>;
  root: string;
  previous: Study002Run | null;
}> {
  const settings = study002Settings(context.profile, options.settings);
  const images = study002RunImages(
    data,
    spec,
    context.profile,
    context.seed,
    settings,
  );
  const params = study002RunParams(
    context.profile,
    spec,
    settings,
    images.target,
  );
  const root = options.runsRoot ?? DEFAULT_RUNS_ROOT;
  const id = idOf(
    context,
    data,
    spec,
    settings,
    trainSeedOf(context, options),
    params,
  );
  const metrics = await completeRunMetrics<ClassifierMetrics>(
    join(root, id),
    data.dataset,
  );
  const previous = metrics && {
    ...describe(spec, settings),
    runId: id,
    dir: join(root, id),
    metrics,
    splits: splitSizes(data, images),
    reused: true,
  };
  return { settings, images, params, root, previous };
}

/** The test photos in test order, as a gallery's thumbnails are taken from them. */
function study002TestImages(data: Study002Data): GalleryImages {
  return {
    shape: [STUDY_002_IMAGE_SIZE, STUDY_002_IMAGE_SIZE, 3],
    image: (i) => {
      const rgb = data.pixels.get(data.plan.test[i].id);
      if (!rgb) throw new Error(`Image ${data.plan.test[i].id} was not loaded`);
      return rgb;
    },
  };
}

/** Trains, evaluates and records one model on prepared tensors. */
async function recordRun(args: {
  context: LabContext;
  /** The seed of initialisation and batch order (the context's, or a replicate's). */
  trainSeed: number;
  spec: Study002RunSpec;
  settings: Study002Settings;
  params: Record<string, string | number | boolean>;
  data: Study002Data;
  images: RunImages;
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
  const { data, images, spec, settings } = args;
  const splits = splitSizes(data, images);
  const id = runId(
    study002RunName(spec, settings),
    args.params,
    args.trainSeed,
  );
  const dir = join(args.root, id);
  return await reuseOrTrain<ClassifierMetrics, Study002Run>(
    dir,
    data.dataset,
    (metrics) => ({
      ...describe(spec, settings),
      runId: id,
      dir,
      metrics,
      splits,
      reused: true,
    }),
    () => trainAndRecord(args, splits),
  );
}

/** {@linkcode recordRun}'s training, under the run folder's claim. */
async function trainAndRecord(
  args: Parameters<typeof recordRun>[0],
  splits: ReturnType<typeof splitSizes>,
): Promise<Study002Run> {
  const { context, data, images, spec, settings } = args;
  const run = await RunRecord.start({
    name: study002RunName(spec, settings),
    params: args.params,
    seed: args.trainSeed,
    dataset: data.dataset,
    splits,
    backend: backendRef(context.backend),
    tags: runTags(context, data, spec, settings, args.trainSeed),
  }, { root: args.root });
  const metrics = await recordEvaluatedRun(run, async () => {
    compileClassifier(args.network, args.compile);
    const result = await fit(args.network, args.train, {
      ...profileFitOptions(context.profile, args.trainSeed),
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
          train: images.train.map((i) => i.id),
          validation: images.validation.map((i) => i.id),
          half: spec.half,
          balanceTarget: images.target,
          topUp: images.topUps.map((t) => ({
            id: t.id,
            source: t.source,
            round: t.round,
          })),
        },
      },
      metrics,
      model: args.saved ?? args.network,
      testImages: study002TestImages(data),
    };
  });
  return {
    ...describe(spec, settings),
    runId: run.id,
    dir: run.dir,
    metrics,
    splits,
    reused: false,
  };
}

/** The basic CNN's set-up with class balancing as the study did. */
const BASIC_CNN: Study002RunSpec = {
  setup: "basic-cnn",
  half: null,
  balance: "augment",
};

/**
 * Trains and evaluates the basic CNN of a set-up (default the study's:
 * Adam at 0.1, 80/20, classes balanced) into a run record (reused when a
 * complete one with the same id exists), with a fresh random transform of
 * every training image in every batch.
 */
export async function runStudy002Baseline(
  context: LabContext,
  data: Study002Data,
  spec: Study002RunSpec = BASIC_CNN,
  options: Study002RunOptions = {},
): Promise<Study002Run> {
  const prepared = await prepareRun(context, data, spec, options);
  if (prepared.previous) return prepared.previous;
  const { settings, params, root, images } = prepared;
  const setup = settings.setups[spec.setup];
  if (setup.model !== "baseline") {
    throw new Error(`Set-up ${spec.setup} is not the basic CNN`);
  }
  const classes = data.classNames.length;
  const source = withTopUpPixels(
    data,
    images.topUps,
    context.seed,
    settings.augment,
  );
  const train = toTensors(
    study002Arrays(source, [...images.train, ...images.topUps]),
    classes,
  );
  const validation = toTensors(
    study002Arrays(data, images.validation),
    classes,
  );
  const test = toTensors(study002Arrays(data, data.plan.test), classes);
  const trainSeed = trainSeedOf(context, options);
  const network = buildBaselineCnn({ seed: trainSeed, classes });
  try {
    return await recordRun({
      context,
      trainSeed,
      spec,
      settings,
      params,
      data,
      images,
      root,
      network,
      compile: setup.compile,
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
 * the top blocks) of one set-up on precomputed features into a run record;
 * saves the whole image-to-class model. The features must include the
 * run's balancing copies (see {@linkcode study002RunImages}). A complete
 * run with the same id is reused without computing anything; `features`
 * may then be a function that is never called.
 */
export async function runStudy002Transfer(
  context: LabContext,
  data: Study002Data,
  spec: Study002RunSpec,
  features: Study002Features | (() => Promise<Study002Features>),
  options: Study002RunOptions = {},
): Promise<Study002Run> {
  const prepared = await prepareRun(context, data, spec, options);
  if (prepared.previous) return prepared.previous;
  const { settings, params, root, images } = prepared;
  const setup = settings.setups[spec.setup];
  if (setup.model !== "mobilenetv2") {
    throw new Error(`Set-up ${spec.setup} is not a transfer set-up`);
  }
  const computed = typeof features === "function" ? await features() : features;
  if (computed.fineTuneBlocks !== settings.fineTuneBlocks) {
    throw new Error(
      `Features were cut for ${computed.fineTuneBlocks} fine-tuned blocks, the run asks for ${settings.fineTuneBlocks}`,
    );
  }
  const classes = data.classNames.length;
  const train = featureTensors(
    computed,
    [...images.train, ...images.topUps],
    classes,
    true,
  );
  const validation = featureTensors(
    computed,
    images.validation,
    classes,
    false,
  );
  const test = featureTensors(computed, data.plan.test, classes, false);
  // A fresh base per run: fine-tuning changes the shared top blocks' weights.
  const base = await loadMobileNetV2Base(options.baseDir ?? mobileNetBaseDir());
  const trainSeed = trainSeedOf(context, options);
  const { trainable, full } = buildTransferModel({
    base,
    classes,
    seed: trainSeed,
    dropout: setup.dropout,
    fineTuneBlocks: settings.fineTuneBlocks,
  });
  try {
    return await recordRun({
      context,
      trainSeed,
      spec,
      settings,
      params,
      data,
      images,
      root,
      network: trainable,
      compile: setup.compile,
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

/** All the runs with the data they used. */
export interface Study002Result {
  /** The loaded data (for sample images and split sizes). */
  data: Study002Data;
  /** The settings used. */
  settings: Study002Settings;
  /** The runs in {@linkcode study002RunSpecs} order (the context's seed). */
  runs: Study002Run[];
  /** Each run with every seed of the profile's `seedReplicates` (the context's first), in the same order. */
  seedRuns: Study002Run[][];
  /** The spread of each run's test accuracy over its seeds, in the same order. */
  seeds: SeedSpread[];
  /** Seconds spent on frozen-base features (0 when every transfer run was reused). */
  featureSeconds: number;
}

/**
 * Runs study 002 at the context's profile: loads the data once, trains
 * every run of {@linkcode study002RunSpecs} (the basic CNN; VGG16 v1, v2
 * and v3's two swapped halves on MobileNetV2; v2 without class balancing),
 * computing the frozen features once (only when a transfer run is not
 * already complete). Every run is a complete run record. Each run trains
 * with the profile's `seedReplicates` seeds (the context's first): the
 * further seeds change initialisation and batch order only; the data
 * (splits, balancing copies, features) stays the context seed's.
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
  const specs = study002RunSpecs(settings);
  const trainSeeds = replicateSeeds(
    context.seed,
    context.profile.seedReplicates,
  );
  const dispatched = await dispatchStudy002Runs(
    context,
    data,
    settings,
    specs,
    trainSeeds,
    options,
  );
  const features = lazyStudy002Features(context, data, settings, options);
  const seedRuns: Study002Run[][] = [];
  for (const spec of specs) {
    const runs: Study002Run[] = [];
    for (const trainSeed of trainSeeds) {
      const seeded = { ...options, trainSeed };
      const run = settings.setups[spec.setup].model === "baseline"
        ? await runStudy002Baseline(context, data, spec, seeded)
        : await runStudy002Transfer(context, data, spec, features, seeded);
      runs.push(dispatched.settle(run));
    }
    seedRuns.push(runs);
  }
  return {
    data,
    settings,
    runs: seedRuns.map((runs) => runs[0]),
    seedRuns,
    seeds: seedRuns.map((runs) =>
      seedSpread(runs.map((r) => r.metrics.accuracy))
    ),
    featureSeconds: features.seconds(),
  };
}

/**
 * The frozen-base features of every transfer run of `settings` (the
 * balancing copies of all of them included, so every run sees the same
 * features whichever process computes them), computed on first call only
 * (never when every transfer run is reused); `seconds()` says what they
 * cost (0 when not computed).
 */
export function lazyStudy002Features(
  context: LabContext,
  data: Study002Data,
  settings: Study002Settings,
  options: Pick<Study002RunOptions, "baseDir">,
): (() => Promise<Study002Features>) & { seconds(): number } {
  const transferSpecs = study002RunSpecs(settings).filter((s) =>
    settings.setups[s.setup].model === "mobilenetv2"
  );
  let cached: Study002Features | null = null;
  const features = async () =>
    cached ??= await extractStudy002Features(
      data,
      context.seed,
      settings,
      options.baseDir,
      transferSpecs.flatMap((spec) =>
        study002RunImages(data, spec, context.profile, context.seed, settings)
          .topUps
      ),
    );
  return Object.assign(features, {
    seconds: () => (cached as Study002Features | null)?.seconds ?? 0,
  });
}

/** The builder of study 002's jobs (`tasks/job_runners.ts`); executors name it. */
export const STUDY_002_JOBS = "Study 002 set-ups";

/** Where a study 002 job finds what the submitter used (its {@linkcode ModelJobArgs.source}). */
export interface Study002JobSource {
  /** The seed that made the submitter's data (the job's own seed is the run's training seed). */
  dataSeed: number;
  /** The dataset folder (absolute). */
  dir: string;
  /** The dataset reference the submitter was given instead of the install's fingerprint (tests), if any. */
  dataset?: DatasetRef;
  /** The submitter's settings overrides. */
  settings?: Partial<Study002Settings>;
  /** The submitter's MobileNetV2 folder, if it named one. */
  baseDir?: string;
}

/** Hands the set-ups' runs (each with each training seed) without a complete record to the executor for {@linkcode STUDY_002_JOBS}, if one applies. */
function dispatchStudy002Runs(
  context: LabContext,
  data: Study002Data,
  settings: Study002Settings,
  specs: Study002RunSpec[],
  trainSeeds: number[],
  options: Study002RunOptions & Pick<Study002DataOptions, "dataset">,
): Promise<DispatchedRuns> {
  const source: Study002JobSource = {
    dataSeed: context.seed,
    dir: resolve(data.dir),
    ...(options.dataset ? { dataset: options.dataset } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.baseDir ? { baseDir: resolve(options.baseDir) } : {}),
  };
  const runs = specs.flatMap((spec) =>
    trainSeeds.map((trainSeed) => {
      const { runId, splits } = study002RunIdentity(
        context,
        data,
        spec,
        settings,
        trainSeed,
      );
      return {
        runId,
        seed: trainSeed,
        model: spec,
        data: { dataset: data.dataset, splits },
      };
    })
  );
  return dispatchModelRuns<Study002RunSpec>({
    builder: STUDY_002_JOBS,
    root: options.runsRoot ?? DEFAULT_RUNS_ROOT,
    profile: context.profile,
    backend: context.backend.name,
    data: runs[0].data,
    source,
    runs,
  });
}
