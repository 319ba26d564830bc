/**
 * `deno task train [--profile P] [--backend B] [--seed N] [--mirror DIR]
 * [--runs DIR]`:
 * study 004's Fashion-MNIST CNN at a profile, the same run notebook 09 makes
 * (`runStudy004` in `lib/studies/s004/`). Installs and verifies Fashion-MNIST
 * first (from the mirror, or downloaded), then trains into a run record
 * under `reports/runs/` that the report shows. Rerunning the same command
 * resumes an interrupted run from its last checkpoint, or reuses the
 * finished one.
 *
 * `--runs` records into another runs root (default `reports/runs`), e.g. to
 * rerun the study from scratch and compare it with the reference records
 * (`deno task reference check --profile full --study 004 --runs DIR`).
 * With `--workers N` or `--executor slurm ...` the full profile's runs are
 * jobs (the epoch selection, then the seeds' runs as one batch).
 *
 * ```sh
 * deno task train --profile smoke                 # seconds
 * deno task train                                 # course (or $PROFILE)
 * deno task train --profile full --backend webgpu
 * ```
 *
 * @module
 */
import { resolveBackendRequest, selectBackend } from "../lib/backend.ts";
import { acquireDatasets } from "../lib/data/acquire/acquire.ts";
import { formatAccuracy } from "../lib/eval/format.ts";
import { formatSeedSpread } from "../lib/eval/seed_spread.ts";
import { runStudy004, STUDY_004_JOBS } from "../lib/studies/s004/mod.ts";
import { TaskArgs } from "./args.ts";
import {
  EXECUTOR_OPTIONS,
  EXECUTOR_USAGE,
  executorSettings,
} from "./executor_args.ts";
import { makeExecutor } from "../lib/execute/executors.ts";
import { withSearchExecution } from "../lib/execute/search_runs.ts";
import { describeSettings } from "../lib/execute/executor.ts";

const cli = new TaskArgs(
  "train",
  `usage: deno task train [--profile smoke|course|full] [--backend NAME] [--seed N] [--mirror DIR] [--runs reports/runs] ${EXECUTOR_USAGE}`,
);
const { values } = cli.parse({
  options: {
    profile: { type: "string" },
    backend: { type: "string" },
    seed: { type: "string", default: "42" },
    mirror: { type: "string" },
    runs: { type: "string" },
    ...EXECUTOR_OPTIONS,
  },
});
const seed = cli.integer("seed", values.seed, { min: 0 });
const profile = cli.profile(values.profile);
cli.check(() => resolveBackendRequest(values.backend));
cli.directory("mirror", values.mirror);
const executor = executorSettings(cli, values);

try {
  await acquireDatasets(["fashion-mnist"], {
    mirror: values.mirror,
    log: (line) => console.error(`data: ${line}`),
  });
  const backend = await selectBackend(values.backend);
  console.error(
    `train: study 004 at profile ${profile.name}, seed ${seed}; backend ${backend.name} on ${backend.device} (${backend.reason})`,
  );
  if (executor.kind !== "local") {
    console.error(`train: runs as jobs on ${describeSettings(executor)}`);
  }
  const result = await withSearchExecution(
    { executor: makeExecutor(executor), searches: [STUDY_004_JOBS] },
    () => runStudy004({ profile, backend, seed }, values.runs),
  );
  console.log(
    `${
      result.reused ? "reused" : "trained"
    } run ${result.runId}: test accuracy ${
      formatAccuracy(result.metrics.accuracy, result.metrics.wilson95)
    } (95% Wilson, n = ${result.metrics.n}); record in ${result.dir}`,
  );
  if (result.seeds.runs.length > 1) {
    console.log(
      `seeds ${
        result.seeds.runs.map((r) => r.runId).join(", ")
      }: test accuracy ${formatSeedSpread(result.seeds.accuracy)}`,
    );
  }
} catch (error) {
  // Data and training errors name what is wrong; no stack trace.
  console.error(`train: ${(error as Error).message}`);
  Deno.exit(1);
}
