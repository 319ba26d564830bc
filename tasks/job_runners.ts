/**
 * Every batch of training runs that can run as jobs, by builder name, with
 * what a job of it runs:
 *
 * - searches (each trial a job): study 000's primary search and per-model
 *   searches, study 001's Shoes grid (`lib/studies/s001/search_jobs.ts`),
 *   study 003's tuning search (`lib/studies/s003/search_jobs.ts`);
 * - model runs (each run a job, `lib/execute/model_jobs.ts`): study 000's
 *   category models with their seed replicates
 *   (`lib/studies/s000/category_models.ts`); study 004's runs at `full`
 *   (`lib/studies/s004/runs.ts`: the epoch selection, then the seeds);
 *   study 002's set-ups (`lib/studies/s002/run_jobs.ts`); the primary
 *   model's variants (`lib/studies/s000/primary_variant_jobs.ts`); the
 *   shoe-orientation experiment's three runs
 *   (`lib/studies/s000/shoe_orientation.ts`); study 003's network run
 *   (`lib/studies/s003/run_jobs.ts`); the glasses model, where the authors'
 *   arrays allow it (`lib/studies/s000/glasses.ts`).
 *
 * `tasks/run_job.ts` looks a job's builder up here; `reproduce` and
 * `notebooks` name these builders in the executor settings they hand to the
 * notebooks.
 *
 * @module
 */
import type { RunJob } from "../lib/execute/executor.ts";
import {
  runSearchJob,
  SEARCH_JOB_NAMES,
} from "../lib/studies/s001/search_jobs.ts";
import {
  runStudy003TuningJob,
  STUDY_003_SEARCH_JOB,
} from "../lib/studies/s003/search_jobs.ts";
import {
  CATEGORY_MODEL_JOBS,
  runCategoryModelJob,
} from "../lib/studies/s000/category_models.ts";
import { runStudy004Job, STUDY_004_JOBS } from "../lib/studies/s004/mod.ts";
import {
  PRIMARY_VARIANT_JOBS,
  runPrimaryVariantJob,
} from "../lib/studies/s000/primary_variant_jobs.ts";
import {
  runShoeOrientationJob,
  SHOE_ORIENTATION_JOBS,
} from "../lib/studies/s000/shoe_orientation.ts";
import {
  runStudy003Job,
  STUDY_003_RUN_NAME,
} from "../lib/studies/s003/run_jobs.ts";
import { GLASSES_JOBS, runGlassesJob } from "../lib/studies/s000/glasses.ts";
import {
  runStudy002Job,
  STUDY_002_JOBS,
} from "../lib/studies/s002/run_jobs.ts";

/** What a job of each builder runs, by the builder's name. */
export const JOB_RUNNERS: Readonly<
  Record<string, (job: RunJob) => Promise<unknown>>
> = {
  ...Object.fromEntries(SEARCH_JOB_NAMES.map((name) => [name, runSearchJob])),
  [STUDY_003_SEARCH_JOB]: runStudy003TuningJob,
  [CATEGORY_MODEL_JOBS]: runCategoryModelJob,
  [STUDY_004_JOBS]: runStudy004Job,
  [STUDY_002_JOBS]: runStudy002Job,
  [PRIMARY_VARIANT_JOBS]: runPrimaryVariantJob,
  [SHOE_ORIENTATION_JOBS]: runShoeOrientationJob,
  [STUDY_003_RUN_NAME]: runStudy003Job,
  [GLASSES_JOBS]: runGlassesJob,
};

/** The builders whose runs can go to an executor (what `--executor` / `--workers` apply to). */
export const JOB_BUILDERS: readonly string[] = Object.keys(JOB_RUNNERS);

/**
 * Runs `job` through its builder's runner.
 *
 * @throws when no builder of the job's name runs as jobs.
 */
export async function runJob(job: RunJob): Promise<void> {
  const runner = JOB_RUNNERS[job.builder];
  if (!runner) {
    throw new Error(
      `No runs of "${job.builder}" run as jobs; these do: ${
        JOB_BUILDERS.join(", ")
      }`,
    );
  }
  await runner(job);
}
