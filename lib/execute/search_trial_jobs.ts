/**
 * A search's trials as jobs: the job that trains one trial (or one seed of
 * the winner) in another process, the check a job makes before it trains,
 * and what a search returns in trial mode.
 *
 * Whoever writes a trial or test record holds the run folder's claim
 * (`lib/execute/run_claim.ts`) and re-reads the record once it has it, so
 * two processes never write one folder at once and a run completed
 * meanwhile is reused.
 *
 * @module
 */
import { resolve } from "node:path";
import { getProfile } from "../profiles.ts";
import type { Params } from "../train/search.ts";
import type { RunJob } from "./executor.ts";
import type { SearchExecution, SearchJobArgs } from "./execution_scope.ts";
import type {
  SearchOptions,
  SearchResult,
  TrialSummary,
} from "./search_options.ts";

/** The job of one trial of a dispatched search. */
export function trialJob<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  execution: SearchExecution,
  runIdOfTrial: string,
  rung?: number,
): RunJob {
  const profileName = String(options.info.tags?.profile ?? "");
  const args: SearchJobArgs = {
    search: options.name,
    profile: execution.profile ?? getProfile(profileName || undefined),
    seed: options.seed,
    backend: options.info.backend.name,
    dataset: options.info.dataset,
    splits: options.info.splits,
    source: execution.source ?? null,
    runsRoot: resolve(root),
  };
  return {
    builder: options.name,
    args,
    runId: runIdOfTrial,
    ...(rung === undefined ? {} : { rung }),
  };
}

/** Trial mode: refuses to train when the job's search was made of other data than the driver's. */
export function checkExpected<P extends Params>(
  options: SearchOptions<P>,
  only: NonNullable<SearchExecution["only"]>,
): void {
  const expect = only.expect;
  if (!expect) return;
  const same = (a: unknown, b: unknown) =>
    JSON.stringify(a) === JSON.stringify(b);
  if (!same(expect.dataset, options.info.dataset)) {
    throw new Error(
      `Job for run ${only.runId}: this process sees dataset ${
        JSON.stringify(options.info.dataset)
      }, the search that submitted it ${
        JSON.stringify(expect.dataset)
      }; install the same data where the jobs run (a shared file system)`,
    );
  }
  if (!same(expect.splits, options.info.splits)) {
    throw new Error(
      `Job for run ${only.runId}: this process's splits ${
        JSON.stringify(options.info.splits)
      } differ from the submitting search's ${
        JSON.stringify(expect.splits)
      } (another profile or data?)`,
    );
  }
}

/** The result of a search in trial mode: the one trial, no winner tested. */
export function trialModeResult<P extends Params>(
  trial: TrialSummary<P>,
): SearchResult<P> {
  return {
    trials: [trial],
    best: trial,
    testRunId: "",
    testMetrics: {},
    seedTests: [],
    trialJob: true,
  };
}
