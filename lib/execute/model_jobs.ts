/**
 * Model runs as jobs: the training runs that are not search trials (a
 * category's models and their seed replicates, the shoe-orientation runs,
 * the primary model's variants, the glasses model, study 004's runs, study
 * 002's set-ups, study 003's network) handed to an executor as one batch,
 * the way a search hands it its trials (`search_runs.ts`).
 *
 * A study that trains several independent runs first lists them
 * ({@linkcode ModelRunJob}: the run id, known before training through
 * `classifierRunId`, its seed, and what the study's job runner needs to
 * re-create that one run) and calls {@linkcode dispatchModelRuns}. When an
 * executor applies to the batch's builder (the scope's, or
 * `FASHION_EXECUTOR`'s for the names it lists), the runs without a complete
 * record go to it as one batch (one `sbatch` job array under Slurm) and the
 * call returns when every job has ended; otherwise it does nothing. Either
 * way the study then goes through its runs as before, and finds those the
 * jobs completed: "compare after the models" is simply the code after the
 * call, waiting in the submitting process.
 *
 * A job's process runs the builder's runner (`tasks/job_runners.ts` lists
 * them), which reloads the data from {@linkcode ModelJobArgs}, refuses to
 * train when they differ from the submitter's ({@linkcode checkJobData})
 * and trains the job's one run.
 *
 * @module
 */
import { resolve } from "node:path";
import type { Profile } from "../profiles.ts";
import {
  isRunComplete,
  type JobArgs,
  runBatch,
  type RunJob,
} from "./executor.ts";
import { executorFor } from "./execution_scope.ts";

/** What a model job re-creates its run from (the `args` of its {@linkcode RunJob}). */
export interface ModelJobArgs<M = unknown> extends JobArgs {
  /** Which of the study's runs this is (the study's own JSON: a model name, a set-up, a variant). */
  model: M;
}

/** One run of a batch: its id and what its job needs beyond the batch's common arguments. */
export interface ModelRunJob<M = unknown> {
  /** The run's id (`classifierRunId`). */
  runId: string;
  /** The run's seed. */
  seed: number;
  /** Which run it is, in the study's terms. */
  model: M;
  /** The data of this run, where they differ from the batch's (another level's splits). */
  data?: Pick<ModelJobArgs, "dataset" | "splits">;
}

/** What every job of a batch shares. */
export interface ModelBatch<M = unknown> {
  /** The builder (registered in `tasks/job_runners.ts`) that re-creates a run in a job. */
  builder: string;
  /** The runs root. */
  root: string;
  /** The profile. */
  profile: Profile;
  /** The backend's name. */
  backend: string;
  /** The data of the runs (a run may name its own, {@linkcode ModelRunJob.data}). */
  data: Pick<ModelJobArgs, "dataset" | "splits">;
  /** The study's data source, or null for its default. */
  source: unknown;
  /** The runs. */
  runs: ModelRunJob<M>[];
}

/**
 * Hands the runs of `batch` that have no complete record to the executor
 * that applies to `batch.builder`, as one batch of jobs, and waits for
 * them; does nothing when no executor applies (the caller trains them
 * itself) or every run is complete. Says which runs it handed over.
 *
 * @throws {JobsFailed} (from `executor.ts`) when jobs did not complete
 * their runs, listing job id, run id, state and log of each.
 */
export async function dispatchModelRuns<M>(
  batch: ModelBatch<M>,
): Promise<DispatchedRuns> {
  const executor = executorFor(batch.builder);
  if (!executor) return new DispatchedRuns([]);
  const root = resolve(batch.root);
  const pending: ModelRunJob<M>[] = [];
  for (const run of batch.runs) {
    if (!(await isRunComplete(root, run.runId))) pending.push(run);
  }
  if (!pending.length) return new DispatchedRuns([]);
  const jobs: RunJob[] = pending.map((run) => {
    const { dataset, splits } = run.data ?? batch.data;
    const args: ModelJobArgs<M> = {
      profile: batch.profile,
      seed: run.seed,
      backend: batch.backend,
      dataset,
      splits,
      source: batch.source,
      runsRoot: root,
      model: run.model,
    };
    return { builder: batch.builder, args, runId: run.runId };
  });
  await runBatch(executor, { name: batch.builder, root, jobs });
  return new DispatchedRuns(pending.map((run) => run.runId));
}

/** The runs a batch handed to jobs ({@linkcode dispatchModelRuns}). */
export class DispatchedRuns {
  /** The ids of the runs handed over. */
  readonly ids: ReadonlySet<string>;

  /** @param ids the ids of the runs handed over. */
  constructor(ids: Iterable<string>) {
    this.ids = new Set(ids);
  }

  /**
   * `run` as the study then reads it back: a run a job of this batch
   * trained just now was trained, not reused.
   */
  settle<R extends { runId: string; reused: boolean }>(run: R): R {
    return this.ids.has(run.runId) ? { ...run, reused: false } : run;
  }
}

/**
 * A job's check before it trains: the data it loaded must be the
 * submitter's (same dataset fingerprint and split sizes), and the run it
 * is about to train must be the job's.
 *
 * @throws naming the job's run and both sides when they differ.
 */
export function checkJobData(
  job: RunJob,
  found: Pick<ModelJobArgs, "dataset" | "splits"> & { runId: string },
): void {
  const args = job.args as ModelJobArgs;
  const same = (a: unknown, b: unknown) =>
    JSON.stringify(a) === JSON.stringify(b);
  if (!same(args.dataset, found.dataset)) {
    throw new Error(
      `Job for run ${job.runId}: this process sees dataset ${
        JSON.stringify(found.dataset)
      }, the submitter ${
        JSON.stringify(args.dataset)
      }; install the same data where the jobs run (a shared file system)`,
    );
  }
  if (!same(args.splits, found.splits)) {
    throw new Error(
      `Job for run ${job.runId}: this process's splits ${
        JSON.stringify(found.splits)
      } differ from the submitter's ${
        JSON.stringify(args.splits)
      } (another profile or data?)`,
    );
  }
  if (found.runId !== job.runId) {
    throw new Error(
      `Job for run ${job.runId} would train run ${found.runId}; were the jobs made with another profile, seed or code version?`,
    );
  }
}
