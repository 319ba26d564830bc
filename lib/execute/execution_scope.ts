/**
 * Where training runs: in this process, or handed to an executor
 * (`lib/execute/executor.ts`: local worker processes or Slurm) as jobs.
 *
 * Within {@linkcode withSearchExecution} (or with `FASHION_EXECUTOR` set,
 * for the searches and model batches it names) a search hands the trials it
 * still has to train to the executor as one batch of jobs (under halving,
 * one batch per rung) and a study its model runs
 * (`lib/execute/model_jobs.ts`); each job re-creates its search in a fresh
 * process from {@linkcode SearchJobArgs} through a registered builder and
 * calls it in trial mode ({@linkcode SearchExecution.only}).
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Profile } from "../profiles.ts";
import {
  executorSettingsFromEnv,
  type JobArgs,
  type RunExecutor,
} from "./executor.ts";
import { makeExecutor } from "./executors.ts";

/**
 * What a trial job re-creates its search from (the `args` of its
 * {@linkcode RunJob}; the job's `builder` is the search's name).
 */
export interface SearchJobArgs extends JobArgs {
  /** The search's name. */
  search: string;
}

/** How the searches started in a scope run their trials. */
export interface SearchExecution {
  /** Hand the trials to this executor as jobs (instead of training them here). */
  executor?: RunExecutor;
  /** Only the searches of these names are dispatched (default: all). */
  searches?: string[];
  /** The profile to put into the jobs' arguments (default: the named profile of the trials' `profile` tag). */
  profile?: Profile;
  /** The data source to put into the jobs' arguments (default null: the study's default data). */
  source?: unknown;
  /**
   * Trial mode (a job): train only the trial with this run id (under
   * halving, to this rung), no test evaluation; `expect` is what the
   * driver's search was made of, checked before anything is trained.
   */
  only?: {
    runId: string;
    rung?: number;
    expect?: Pick<SearchJobArgs, "dataset" | "splits">;
  };
}

const executionScope = new AsyncLocalStorage<SearchExecution>();

/**
 * Runs `fn` with `execution` applying to every search it starts (through
 * any number of calls, e.g. a study's search function): trials dispatched
 * to an executor, or (a job) only one trial trained.
 */
export function withSearchExecution<T>(
  execution: SearchExecution,
  fn: () => Promise<T>,
): Promise<T> {
  return executionScope.run(execution, fn);
}

/** The scope's execution, else the environment's (`FASHION_EXECUTOR`), else none (train here). */
export function currentExecution(): SearchExecution | undefined {
  const scoped = executionScope.getStore();
  if (scoped) return scoped;
  const settings = executorSettingsFromEnv();
  if (settings.kind === "local") return undefined;
  return { executor: makeExecutor(settings), searches: settings.searches };
}

/** The dispatching half of an execution that applies to the search `name`. */
export function dispatcherFor(
  execution: SearchExecution | undefined,
  name: string,
): SearchExecution | undefined {
  if (!execution?.executor || execution.only) return undefined;
  if (execution.searches && !execution.searches.includes(name)) {
    return undefined;
  }
  return execution;
}

/**
 * The executor that the current scope (or `FASHION_EXECUTOR`) hands the
 * jobs named `name` to (a search, or a batch of model runs,
 * `lib/execute/model_jobs.ts`); undefined: train them in this process.
 */
export function executorFor(name: string): RunExecutor | undefined {
  return dispatcherFor(currentExecution(), name)?.executor;
}
