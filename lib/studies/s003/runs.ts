/**
 * Study 003: one network with three softmax heads (`masterCategory`,
 * `subCategory`, `gender`) on the Fashion Product Images catalogue, scored
 * per head and by the heads' averaged accuracy, then tuned over the five
 * hyperparameters the study names (kernel size, filters, dense units,
 * BatchNormalization placement, dropout rate), on a grid of ours: the study
 * publishes none of the values it tried ({@linkcode STUDY_003_TUNED}).
 *
 * Data (`fashion-product-images`, the catalogue the study used; the mirror
 * holds 11,882 of its 44,446 products, the ones whose photo is present):
 *
 * 1. **Label rule** ({@linkcode applyStudy003LabelRule}), applied to the whole
 *    catalogue so every profile has the same classes. With `minClassSize`
 *    (default 40) images as the limit: a `masterCategory` below it is
 *    dropped with its rows (Free Items 17, Sporting Goods 4); a
 *    `subCategory` below it is merged into `Other <masterCategory>` when
 *    the merged group reaches the limit, else dropped; a `gender` below it
 *    is dropped with its rows. Every decision is returned.
 * 2. **Split** ({@linkcode planStudy003Splits}): 80 / 10 / 10, stratified by
 *    `subCategory` x `gender` (so all three heads keep their proportions;
 *    `masterCategory` follows from `subCategory`), seeded.
 * 3. **Caps**: the profile's `maxTrainPerClass` / `maxEvalPerClass` apply
 *    per `subCategory` class within each split, taking a seeded random
 *    sample (so gender proportions within a class are kept on average).
 *    Capped profiles therefore test on a flatter class mix than the
 *    catalogue's; `full` uses everything.
 * 4. **Images** ({@linkcode loadStudy003Data}): decoded with sharp
 *    (`decodeToRgb`: EXIF rotation, white background, fitted and padded) to
 *    80 x 60, the network's input and the size of the Kaggle "small"
 *    thumbnails the study used; cached as `.npy` under `data/processed/`.
 *
 * Training goes through the workspace's seeded, checkpointed `fit`, and
 * every run lands as a complete run record tagged
 * `{ study: "003", profile, kind: "multi-output" }` whose `metrics.json`
 * holds {@linkcode MultiOutputMetrics}: per head accuracy, n, correct, 95%
 * Wilson and t intervals, confusion matrix and per-class report, plus the
 * averaged accuracy.
 *
 * The parts: the label rule (`labels.ts`), splits and images
 * (`data.ts`), training and per-head metrics (`train.ts`);
 * this module records the runs and the tuning sweep; notebooks import the
 * study from `mod.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import type { Profile } from "../../profiles.ts";
import { publishedValue } from "../../published/published.ts";
import { type MultiOutputHead } from "../../models/multi_output.ts";
import type { ProgressReporter } from "../../train/progress.ts";
import { type Params } from "../../train/search.ts";
import { DEFAULT_RUNS_ROOT, RunRecord } from "../../runs/record.ts";
import { runId } from "../../runs/run_id.ts";
import { recordEvaluatedRun } from "../../execute/classifier_run.ts";
import { arrayImages } from "../../execute/gallery.ts";
import type {
  HeadAccuracies,
  Study003Data,
  Study003DataOptions,
} from "./data.ts";
import { dispatchModelRuns } from "../../execute/model_jobs.ts";
import { reuseOrTrain } from "../../execute/run_claim.ts";
import {
  evaluateMultiOutput,
  type MultiOutputMetrics,
  type MultiOutputSettings,
  STUDY_003_BASE_SETTINGS,
  trainMultiOutput,
} from "./train.ts";
import { backendRef, type LabContext } from "../../runs/lab_context.ts";
import {
  replicateSeeds,
  type SeedSpread,
  seedSpread,
} from "../../eval/seed_spread.ts";

/**
 * Study 003's published test accuracies of its final model (fractions), as
 * its "Project Overview" states them (from `lib/published`).
 */
export const STUDY_003_PUBLISHED: Readonly<
  Record<MultiOutputHead | "average", number>
> = {
  masterCategory: publishedValue(
    "003",
    "final multi-output model, masterCategory",
    "test accuracy",
  ),
  subCategory: publishedValue(
    "003",
    "final multi-output model, subCategory",
    "test accuracy",
  ),
  gender: publishedValue(
    "003",
    "final multi-output model, gender",
    "test accuracy",
  ),
  average: publishedValue(
    "003",
    "final multi-output model",
    "average accuracy",
  ),
};

/**
 * The averaged accuracy in the study's opening sentence (94.1%), which
 * disagrees with the 96.2% of its "Project Overview".
 */
export const STUDY_003_HEADLINE_AVERAGE = 0.941;

/** The split sizes of study 003's data, as its runs record them. */
export const study003SplitSizes = (data: Study003Data) => ({
  train: data.train.ids.length,
  validation: data.validation.ids.length,
  test: data.test.ids.length,
});

export const runTags = (profile: Profile) => ({
  study: "003",
  profile: profile.name,
  kind: "multi-output",
});

/** Hyperparameters and data identity recorded with (and identifying) a run. */
export function runParams(
  settings: MultiOutputSettings,
  profile: Profile,
  data: Study003Data,
): Params {
  return {
    batchNorm: settings.batchNorm,
    dropout: settings.dropout,
    filters: settings.filters ?? 32,
    kernelSize: settings.kernelSize ?? 3,
    denseSize: settings.denseSize ?? 128,
    blocks: settings.blocks ?? 3,
    epochs: profile.epochs,
    batchSize: profile.batchSize,
    profile: profile.name,
    data: data.dataKey,
  };
}

/** The result of {@linkcode runStudy003}. */
export interface MultiOutputRunResult {
  /** Run id. */
  runId: string;
  /** Run folder. */
  dir: string;
  /** The metrics written. */
  metrics: MultiOutputMetrics;
  /** True when a complete run with the same id was reused. */
  reused: boolean;
}

/** The name of study 003's network run, and the builder of its job (`tasks/job_runners.ts`). */
export const STUDY_003_RUN_NAME = "Study 003 multi-output network";

/** What a job of {@linkcode STUDY_003_RUN_NAME} trains (its `ModelJobArgs.model`). */
export interface Study003RunJob {
  /** The network's settings. */
  settings: MultiOutputSettings;
  /** The seed of the data's splits (the submitter's, whatever the run's seed). */
  splitSeed: number;
}

/** The network trained with each of the profile's seeds. */
export interface Study003Runs extends MultiOutputRunResult {
  /** Every seed's run, the context's first (whose fields this object repeats). */
  seedRuns: MultiOutputRunResult[];
  /** The spread over the seeds of the average accuracy and of each head's. */
  seeds: { average: SeedSpread } & Record<keyof HeadAccuracies, SeedSpread>;
}

/** Options of {@linkcode runStudy003}. */
export interface Study003RunOptions {
  /** The network's settings (default: no BatchNorm, no dropout). */
  settings?: MultiOutputSettings;
  /** Runs root (default `reports/runs`). */
  runsRoot?: string;
  /** Progress of the fit in this process. */
  progress?: ProgressReporter;
  /** How `data` was loaded, for a job that loads it again (default: the installed dataset). */
  dataOptions?: Study003DataOptions;
  /** The seed that made `data`'s splits, when it is not the run's: tagged `splitSeed` in the record. */
  splitSeed?: number;
}

/** The run id {@linkcode runStudy003} gives `settings` on `data`. */
export function study003RunId(
  context: LabContext,
  data: Study003Data,
  settings: MultiOutputSettings,
): string {
  return runId(
    STUDY_003_RUN_NAME,
    runParams(settings, context.profile, data),
    context.seed,
  );
}

/**
 * Trains the multi-output network with `settings` (default: no BatchNorm,
 * no dropout) with each of the profile's `seedReplicates` seeds (the
 * context's first; `data`'s splits, made with the context's seed, stay)
 * and evaluates each on the test split into a complete run record; a
 * complete run with the same id is reused, an interrupted one resumes from
 * its last epoch. With an executor (`--workers N`, `--executor slurm`) the
 * runs are one batch of jobs ({@linkcode STUDY_003_RUN_NAME},
 * `run_jobs.ts`), and this call reads their records.
 */
export async function runStudy003(
  context: LabContext,
  data: Study003Data,
  options: Study003RunOptions = {},
): Promise<Study003Runs> {
  const settings = options.settings ?? STUDY_003_BASE_SETTINGS;
  const root = options.runsRoot ?? DEFAULT_RUNS_ROOT;
  const seeds = replicateSeeds(context.seed, context.profile.seedReplicates);
  const dispatched = await dispatchModelRuns<Study003RunJob>({
    builder: STUDY_003_RUN_NAME,
    root,
    profile: context.profile,
    backend: context.backend.name,
    data: { dataset: data.dataset, splits: study003SplitSizes(data) },
    source: options.dataOptions ?? null,
    runs: seeds.map((seed) => ({
      runId: study003RunId({ ...context, seed }, data, settings),
      seed,
      model: { settings, splitSeed: context.seed },
    })),
  });
  const seedRuns: MultiOutputRunResult[] = [];
  for (const seed of seeds) {
    seedRuns.push(
      dispatched.settle(
        await runStudy003Seed({ ...context, seed }, data, settings, {
          ...options,
          splitSeed: context.seed,
        }),
      ),
    );
  }
  const spread = (of: (m: MultiOutputMetrics) => number) =>
    seedSpread(seedRuns.map((r) => of(r.metrics)));
  return {
    ...seedRuns[0],
    seedRuns,
    seeds: {
      average: spread((m) => m.averageAccuracy),
      masterCategory: spread((m) => m.heads.masterCategory.accuracy),
      subCategory: spread((m) => m.heads.subCategory.accuracy),
      gender: spread((m) => m.heads.gender.accuracy),
    },
  };
}

/**
 * The network with `settings` trained with the context's seed on `data`
 * (whatever seed made its splits) and tested, into its run record (reused
 * when complete): one run of {@linkcode runStudy003}, and what its job does.
 */
export async function runStudy003Seed(
  context: LabContext,
  data: Study003Data,
  settings: MultiOutputSettings,
  options: Omit<Study003RunOptions, "settings"> = {},
): Promise<MultiOutputRunResult> {
  const params = runParams(settings, context.profile, data);
  const root = options.runsRoot ?? DEFAULT_RUNS_ROOT;
  const id = study003RunId(context, data, settings);
  return await reuseOrTrain<MultiOutputMetrics, MultiOutputRunResult>(
    join(root, id),
    data.dataset,
    (metrics) => ({ runId: id, dir: join(root, id), metrics, reused: true }),
    () => trainStudy003Run(context, data, settings, params, root, options),
  );
}

/** Trains and records the network (the caller holds the run's claim). */
async function trainStudy003Run(
  context: LabContext,
  data: Study003Data,
  settings: MultiOutputSettings,
  params: Params,
  root: string,
  options: Study003RunOptions,
): Promise<MultiOutputRunResult> {
  const run = await RunRecord.start({
    name: STUDY_003_RUN_NAME,
    params,
    seed: context.seed,
    dataset: data.dataset,
    splits: study003SplitSizes(data),
    backend: backendRef(context.backend),
    tags: {
      ...runTags(context.profile),
      ...(options.splitSeed === undefined || options.splitSeed === context.seed
        ? {}
        : { splitSeed: String(options.splitSeed) }),
    },
  }, { root });
  // Set inside the callback; `as` keeps TypeScript from narrowing it to null.
  let model = null as tf.LayersModel | null;
  try {
    const metrics = await recordEvaluatedRun(run, async () => {
      const trained = await trainMultiOutput(data, settings, {
        profile: context.profile,
        seed: context.seed,
        checkpointPath: run.checkpointPath,
        progress: options.progress,
      });
      model = trained.model;
      const { predictions, metrics } = await evaluateMultiOutput(
        model,
        data.test,
        data.classNames,
        trained.validation,
      );
      return {
        history: trained.fit.history,
        predictions,
        metrics,
        model,
        testImages: arrayImages(data.test),
      };
    });
    return { runId: run.id, dir: run.dir, metrics, reused: false };
  } finally {
    model?.dispose();
  }
}

// ------------------------------------------------------------------ tuning
