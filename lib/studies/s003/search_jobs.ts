/**
 * Study 003's tuning search (`Study 003 tuning`, notebook 10) as jobs
 * (`lib/execute/executor.ts`): {@linkcode runStudy003TuningJob} is what a
 * job's process does with one of its trials: load the study's data at the
 * job's profile and seed (from the decoded-image cache the submitting
 * process filled, `data/processed/study003/`) and train that trial (to its
 * rung under halving). A notebook run with an executor in the environment
 * (`deno task notebooks --executor slurm 10`) hands the search's trials to
 * it; the jobs' runner is `tasks/run_job.ts`.
 *
 * @module
 */
import { selectBackend } from "../../backend.ts";
import type { RunJob } from "../../execute/executor.ts";
import {
  type SearchJobArgs,
  withSearchExecution,
} from "../../execute/search_runs.ts";
import { loadStudy003Data, type Study003DataOptions } from "./data.ts";
import { STUDY_003_TUNING_NAME, tuneStudy003 } from "./tuning.ts";

/** The name a job of this search carries as its builder. */
export const STUDY_003_SEARCH_JOB: string = STUDY_003_TUNING_NAME;

/**
 * A job of study 003's tuning search: re-creates the search from the
 * job's {@linkcode SearchJobArgs} (its `source`, when set, is the
 * {@linkcode Study003DataOptions} the submitter loaded its data with) and
 * trains the job's trial into the runs root; nothing else.
 *
 * @throws when the job belongs to another search.
 */
export async function runStudy003TuningJob(job: RunJob): Promise<void> {
  if (job.builder !== STUDY_003_SEARCH_JOB) {
    throw new Error(
      `A job of "${job.builder}" is not one of "${STUDY_003_SEARCH_JOB}"`,
    );
  }
  const args = job.args as SearchJobArgs;
  const context = {
    profile: args.profile,
    backend: await selectBackend(args.backend),
    seed: args.seed,
  };
  const data = await loadStudy003Data(
    context,
    (args.source as Study003DataOptions | null) ?? {},
  );
  await withSearchExecution(
    {
      only: {
        runId: job.runId,
        rung: job.rung,
        expect: { dataset: args.dataset, splits: args.splits },
      },
    },
    () => tuneStudy003(context, data, { runsRoot: args.runsRoot }),
  );
}
