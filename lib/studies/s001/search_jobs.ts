/**
 * The searches of studies 000 and 001 that can run their trials as jobs
 * (`lib/execute/executor.ts`), by name: study 000's primary search
 * (`Primary_Classification`, notebook 03), its per-model searches
 * (`Trousers&Jeans_All_Search`, ..., notebooks 05 and 06,
 * `lib/studies/s000/model_searches.ts`) and study 001's Shoes grid
 * (`Shoes_Combined_001`, notebook 06). The name is the search's own (its
 * trials are `<name> trial`), so a job's `builder` names the search it
 * belongs to.
 *
 * - {@linkcode runSearchAsJobs} runs one of them with its trials handed to
 *   an executor (`tasks/search.ts`);
 * - {@linkcode runSearchJob} is what a job's process does
 *   (`tasks/run_job.ts`): re-create the search from the job's
 *   {@linkcode SearchJobArgs} (profile, seed, backend, data source, runs
 *   root) and train the job's one trial.
 *
 * Notebooks run with an executor in the environment (`FASHION_EXECUTOR`,
 * set by `deno task notebooks --executor ...`) dispatch these searches
 * without a change; `tasks/search_jobs.ts` lists them with study 003's
 * for the environment and for `tasks/run_job.ts`.
 *
 * @module
 */
import { selectBackend } from "../../backend.ts";
import type { LabContext } from "../../runs/lab_context.ts";
import type { RunExecutor, RunJob } from "../../execute/executor.ts";
import {
  type SearchJobArgs,
  withSearchExecution,
} from "../../execute/search_runs.ts";
import { shopArrays, type ShopArraysSource } from "../s000/data.ts";
import {
  type LevelSearch,
  type LevelSearchResult,
  runPrimarySearch,
} from "../s000/search.ts";
import {
  GENDERED_CATEGORIES,
  type GenderedCategory,
  PRIMARY_BEST,
} from "../s000/specs.ts";
import { modelSearch, modelSearchSpecs } from "../s000/model_searches.ts";
import { runShoesGrid001, STUDY_001_SHOES_MODEL } from "./shoes_grid.ts";

/** The searches that run as jobs, by name: study 000's primary search and its per-model searches, study 001's grid. */
export const SEARCH_JOBS: Readonly<Record<string, LevelSearch>> = {
  [PRIMARY_BEST.name]: runPrimarySearch,
  ...Object.fromEntries(
    (Object.keys(GENDERED_CATEGORIES) as GenderedCategory[]).flatMap((
      category,
    ) =>
      modelSearchSpecs(category).map((
        search,
      ) => [search.name, modelSearch(category, search)])
    ),
  ),
  [STUDY_001_SHOES_MODEL]: runShoesGrid001,
};

/** Their names. */
export const SEARCH_JOB_NAMES: readonly string[] = Object.keys(SEARCH_JOBS);

/** The search of `name`, or an error listing the ones there are. */
function searchNamed(name: string): LevelSearch {
  const search = SEARCH_JOBS[name];
  if (!search) {
    throw new Error(
      `No search "${name}" runs as jobs; these do: ${
        SEARCH_JOB_NAMES.join(", ")
      }`,
    );
  }
  return search;
}

/**
 * Runs the search `name` with the trials it still has to train handed to
 * `executor` (undefined: trained here, one after another), then tests the
 * winner here. The jobs re-create the search from `context` and `source`.
 *
 * @throws {JobsFailed} (from `lib/execute/executor.ts`) when jobs did not
 * complete their runs, listing job id, run id, state and log of each.
 */
export function runSearchAsJobs(
  name: string,
  context: LabContext,
  source: ShopArraysSource,
  options: { runsRoot?: string; executor?: RunExecutor } = {},
): Promise<LevelSearchResult> {
  const search = searchNamed(name);
  return withSearchExecution(
    {
      executor: options.executor,
      searches: [name],
      profile: context.profile,
      source,
    },
    () => search(context, source, options.runsRoot),
  );
}

/**
 * A job's work: re-creates the search of `job.builder` from its
 * {@linkcode SearchJobArgs} (the source the driver used, or the default
 * shop arrays when it passed none) and trains the job's trial (to its
 * rung under halving) into the runs root; nothing else.
 */
export async function runSearchJob(job: RunJob): Promise<LevelSearchResult> {
  const search = searchNamed(job.builder);
  const args = job.args as SearchJobArgs;
  const source = (args.source as ShopArraysSource | null) ?? await shopArrays();
  const backend = await selectBackend(args.backend);
  return await withSearchExecution(
    {
      only: {
        runId: job.runId,
        rung: job.rung,
        expect: { dataset: args.dataset, splits: args.splits },
      },
    },
    () =>
      search(
        { profile: args.profile, backend, seed: args.seed },
        source,
        args.runsRoot,
      ),
  );
}
