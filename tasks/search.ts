/**
 * `deno run -A tasks/search.ts --search NAME [--profile P] [--seed N]
 * [--backend B] [--runs DIR] [--arrays DIR] [--strategy exhaustive|halving]
 * [--executor local|slurm [--workers N] [--partition ...]]`: one search of studies 000/001
 * (`Primary_Classification`, notebook 03's; `Shoes_Combined_001`,
 * notebook 06's) with its trials trained here (`local`), by N local worker
 * processes, or as a Slurm job array, and its winner tested here. Run ids
 * are the notebook's, so the notebook then reuses every record.
 *
 * Data: the shop arrays the notebooks use (converted on first use), or
 * `--arrays DIR`, a folder `deno task convert` wrote (its `conversion.json`
 * gives the fingerprint the records carry). Jobs that did not complete
 * their runs are listed (job id, run id, state, log) and the task exits 1;
 * the same command again reuses the complete runs and resumes the rest.
 *
 * `--strategy` trains the candidates another way than the profile does:
 * `exhaustive` (each to the profile's epochs, the studies' plain grid) or
 * `halving` (successive halving). Its trials and test are records of their
 * own (a halving trial's parameters name the schedule), so both can be kept
 * and the report compares their winners and costs; such a comparison
 * tests its winner with the search's seed only (no `seedReplicates`).
 */
import { join, resolve } from "node:path";
import { describeBackend, selectBackend } from "../lib/backend.ts";
import { formatAccuracy } from "../lib/eval/format.ts";
import { JobsFailed } from "../lib/execute/executor.ts";
import { makeExecutor } from "../lib/execute/executors.ts";
import { shopArrays, type ShopArraysSource } from "../lib/studies/s000/data.ts";
import {
  runSearchAsJobs,
  SEARCH_JOB_NAMES,
} from "../lib/studies/s001/search_jobs.ts";
import { TaskArgs } from "./args.ts";
import {
  EXECUTOR_OPTIONS,
  EXECUTOR_USAGE,
  executorSettings,
} from "./executor_args.ts";

const cli = new TaskArgs(
  "search",
  `usage: deno run -A tasks/search.ts --search ${
    SEARCH_JOB_NAMES.join("|")
  } [--profile smoke|course|full] [--seed N] [--backend NAME] [--runs DIR] [--arrays DIR] [--strategy exhaustive|halving] ${EXECUTOR_USAGE}`,
);
const { values } = cli.parse({
  options: {
    search: { type: "string" },
    profile: { type: "string" },
    seed: { type: "string", default: "42" },
    backend: { type: "string" },
    runs: { type: "string" },
    arrays: { type: "string" },
    strategy: { type: "string" },
    ...EXECUTOR_OPTIONS,
  },
});
const name: string = cli.oneOf(
  "search",
  values.search ?? cli.fail("--search is required"),
  SEARCH_JOB_NAMES,
);
const strategy = cli.oneOf("strategy", values.strategy, [
  "exhaustive",
  "halving",
]);
// Another strategy than the profile's is a comparison: the winner trains
// with the search's seed only.
const profile = strategy
  ? { ...cli.profile(values.profile), search: strategy, seedReplicates: 1 }
  : cli.profile(values.profile);
const seed = cli.integer("seed", values.seed, { min: 0 });
cli.directory("arrays", values.arrays);
const settings = executorSettings(cli, values);

/** The arrays of `--arrays`, described by their `conversion.json`. */
async function arraysSource(dir: string): Promise<ShopArraysSource> {
  const manifestPath = join(dir, "conversion.json");
  let manifest: {
    dataset: string;
    outputs: { fingerprint: string };
    options: { limitPerClass: number | null };
  };
  try {
    manifest = JSON.parse(await Deno.readTextFile(manifestPath));
  } catch (error) {
    throw new Error(
      `${manifestPath}: ${error}; --arrays takes a folder written by deno task convert`,
    );
  }
  if (manifest.dataset !== "fashion-product-images") {
    throw new Error(
      `${dir} holds ${manifest.dataset}, not the product photos (fashion-product-images)`,
    );
  }
  const limit = manifest.options.limitPerClass;
  return {
    dir: resolve(dir),
    datasetId: "fashion-product-images",
    fingerprint: manifest.outputs.fingerprint,
    standIn:
      `public product photos (fashion-product-images) mapped onto the fashion-shop label tree${
        limit === null ? "" : `, at most ${limit} per class`
      }; not the study's own photos`,
  };
}

const started = performance.now();
try {
  const backend = await selectBackend(values.backend);
  const source = values.arrays
    ? await arraysSource(values.arrays)
    : await shopArrays();
  const executor = makeExecutor(settings);
  console.log(
    `search ${name}: profile ${profile.name} (${profile.search}), seed ${seed}, ${
      describeBackend(backend)
    }, trials on ${executor?.description ?? "local (this process)"}`,
  );
  const result = await runSearchAsJobs(
    name,
    { profile, backend, seed },
    source,
    {
      runsRoot: values.runs ? resolve(values.runs) : undefined,
      executor,
    },
  );
  for (const trial of result.trials) {
    console.log(
      `  ${trial.runId}: validation ${formatAccuracy(trial.valAccuracy)}${
        trial.reused ? " (reused)" : ""
      }`,
    );
  }
  for (const t of result.seedTests.slice(1)) {
    console.log(
      `  winner with seed ${t.seed}: test ${
        formatAccuracy(Number(t.testMetrics.accuracy))
      } (record ${t.runId}${t.reused ? ", reused" : ""})`,
    );
  }
  console.log(
    `search ${name}: winner ${result.best.runId}, test ${
      formatAccuracy(Number(result.testMetrics.accuracy))
    } (record ${result.testRunId}), ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
} catch (error) {
  if (error instanceof JobsFailed) {
    console.error(`search: ${error.message}`);
  } else {
    console.error(
      `search: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  Deno.exit(1);
}
