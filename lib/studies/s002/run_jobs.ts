/**
 * A job of study 002 (`tasks/run_job.ts`, builder
 * {@linkcode STUDY_002_JOBS}): one set-up's run with one training seed,
 * re-created in a fresh process from the submitter's profile, data seed,
 * dataset folder and settings.
 * It reloads the photos, checks the data, split sizes and run id against
 * the job's, and trains that run; a transfer run computes the frozen-base
 * features itself (every job of a batch does: the price of running the
 * set-ups apart).
 *
 * @module
 */
import { selectBackend } from "../../backend.ts";
import type { RunJob } from "../../execute/executor.ts";
import { checkJobData, type ModelJobArgs } from "../../execute/model_jobs.ts";
import { loadStudy002Data } from "./data.ts";
import {
  lazyStudy002Features,
  runStudy002Baseline,
  runStudy002Transfer,
  type Study002JobSource,
  STUDY_002_JOBS,
} from "./runs.ts";
import { study002RunIdentity } from "./run_identity.ts";
import {
  type Study002Run,
  type Study002RunSpec,
  study002Settings,
} from "./settings.ts";

export { STUDY_002_JOBS };

/** Trains the job's set-up run into the runs root. */
export async function runStudy002Job(job: RunJob): Promise<Study002Run> {
  const args = job.args as ModelJobArgs<Study002RunSpec>;
  const source = args.source as Study002JobSource;
  const backend = await selectBackend(args.backend);
  // The data is the submitter's seed's; the job's seed is the run's training seed.
  const context = { profile: args.profile, backend, seed: source.dataSeed };
  const data = await loadStudy002Data(args.profile, source.dataSeed, {
    dir: source.dir,
    dataset: source.dataset,
  });
  const settings = study002Settings(args.profile, source.settings);
  const spec = args.model;
  const identity = study002RunIdentity(
    context,
    data,
    spec,
    settings,
    args.seed,
  );
  checkJobData(job, { dataset: data.dataset, ...identity });
  const options = {
    runsRoot: args.runsRoot,
    settings: source.settings,
    baseDir: source.baseDir,
    trainSeed: args.seed,
  };
  return settings.setups[spec.setup].model === "baseline"
    ? await runStudy002Baseline(context, data, spec, options)
    : await runStudy002Transfer(
      context,
      data,
      spec,
      lazyStudy002Features(context, data, settings, options),
      options,
    );
}
