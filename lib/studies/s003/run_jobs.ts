/**
 * A job of study 003's network run ({@linkcode STUDY_003_RUN_NAME},
 * `tasks/run_job.ts`): loads the study's data at the job's profile and the
 * submitter's split seed (with the submitter's data options, else the
 * installed dataset through the decoded-image cache the submitter filled),
 * checks data and run id against the job's and trains the run with the
 * job's seed.
 *
 * @module
 */
import { selectBackend } from "../../backend.ts";
import type { RunJob } from "../../execute/executor.ts";
import { checkJobData, type ModelJobArgs } from "../../execute/model_jobs.ts";
import { loadStudy003Data, type Study003DataOptions } from "./data.ts";
import {
  type MultiOutputRunResult,
  runStudy003Seed,
  study003RunId,
  type Study003RunJob,
  study003SplitSizes,
  STUDY_003_RUN_NAME,
} from "./runs.ts";

export { STUDY_003_RUN_NAME };

/** Trains the job's run into the runs root. */
export async function runStudy003Job(
  job: RunJob,
): Promise<MultiOutputRunResult> {
  const args = job.args as ModelJobArgs<Study003RunJob>;
  const context = {
    profile: args.profile,
    backend: await selectBackend(args.backend),
    seed: args.seed,
  };
  const dataOptions = (args.source as Study003DataOptions | null) ?? {};
  const data = await loadStudy003Data(
    { ...context, seed: args.model.splitSeed },
    dataOptions,
  );
  checkJobData(job, {
    dataset: data.dataset,
    splits: study003SplitSizes(data),
    runId: study003RunId(context, data, args.model.settings),
  });
  return await runStudy003Seed(context, data, args.model.settings, {
    runsRoot: args.runsRoot,
    dataOptions,
    splitSeed: args.model.splitSeed,
  });
}
