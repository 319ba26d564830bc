/**
 * Training a category's models (notebooks 05 and 06): the combined model(s)
 * of Trousers&Jeans or Shoes, then the hierarchical chain (gender, then the
 * type model of each gender), each into its own run record, each with the
 * profile's seed replicates. The runs are independent: with an executor
 * (`deno task notebooks --executor slurm`, `--workers N`) they go to it as
 * one batch of jobs ({@linkcode CATEGORY_MODEL_JOBS}, run by
 * {@linkcode runCategoryModelJob}) before the category's results are read.
 *
 * @module
 */

import type { ClassifierRunResult } from "../../execute/classifier_run.ts";
import { selectBackend } from "../../backend.ts";
import type { RunJob } from "../../execute/executor.ts";
import {
  checkJobData,
  dispatchModelRuns,
  type ModelJobArgs,
  type ModelRunJob,
} from "../../execute/model_jobs.ts";
import { splitSizes } from "../../execute/classifier_run.ts";
import {
  type CategoryLevel,
  GENDERED_CATEGORIES,
  type GenderedCategory,
  type StudyModelSpec,
} from "./specs.ts";
import {
  type LevelData,
  loadLevel,
  portableSource,
  type ShopArraysSource,
  shopDatasetRef,
} from "./data.ts";
import { studyModelRunId, trainStudyModel } from "./train.ts";
import { categoryModels } from "./catalog.ts";
import type { LabContext } from "../../runs/lab_context.ts";
import { DEFAULT_RUNS_ROOT } from "../../runs/record.ts";
import {
  replicateSeeds,
  type SeedSpread,
  seedSpread,
} from "../../eval/seed_spread.ts";

/** The builder of a category model's job (`tasks/job_runners.ts`); executors name it. */
export const CATEGORY_MODEL_JOBS = "Study 000 category models";

/** Which category model a job trains (its {@linkcode ModelJobArgs.model}). */
export interface CategoryModelJob {
  category: GenderedCategory;
  level: CategoryLevel;
  /** The model's name (e.g. `Shoes_Gender_L2`). */
  name: string;
  /** The seed of the level's splits (the context's, whatever the run's seed). */
  splitSeed: number;
}

/** A trained model of a category with its data's class names. */
export interface CategoryModelRun {
  level: CategoryLevel;
  spec: StudyModelSpec;
  /** The run with the context's seed. */
  run: ClassifierRunResult;
  /** The same model with each of the profile's `seedReplicates` seeds (`run` first). */
  seedRuns: ClassifierRunResult[];
  /** Their test accuracies' spread. */
  seeds: SeedSpread;
}

/**
 * Trains (or reuses) every model of a category (see {@link categoryModels}),
 * each into a run record tagged `study`, `profile`, `model`, `level`,
 * `category`, with each of the profile's `seedReplicates` seeds (the
 * context's seed first; the splits stay those of the context's seed).
 */
export async function trainCategoryModels(
  context: LabContext,
  source: ShopArraysSource,
  category: GenderedCategory,
  runsRoot?: string,
): Promise<CategoryModelRun[]> {
  const models = categoryModels(category);
  const data = new Map<CategoryLevel, LevelData>();
  for (const { level } of models) {
    if (!data.has(level)) {
      data.set(
        level,
        await loadLevel(
          source,
          category,
          level,
          context.profile,
          context.seed,
        ),
      );
    }
  }
  const seeds = replicateSeeds(context.seed, context.profile.seedReplicates);
  const dataset = shopDatasetRef(source);
  const runs: ModelRunJob<CategoryModelJob>[] = models.flatMap((
    { level, spec },
  ) =>
    seeds.map((seed) => ({
      runId: studyModelRunId(spec, context.profile, seed),
      seed,
      model: { category, level, name: spec.name, splitSeed: context.seed },
      data: { dataset, splits: splitSizes(data.get(level)!) },
    }))
  );
  const dispatched = await dispatchModelRuns({
    builder: CATEGORY_MODEL_JOBS,
    root: runsRoot ?? DEFAULT_RUNS_ROOT,
    profile: context.profile,
    backend: context.backend.name,
    data: runs[0].data!,
    source: portableSource(source),
    runs,
  });
  const out: CategoryModelRun[] = [];
  for (const { level, spec } of models) {
    const seedRuns: ClassifierRunResult[] = [];
    for (const seed of seeds) {
      const run = await trainStudyModel({ ...context, seed }, {
        spec,
        level,
        data: data.get(level)!,
        source,
        category: GENDERED_CATEGORIES[category],
        runsRoot,
      });
      seedRuns.push(dispatched.settle(run));
    }
    out.push({
      level,
      spec,
      run: seedRuns[0],
      seedRuns,
      seeds: seedSpread(seedRuns.map((r) => r.metrics.accuracy)),
    });
  }
  return out;
}

/**
 * A category model's job (`tasks/run_job.ts`): reloads the model's level
 * at the submitter's profile and split seed, checks the data and the run id
 * against the job's, and trains the one run into the runs root.
 */
export async function runCategoryModelJob(
  job: RunJob,
): Promise<ClassifierRunResult> {
  const args = job.args as ModelJobArgs<CategoryModelJob>;
  const { category, level, name, splitSeed } = args.model;
  const spec = categoryModels(category).find((m) =>
    m.level === level && m.spec.name === name
  )?.spec;
  if (!spec) {
    throw new Error(
      `Job for run ${job.runId}: ${category} has no ${level} model ${name}`,
    );
  }
  // The submitter always names its arrays (`portableSource`).
  const source = args.source as ShopArraysSource;
  const data = await loadLevel(
    source,
    category,
    level,
    args.profile,
    splitSeed,
  );
  checkJobData(job, {
    dataset: shopDatasetRef(source),
    splits: splitSizes(data),
    runId: studyModelRunId(spec, args.profile, args.seed),
  });
  const backend = await selectBackend(args.backend);
  return await trainStudyModel(
    { profile: args.profile, backend, seed: args.seed },
    {
      spec,
      level,
      data,
      source,
      category: GENDERED_CATEGORIES[category],
      runsRoot: args.runsRoot,
    },
  );
}
