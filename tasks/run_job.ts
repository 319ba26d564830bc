/**
 * `deno run -A tasks/run_job.ts <jobs.json> <index>`: one job of a batch
 * (`lib/execute/executor.ts`): reads job `index` of `jobs.json`, re-creates
 * its run through the registered builder and trains it into its record
 * (reused when complete, resumed from its checkpoint when interrupted,
 * waited for when another process holds its claim). What a Slurm array
 * task and a local worker run; not meant to be typed by hand. Exit 0 when
 * the run is complete, 1 with one line saying why not.
 */
import { isJobDone, type JobArgs, readJob } from "../lib/execute/executor.ts";
import { currentJobId } from "../lib/execute/run_claim.ts";
import { TaskArgs } from "./args.ts";
import { runJob } from "./job_runners.ts";
import { withSearchExecution } from "../lib/execute/search_runs.ts";

const cli = new TaskArgs(
  "run_job",
  "usage: deno run -A tasks/run_job.ts <jobs.json> <index>",
);
const { positionals } = cli.parse({ options: {}, allowPositionals: true });
if (positionals.length !== 2) cli.fail("give the jobs file and the index");
const index = cli.integer("index", positionals[1], { min: 0 });
const started = performance.now();
try {
  const job = await readJob(positionals[0], index);
  console.log(
    `job ${
      currentJobId() ?? "?"
    } on ${Deno.hostname()}: run ${job.runId} of "${job.builder}"${
      job.rung === undefined ? "" : ` (rung ${job.rung})`
    }`,
  );
  // Nothing a job runs hands work on to an executor: the job is the work.
  await withSearchExecution({}, () => runJob(job));
  const root = (job.args as JobArgs).runsRoot;
  if (!(await isJobDone(root, job))) {
    throw new Error(`run ${job.runId} is not complete after its job`);
  }
  console.log(
    `run ${job.runId} ${
      job.rung === undefined ? "complete" : `rung ${job.rung} recorded`
    } in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
} catch (error) {
  console.error(
    `run_job: ${error instanceof Error ? error.message : String(error)}`,
  );
  Deno.exit(1);
}
