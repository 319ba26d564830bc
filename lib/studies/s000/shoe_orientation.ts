/**
 * Study 000's shoe-orientation augmentation, as an experiment. The study
 * flipped shoe images "because shoes have a direction that they are pointing
 * to": a model that only ever saw shoes facing one way may fail on a shoe
 * photographed the other way. This module trains the study's combined Shoes
 * model (`STUDY_000_BEST.Shoes.All`, `Shoes_All_Dropout`) three times with
 * the same seed and data:
 *
 * | variant       | what changes                                                                                   |
 * | ------------- | ---------------------------------------------------------------------------------------------- |
 * | `none`        | nothing (baseline)                                                                             |
 * | `canonical`   | every split canonicalised: shoes facing left are mirrored to face right (`canonicalizeShoes`) |
 * | `random-flip` | each training batch mirrors each image with probability ½ (`randomFlipBatch`), seeded          |
 *
 * The `random-flip` variant is the augmentation the Shoes models of
 * notebook 06 and study 001's grid train with
 * (`shoe_orientation_augment.ts`); `none` is the model as it would train
 * without it, the ablation.
 *
 * Each run is a complete run record (through `runClassifier`) tagged
 * `study: "000"`, `experiment: "shoe-orientation"` and `variant`. The test
 * images are the same images in the same order in all three runs (the
 * canonical variant sees their canonicalised copies), so McNemar's test
 * between the baseline and each other variant is a paired comparison.
 *
 * Besides the test set as it is, every model is also scored on the
 * *mirrored* test set, which is the study's worry made concrete: what
 * happens when every shoe faces the other way. The canonical pipeline
 * canonicalises the mirrored images first, as it would any new photo.
 *
 * @example
 * ```ts
 * const lab = await startNotebook();
 * const result = await runShoeOrientationExperiment(lab);
 * result.variants.map((v) => [v.variant, v.run.metrics.accuracy]);
 * ```
 *
 * @module
 */
import type { LabContext } from "../../runs/lab_context.ts";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import {
  type BatchShape,
  canonicalizeShoes,
  type Facing,
  flipHorizontal,
  shoeFacing,
} from "../../data/images/augment.ts";
import { buildStudyCnn, type StudyCnnOptions } from "../../models/study_cnn.ts";
import { loadModel } from "../../models/model_files.ts";
import { predictClasses } from "../../train/predict.ts";
import { DEFAULT_RUNS_ROOT, readTestCorrectness } from "../../runs/record.ts";
import { type McNemarResult, mcnemarTest } from "../../eval/mcnemar.ts";
import { type Interval, wilsonInterval } from "../../eval/intervals.ts";
import {
  classifierRunId,
  type ClassifierRunResult,
  type ClassifierRunSpec,
  runClassifier,
  toTensors,
} from "../../execute/classifier_run.ts";
import { selectBackend } from "../../backend.ts";
import type { RunJob } from "../../execute/executor.ts";
import {
  checkJobData,
  dispatchModelRuns,
  type ModelJobArgs,
} from "../../execute/model_jobs.ts";
import { splitSizes } from "../../execute/classifier_run.ts";
import type { LabelledArrays } from "../../data/labelled_arrays.ts";
import {
  type LevelData,
  loadLevel,
  portableSource,
  shopArrays,
  type ShopArraysSource,
  shopDatasetRef,
} from "./data.ts";
import { specParams } from "./train.ts";
import { STUDY_000_BEST } from "./specs.ts";
import { studyAugment } from "./shoe_orientation_augment.ts";

/** The three variants, in the order they are trained and shown. */
export const SHOE_ORIENTATION_VARIANTS = [
  "none",
  "canonical",
  "random-flip",
] as const;

/** One of {@link SHOE_ORIENTATION_VARIANTS}. */
export type ShoeOrientationVariant = typeof SHOE_ORIENTATION_VARIANTS[number];

/** One line per variant, for tables. */
export const VARIANT_DESCRIPTIONS: Record<ShoeOrientationVariant, string> = {
  none: "(a) no augmentation",
  canonical: "(b) every split canonicalised to face right",
  "random-flip": "(c) random horizontal flips of training batches (p = ½)",
};

/** The tag every run of this experiment carries as `experiment`. */
export const SHOE_ORIENTATION_EXPERIMENT = "shoe-orientation";

/** How many images of a batch face each way. */
export type FacingCounts = Record<Facing, number>;

/** Counts the facing decisions of a `N x h x w x c` uint8 batch. */
export function facingCounts(arrays: LabelledArrays): FacingCounts {
  const [h, w, c] = arrays.shape;
  const size = h * w * c;
  const counts: FacingCounts = { left: 0, right: 0, unknown: 0 };
  for (let i = 0; i < arrays.labels.length; i++) {
    const image = arrays.images.subarray(i * size, (i + 1) * size);
    counts[shoeFacing(image, w, h, c).facing]++;
  }
  return counts;
}

function batchShape(arrays: LabelledArrays): BatchShape {
  return [arrays.labels.length, ...arrays.shape];
}

/**
 * A canonicalised copy of labelled arrays (the input is not changed) and the
 * indices of the images that were mirrored.
 */
export function canonicalizeArrays(
  arrays: LabelledArrays,
): { arrays: LabelledArrays; flipped: number[] } {
  const images = arrays.images.slice();
  const flipped = canonicalizeShoes(images, batchShape(arrays));
  return { arrays: { ...arrays, images }, flipped };
}

/** A copy of labelled arrays with every image mirrored left-right. */
export function mirrorArrays(arrays: LabelledArrays): LabelledArrays {
  const [h, w, c] = arrays.shape;
  const size = h * w * c;
  const images = arrays.images.slice();
  for (let i = 0; i < arrays.labels.length; i++) {
    const image = images.subarray(i * size, (i + 1) * size);
    image.set(flipHorizontal(image, w, h, c));
  }
  return { ...arrays, images };
}

/** What canonicalisation did to each split. */
export interface CanonicalizedLevel {
  /** The canonicalised splits (copies). */
  data: LevelData;
  /** Indices mirrored per split. */
  flipped: Record<"train" | "validation" | "test", number[]>;
}

/** Canonicalises train, validation and test of one model's data (copies). */
export function canonicalizeLevel(data: LevelData): CanonicalizedLevel {
  const train = canonicalizeArrays(data.train);
  const validation = canonicalizeArrays(data.validation);
  const test = canonicalizeArrays(data.test);
  return {
    data: {
      train: train.arrays,
      validation: validation.arrays,
      test: test.arrays,
      classNames: data.classNames,
    },
    flipped: {
      train: train.flipped,
      validation: validation.flipped,
      test: test.flipped,
    },
  };
}

/** One variant's run and its per-image results. */
export interface VariantResult {
  /** Which variant. */
  variant: ShoeOrientationVariant;
  /** The run record (fresh or reused). */
  run: ClassifierRunResult;
  /** Per test image: predicted class = true class. */
  correct: boolean[];
  /** Accuracy on the mirrored test set (same images, every one mirrored). */
  mirrored: {
    accuracy: number;
    correct: number;
    n: number;
    wilson95: Interval;
  };
  /** McNemar's test against the baseline `none` (absent for the baseline). */
  vsBaseline?: McNemarResult;
}

/** The whole experiment. */
export interface ShoeOrientationResult {
  /** The three variants, in {@link SHOE_ORIENTATION_VARIANTS} order. */
  variants: VariantResult[];
  /** Facing decisions of the uncanonicalised splits. */
  facing: Record<"train" | "validation" | "test", FacingCounts>;
  /** Indices mirrored by canonicalisation, per split. */
  flipped: CanonicalizedLevel["flipped"];
  /** Class names of the combined model. */
  classNames: string[];
  /** The stand-in description, or null for the study's own arrays. */
  standIn: string | null;
}

/** Options of {@link runShoeOrientationExperiment}. */
export interface ShoeOrientationOptions {
  /** Where the arrays come from (default: {@link shopArrays}). */
  source?: ShopArraysSource;
  /** The combined model's data (default: `loadLevel(source, "Shoes", "All", ...)`). */
  data?: LevelData;
  /** Runs root (default `reports/runs`). */
  runsRoot?: string;
}

async function mirroredAccuracy(
  dir: string,
  test: LabelledArrays,
  classes: number,
  canonicalize: boolean,
): Promise<VariantResult["mirrored"]> {
  let mirrored = mirrorArrays(test);
  if (canonicalize) mirrored = canonicalizeArrays(mirrored).arrays;
  const model = await loadModel(join(dir, "model"));
  const { x, y } = toTensors(mirrored, classes);
  try {
    const [predictions] = await predictClasses(model, x);
    const labels = Array.from(test.labels);
    const correct = labels.filter((t, i) => t === predictions.predicted[i])
      .length;
    return {
      accuracy: labels.length ? correct / labels.length : NaN,
      correct,
      n: labels.length,
      wilson95: wilsonInterval(correct, labels.length),
    };
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

/** The builder of the experiment's jobs (`tasks/job_runners.ts`); executors name it. */
export const SHOE_ORIENTATION_JOBS = "Study 000 shoe orientation";

/** Which variant a job trains (its `ModelJobArgs.model`). */
export interface ShoeOrientationJob {
  variant: ShoeOrientationVariant;
}

/** The run of one variant: `Shoes_All_Dropout` trained on `data` (canonicalised for `canonical`) as the variant says. */
function orientationRunSpec(
  context: LabContext,
  source: ShopArraysSource,
  data: LevelData,
  canonical: LevelData,
  variant: ShoeOrientationVariant,
): ClassifierRunSpec {
  const spec = STUDY_000_BEST.Shoes.All;
  const model: Partial<StudyCnnOptions> = spec.options;
  const classes = data.classNames.length;
  return {
    name: `${spec.name} (shoe orientation: ${variant})`,
    study: "000",
    build: (seed) => buildStudyCnn({ ...model, classes, seed }),
    // The variant, not the spec's own augmentation, says how it trains.
    params: {
      ...specParams({ ...spec, augmentation: undefined }),
      orientation: variant,
    },
    compile: spec.learningRate === undefined
      ? undefined
      : { learningRate: spec.learningRate },
    data: variant === "canonical" ? canonical : data,
    dataset: shopDatasetRef(source),
    standIn: source.standIn,
    profile: context.profile,
    seed: context.seed,
    backend: context.backend,
    augment: variant === "random-flip"
      ? studyAugment("random-flip")
      : undefined,
    tags: { experiment: SHOE_ORIENTATION_EXPERIMENT, variant },
  };
}

/**
 * A variant's job (`tasks/run_job.ts`): reloads the combined Shoes model's
 * data at the submitter's profile and seed, checks data and run id against
 * the job's, and trains the variant into the runs root.
 */
export async function runShoeOrientationJob(
  job: RunJob,
): Promise<ClassifierRunResult> {
  const args = job.args as ModelJobArgs<ShoeOrientationJob>;
  // The submitter always names its arrays (`portableSource`).
  const source = args.source as ShopArraysSource;
  const data = await loadLevel(source, "Shoes", "All", args.profile, args.seed);
  const backend = await selectBackend(args.backend);
  const spec = orientationRunSpec(
    { profile: args.profile, backend, seed: args.seed },
    source,
    data,
    canonicalizeLevel(data).data,
    args.model.variant,
  );
  checkJobData(job, {
    dataset: spec.dataset,
    splits: splitSizes(data),
    runId: classifierRunId(spec.name, spec.params, spec.profile, spec.seed),
  });
  return await runClassifier({ ...spec, runsRoot: args.runsRoot });
}

/**
 * Trains (or reuses) the three variants of `Shoes_All_Dropout` with the same
 * seed and data, tags their run records, scores each on the mirrored test
 * set too, and compares the baseline with each other variant (McNemar).
 */
export async function runShoeOrientationExperiment(
  context: LabContext,
  options: ShoeOrientationOptions = {},
): Promise<ShoeOrientationResult> {
  const source = options.source ?? await shopArrays();
  const data = options.data ??
    await loadLevel(source, "Shoes", "All", context.profile, context.seed);
  const classes = data.classNames.length;
  const canonical = canonicalizeLevel(data);
  const specs = SHOE_ORIENTATION_VARIANTS.map((variant) =>
    orientationRunSpec(context, source, data, canonical.data, variant)
  );
  const dispatched = await dispatchModelRuns<ShoeOrientationJob>({
    builder: SHOE_ORIENTATION_JOBS,
    root: options.runsRoot ?? DEFAULT_RUNS_ROOT,
    profile: context.profile,
    backend: context.backend.name,
    data: {
      dataset: shopDatasetRef(source),
      splits: splitSizes(data),
    },
    source: portableSource(source),
    runs: specs.map((spec, i) => ({
      runId: classifierRunId(
        spec.name,
        spec.params,
        spec.profile,
        spec.seed,
      ),
      seed: context.seed,
      model: { variant: SHOE_ORIENTATION_VARIANTS[i] },
    })),
  });
  const variants: VariantResult[] = [];
  for (const [i, variant] of SHOE_ORIENTATION_VARIANTS.entries()) {
    const run = dispatched.settle(
      await runClassifier({ ...specs[i], runsRoot: options.runsRoot }),
    );
    const correct = await readTestCorrectness(run.dir);
    const mirrored = await mirroredAccuracy(
      run.dir,
      data.test,
      classes,
      variant === "canonical",
    );
    variants.push({ variant, run, correct, mirrored });
  }
  for (const v of variants.slice(1)) {
    v.vsBaseline = mcnemarTest(variants[0].correct, v.correct);
  }
  return {
    variants,
    facing: {
      train: facingCounts(data.train),
      validation: facingCounts(data.validation),
      test: facingCounts(data.test),
    },
    flipped: canonical.flipped,
    classNames: data.classNames,
    standIn: source.standIn,
  };
}
