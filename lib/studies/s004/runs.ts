/**
 * Study 004: a CNN on Fashion-MNIST, evaluated with a classification report
 * and a confusion matrix (published accuracy: 89%).
 *
 * Data at each profile: the test images come from the official 10,000 test
 * images, training (and validation) images only from the official 60,000
 * training images. At `smoke` and `course` (capped images per class) the
 * run trains on up to the cap per class and validates on a held-out sixth
 * per class (seeded), as before.
 *
 * Where the profile takes all data (`full`: `maxTrainPerClass` is null) the
 * run follows the study, which trains on the 60,000 training images and
 * names neither a validation set nor an epoch count: a first run
 * ({@linkcode STUDY_004_SELECTION_NAME}) trains on five sixths and stops
 * early on the held-out sixth's loss (10,000 images, per class, seeded)
 * to choose the epoch count; the study's run then trains on all 60,000
 * for that many epochs, with no validation data. The test images are never
 * used for validation or early stopping.
 *
 * @module
 */
import { join } from "node:path";
import type { LabContext } from "../../runs/lab_context.ts";
import { type FashionMnist, loadFashionMnist } from "../../data/formats/idx.ts";
import { readFingerprint } from "../../data/acquire/fingerprint.ts";
import { buildFashionMnistCnn } from "../../models/fashion_mnist_cnn.ts";
import type { Profile } from "../../profiles.ts";
import { publishedValue } from "../../published/published.ts";
import { createRng, shuffleInPlace } from "../../random.ts";
import {
  classifierRunId,
  type ClassifierRunResult,
  runClassifier,
} from "../../execute/classifier_run.ts";
import { selectBackend } from "../../backend.ts";
import { isRunComplete, type RunJob } from "../../execute/executor.ts";
import {
  checkJobData,
  dispatchModelRuns,
  type ModelJobArgs,
} from "../../execute/model_jobs.ts";
import { splitSizes } from "../../execute/classifier_run.ts";
import { DEFAULT_RUNS_ROOT } from "../../runs/record.ts";
import type { EpochLogs } from "../../train/epoch_logs.ts";
import type { LabelledArrays } from "../../data/labelled_arrays.ts";
import {
  replicateSeeds,
  type SeedSpread,
  seedSpread,
} from "../../eval/seed_spread.ts";

/** Study 004's published test accuracy (from `lib/published`). */
export const STUDY_004_PUBLISHED_ACCURACY = publishedValue(
  "004",
  "Fashion-MNIST CNN",
  "test accuracy",
);

function pick(
  images: Uint8Array,
  labels: Uint8Array,
  indices: number[],
): LabelledArrays {
  const size = 28 * 28;
  const out = new Uint8Array(indices.length * size);
  indices.forEach((i, j) =>
    out.set(images.subarray(i * size, (i + 1) * size), j * size)
  );
  return {
    images: out,
    shape: [28, 28, 1],
    labels: indices.map((i) => labels[i]),
  };
}

function byClass(labels: Uint8Array, seed: number): number[][] {
  const groups: number[][] = Array.from({ length: 10 }, () => []);
  labels.forEach((label, i) => groups[label].push(i));
  const rng = createRng(seed);
  return groups.map((g) => shuffleInPlace(g, rng));
}

/** One in this many of each class's training images is held out for validation (a sixth). */
export const HELD_OUT_DIVISOR = 6;

/**
 * How the training images are used: `held-out` trains on five sixths per
 * class (capped by the profile) and validates on the held-out sixth;
 * `all training` trains on every training image (capped by the profile)
 * with no validation images.
 */
export type Study004Split = "held-out" | "all training";

/** Indices of a split: `train` and `validation` into the training images, `test` into the test images. */
export interface Study004SplitIndices {
  train: number[];
  validation: number[];
  test: number[];
}

/**
 * The indices of study 004's splits for a profile: per class, seeded. With
 * `held-out` (the default), validation is the first sixth of each shuffled
 * class (capped by `maxEvalPerClass`) and training the rest (capped by
 * `maxTrainPerClass`); with `all training`, training is every training
 * image of each class (capped) and validation is empty. The test indices
 * are the shuffled test images per class (capped by `maxEvalPerClass`).
 */
export function study004SplitIndices(
  trainLabels: Uint8Array,
  testLabels: Uint8Array,
  profile: Pick<Profile, "maxTrainPerClass" | "maxEvalPerClass">,
  seed: number,
  split: Study004Split = "held-out",
): Study004SplitIndices {
  const train: number[] = [];
  const validation: number[] = [];
  for (const group of byClass(trainLabels, seed)) {
    if (split === "all training") {
      train.push(...group.slice(0, profile.maxTrainPerClass ?? group.length));
      continue;
    }
    const valCount = Math.min(
      group.length / HELD_OUT_DIVISOR,
      profile.maxEvalPerClass ?? Infinity,
    );
    validation.push(...group.slice(0, valCount));
    const rest = group.slice(Math.floor(group.length / HELD_OUT_DIVISOR));
    train.push(...rest.slice(0, profile.maxTrainPerClass ?? rest.length));
  }
  const test = byClass(testLabels, seed).flatMap((g) =>
    g.slice(0, profile.maxEvalPerClass ?? g.length)
  );
  return { train, validation, test };
}

/**
 * Study 004's train / validation / test arrays from loaded Fashion-MNIST
 * (see {@linkcode study004SplitIndices}): training and validation images
 * from `data.train`, test images from `data.test`.
 */
export function study004Splits(
  data: Pick<FashionMnist, "train" | "test" | "classNames">,
  profile: Pick<Profile, "maxTrainPerClass" | "maxEvalPerClass">,
  seed: number,
  split: Study004Split = "held-out",
) {
  const at = study004SplitIndices(
    data.train.labels,
    data.test.labels,
    profile,
    seed,
    split,
  );
  return {
    train: pick(data.train.images, data.train.labels, at.train),
    validation: pick(data.train.images, data.train.labels, at.validation),
    test: pick(data.test.images, data.test.labels, at.test),
    classNames: [...data.classNames],
  };
}

/**
 * Fashion-MNIST train / validation / test arrays for a profile, from the
 * installed dataset (`deno task data fashion-mnist`).
 */
export async function fashionMnistSplits(
  profile: Profile,
  seed: number,
  split: Study004Split = "held-out",
) {
  return study004Splits(await loadFashionMnist(), profile, seed, split);
}

/** Whether a profile follows the study on all training images (`full`). */
export function followsStudyOnAllTraining(
  profile: Pick<Profile, "maxTrainPerClass">,
): boolean {
  return profile.maxTrainPerClass === null;
}

/** The run's name (its run id at `smoke` and `course` is unchanged). */
export const STUDY_004_NAME = "Study 004 Fashion-MNIST CNN";

/**
 * The name of the run that chooses the epoch count at `full` (its words do
 * not match the published model's, so the report does not set it beside
 * the study's accuracy).
 */
export const STUDY_004_SELECTION_NAME =
  "Study 004 epoch selection, CNN on five sixths of the training images";

/** The network's hyperparameters. */
const STUDY_004_PARAMS = {
  filters: 32,
  kernelSize: 3,
  dropout: 0.25,
  denseSize: 128,
};

/** How the run validated, as its record and the notebook name it. */
export const VALIDATION_HELD_OUT =
  "a held-out sixth of the training images per class (seeded), with early stopping on its loss where the profile stops early; test images never used";

/** How the study-faithful run at `full` validated. */
export const VALIDATION_NONE_EPOCHS_FROM_SELECTION =
  "none: trains on all training images for the epoch count chosen by early stopping on a held-out sixth in the epoch-selection run; test images never used";

/**
 * The epoch count a fit with early stopping chose: the epoch of lowest
 * `val_loss` (the first of equal ones, as early stopping keeps it), plus
 * one; the whole history's length when no epoch has a `val_loss`.
 */
export function chosenEpochCount(history: EpochLogs[]): number {
  let best = -1;
  history.forEach((logs, i) => {
    const loss = logs.val_loss;
    if (
      typeof loss === "number" && Number.isFinite(loss) &&
      (best < 0 || loss < history[best].val_loss)
    ) best = i;
  });
  return best < 0 ? history.length : best + 1;
}

/** Study 004's run result: the run, and at `full` the run that chose its epochs. */
export interface Study004Result extends ClassifierRunResult {
  /** Images per split the run used. */
  splits: { train: number; validation: number; test: number };
  /** How it validated (see {@linkcode VALIDATION_HELD_OUT}). */
  validation: string;
  /** Epochs it trained at most (the chosen count at `full`). */
  epochs: number;
  /** At `full`, the epoch-selection run; otherwise `null`. */
  selection: ClassifierRunResult | null;
  /**
   * The same configuration trained with each of the profile's
   * `seedReplicates` seeds (this run first), and the spread of their test
   * accuracy.
   */
  seeds: { runs: ClassifierRunResult[]; accuracy: SeedSpread };
}

/** The builder of study 004's jobs at `full` (`tasks/job_runners.ts`); executors name it. */
export const STUDY_004_JOBS = "Study 004 runs";

/** Which of study 004's runs a job trains (its {@linkcode ModelJobArgs.model}). */
export interface Study004Job {
  /** The epoch-selection run, or a run of the study's configuration on all training images. */
  stage: "epoch selection" | "all training";
  /** The seed of the splits and of the epoch-selection run (the context's). */
  splitSeed: number;
}

/** The installed Fashion-MNIST and its reference for run records, read once per study run. */
async function installedFashionMnist() {
  const [mnist, fingerprint] = await Promise.all([
    loadFashionMnist(),
    readFingerprint("fashion-mnist"),
  ]);
  return {
    mnist,
    dataset: { id: "fashion-mnist", fingerprint: fingerprint.sha256 },
  };
}

/** One of study 004's splittings of the installed data: the arrays, the dataset and their split sizes. */
function study004Data(
  installed: Awaited<ReturnType<typeof installedFashionMnist>>,
  profile: Profile,
  seed: number,
  split: Study004Split = "held-out",
) {
  const data = study004Splits(installed.mnist, profile, seed, split);
  return { data, dataset: installed.dataset, splits: splitSizes(data) };
}

/** The held-out run's name and parameters: the profile's run, or at `full` the epoch selection. */
function heldOutRunSpec(profile: Profile) {
  return followsStudyOnAllTraining(profile)
    ? {
      name: STUDY_004_SELECTION_NAME,
      params: { ...STUDY_004_PARAMS, heldOutShare: "1/6" },
      tags: { role: "epoch selection", validation: VALIDATION_HELD_OUT },
    }
    : { name: STUDY_004_NAME, params: STUDY_004_PARAMS, tags: undefined };
}

/** Trains (or reuses) the run on held-out validation: the profile's run, or at `full` the epoch-selection run. */
function heldOutRun(
  context: LabContext,
  prepared: Awaited<ReturnType<typeof study004Data>>,
  runsRoot?: string,
): Promise<ClassifierRunResult> {
  const { name, params, tags } = heldOutRunSpec(context.profile);
  return runClassifier({
    name,
    study: "004",
    build: (s: number) => buildFashionMnistCnn({ seed: s }),
    params,
    data: prepared.data,
    dataset: prepared.dataset,
    profile: context.profile,
    seed: context.seed,
    backend: context.backend,
    runsRoot,
    tags,
  });
}

/**
 * Trains and evaluates study 004's CNN at a profile into a run record. At
 * `smoke` and `course`: one run on the capped training images, validated
 * on a held-out sixth. At `full` (all data): the epoch-selection run on
 * five sixths with early stopping on the held-out sixth, then the study's
 * run on all 60,000 training images for the chosen epoch count, with each
 * of the profile's seeds. With an executor (`--executor slurm`,
 * `--workers N`) the full profile's runs go to it as jobs
 * ({@linkcode STUDY_004_JOBS}): the epoch selection first, then the seeds'
 * runs as one batch.
 */
export async function runStudy004(
  context: LabContext,
  runsRoot?: string,
): Promise<Study004Result> {
  const { profile, seed, backend } = context;
  const installed = await installedFashionMnist();
  const heldOut = study004Data(installed, profile, seed);
  if (!followsStudyOnAllTraining(profile)) {
    const result = await heldOutRun(context, heldOut, runsRoot);
    return {
      ...result,
      splits: heldOut.splits as Study004Result["splits"],
      validation: VALIDATION_HELD_OUT,
      epochs: profile.epochs,
      selection: null,
      seeds: {
        runs: [result],
        accuracy: seedSpread([result.metrics.accuracy]),
      },
    };
  }
  const batch = {
    builder: STUDY_004_JOBS,
    root: runsRoot ?? DEFAULT_RUNS_ROOT,
    profile,
    backend: backend.name,
    source: null,
  };
  const selectionSpec = heldOutRunSpec(profile);
  await dispatchModelRuns<Study004Job>({
    ...batch,
    data: heldOut,
    runs: [{
      runId: classifierRunId(
        selectionSpec.name,
        selectionSpec.params,
        profile,
        seed,
      ),
      seed,
      model: { stage: "epoch selection", splitSeed: seed },
    }],
  });
  const selection = await heldOutRun(context, heldOut, runsRoot);
  const epochs = await chosenEpochsOf(selection);
  const all = study004Data(installed, profile, seed, "all training");
  // The study's configuration with every seed of the profile (the run seed
  // first); the epoch count is the one chosen above.
  const seeds = replicateSeeds(seed, profile.seedReplicates);
  const allTraining = allTrainingRunSpec(all, epochs, selection, profile);
  const dispatched = await dispatchModelRuns<Study004Job>({
    ...batch,
    data: all,
    runs: seeds.map((s) => ({
      runId: classifierRunId(
        STUDY_004_NAME,
        allTraining.params,
        allTraining.profile,
        s,
      ),
      seed: s,
      model: { stage: "all training", splitSeed: seed },
    })),
  });
  const runs: ClassifierRunResult[] = [];
  for (const s of seeds) {
    const run = await runOnAllTraining({
      data: all.data,
      dataset: all.dataset,
      epochs,
      selection,
      context: { ...context, seed: s },
      runsRoot,
    });
    runs.push(dispatched.settle(run));
  }
  const [result] = runs;
  return {
    ...result,
    splits: all.splits as Study004Result["splits"],
    validation: VALIDATION_NONE_EPOCHS_FROM_SELECTION,
    epochs,
    selection,
    seeds: {
      runs,
      accuracy: seedSpread(runs.map((r) => r.metrics.accuracy)),
    },
  };
}

/** The epoch-selection run, as the runs on all training images refer to it. */
type SelectionRef = Pick<ClassifierRunResult, "runId" | "dir">;

/** The epoch count the epoch-selection run chose ({@linkcode chosenEpochCount} of its history). */
async function chosenEpochsOf(selection: SelectionRef) {
  const history = JSON.parse(
    await Deno.readTextFile(join(selection.dir, "history.json")),
  ) as EpochLogs[];
  return chosenEpochCount(history);
}

/** The parameters and profile of the study's run on all training images (what its run id is made of). */
function allTrainingRunSpec(
  all: { splits: Record<string, number> },
  epochs: number,
  selection: SelectionRef,
  profile: Profile,
) {
  return {
    params: {
      ...STUDY_004_PARAMS,
      trainImages: all.splits.train,
      validation: "none",
      epochsFrom: selection.runId,
    },
    profile: { ...profile, epochs, patience: null },
  };
}

/**
 * A job of study 004's at `full` (`tasks/run_job.ts`): reloads
 * Fashion-MNIST at the submitter's profile and split seed, checks data and
 * run id against the job's, and trains the epoch-selection run or one
 * seed's run on all training images (whose epoch-selection run must be
 * complete: its job ran first).
 */
export async function runStudy004Job(
  job: RunJob,
): Promise<ClassifierRunResult> {
  const args = job.args as ModelJobArgs<Study004Job>;
  const { stage, splitSeed } = args.model;
  const backend = await selectBackend(args.backend);
  const context = { profile: args.profile, backend, seed: splitSeed };
  const root = args.runsRoot;
  const installed = await installedFashionMnist();
  const selectionSpec = heldOutRunSpec(args.profile);
  const selectionId = classifierRunId(
    selectionSpec.name,
    selectionSpec.params,
    args.profile,
    splitSeed,
  );
  if (stage === "epoch selection") {
    const heldOut = study004Data(installed, args.profile, splitSeed);
    checkJobData(job, { ...heldOut, runId: selectionId });
    return await heldOutRun(context, heldOut, root);
  }
  if (!(await isRunComplete(root, selectionId))) {
    throw new Error(
      `Job for run ${job.runId}: its epoch-selection run ${selectionId} is not complete; it runs first (resubmit the same command)`,
    );
  }
  // Its record is all a seed's run needs of it: the chosen epochs and its id.
  const selection = { runId: selectionId, dir: join(root, selectionId) };
  const epochs = await chosenEpochsOf(selection);
  const all = study004Data(installed, args.profile, splitSeed, "all training");
  const spec = allTrainingRunSpec(all, epochs, selection, args.profile);
  checkJobData(job, {
    ...all,
    runId: classifierRunId(
      STUDY_004_NAME,
      spec.params,
      spec.profile,
      args.seed,
    ),
  });
  return await runOnAllTraining({
    data: all.data,
    dataset: all.dataset,
    epochs,
    selection,
    context: { ...context, seed: args.seed },
    runsRoot: root,
  });
}

/**
 * The study's run at `full`: all training images, `epochs` epochs, no
 * validation data, tested on the test images; reuses a complete run with
 * the same id and resumes an interrupted one.
 */
async function runOnAllTraining(options: {
  data: Awaited<ReturnType<typeof fashionMnistSplits>>;
  dataset: { id: string; fingerprint: string };
  epochs: number;
  selection: SelectionRef;
  context: LabContext;
  runsRoot?: string;
}): Promise<ClassifierRunResult> {
  const { data, epochs, selection, context } = options;
  const trainImages = data.train.labels.length;
  const spec = allTrainingRunSpec(
    { splits: splitSizes(data) },
    epochs,
    selection,
    context.profile,
  );
  return await runClassifier({
    name: STUDY_004_NAME,
    study: "004",
    build: (seed) => buildFashionMnistCnn({ seed }),
    params: spec.params,
    data,
    dataset: options.dataset,
    profile: spec.profile,
    seed: context.seed,
    backend: context.backend,
    runsRoot: options.runsRoot,
    tags: {
      role: "the study's configuration: all training images",
      validation: VALIDATION_NONE_EPOCHS_FROM_SELECTION,
      epochsFrom: selection.runId,
    },
    files: {
      "split.json": {
        train: trainImages,
        validation: 0,
        test: data.test.labels.length,
        epochs,
        epochsChosenIn: selection.runId,
        note: VALIDATION_NONE_EPOCHS_FROM_SELECTION,
      },
    },
  });
}
