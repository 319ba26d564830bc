/**
 * Every search whose trials can run as jobs, by name, with what a job of it
 * runs: study 000's primary search and study 001's Shoes grid
 * (`lib/studies/s001/search_jobs.ts`) and study 003's tuning search
 * (`lib/studies/s003/search_jobs.ts`). `tasks/run_job.ts` looks a job's
 * builder up here; `reproduce` and `notebooks` name these searches in the
 * executor settings they hand to the notebooks.
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

/** What a job of each search runs, by the search's name. */
export const JOB_RUNNERS: Readonly<
  Record<string, (job: RunJob) => Promise<unknown>>
> = {
  ...Object.fromEntries(SEARCH_JOB_NAMES.map((name) => [name, runSearchJob])),
  [STUDY_003_SEARCH_JOB]: runStudy003TuningJob,
};

/** The searches that run as jobs. */
export const JOB_SEARCHES: readonly string[] = Object.keys(JOB_RUNNERS);

/**
 * Runs `job` through its search's runner.
 *
 * @throws when no search of the job's builder runs as jobs.
 */
export async function runJob(job: RunJob): Promise<void> {
  const runner = JOB_RUNNERS[job.builder];
  if (!runner) {
    throw new Error(
      `No search "${job.builder}" runs as jobs; these do: ${
        JOB_SEARCHES.join(", ")
      }`,
    );
  }
  await runner(job);
}
