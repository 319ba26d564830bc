/**
 * `deno task reproduce [--profile P] [--mirror DIR] [--backend B]
 * [--executor local|slurm] [--workers N] [--partition ... --time ... --mem
 * ... --gres ... --account ...]`: the whole pipeline in one command:
 * install and verify the data (from a mirror, or downloaded), run every
 * notebook in `notebooks/` in order at the profile (default `course`; the
 * notebooks convert the product photos on first use), and build the
 * report. Prints each step and each notebook as it starts and ends;
 * finished runs are reused, so running it again after a failure picks up
 * where it stopped.
 *
 * `--plan [--json]` prints the plan instead (`deno task plan`: runs,
 * image-passes, estimated time and peak memory per notebook) and trains
 * nothing. At `full` (or with `--eta`) the plan is made first and each
 * finished notebook prints the estimated time left. `--check` compares the
 * runs with the profile's committed reference records at the end
 * (`deno task reference check`) and fails when they differ beyond its
 * tolerance.
 *
 * With `--workers N` or `--executor slurm` the training runs that run as
 * jobs (`tasks/job_runners.ts`: searches' trials, category models) go to N
 * local processes or to Slurm job arrays; the notebooks wait for them and
 * read their records.
 */
import { join, resolve } from "node:path";
import { resolveBackendRequest } from "../lib/backend.ts";
import { acquireDatasets } from "../lib/data/acquire/acquire.ts";
import { REPRODUCTION_DATASETS } from "../lib/data/acquire/catalog.ts";
import { executeNotebook, notebookToolsMissing } from "../lib/notebooks/run.ts";
import { peakNote } from "../lib/notebooks/peak_memory.ts";
import { describeSettings, executorEnv } from "../lib/execute/executor.ts";
import { TaskArgs } from "./args.ts";
import { planCommandArgs, printPlan } from "./plan_command.ts";
import { JOB_BUILDERS } from "./job_runners.ts";
import {
  EXECUTOR_OPTIONS,
  EXECUTOR_USAGE,
  executorSettings,
} from "./executor_args.ts";

const cli = new TaskArgs(
  "reproduce",
  `usage: deno task reproduce [--profile smoke|course|full] [--mirror DIR] [--backend NAME] [--notebooks notebooks] [--plan [--json]] [--eta] [--check] ${EXECUTOR_USAGE}`,
);
const { values } = cli.parse({
  options: {
    profile: { type: "string" },
    mirror: { type: "string" },
    backend: { type: "string" },
    notebooks: { type: "string", default: "notebooks" },
    plan: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    eta: { type: "boolean", default: false },
    check: { type: "boolean", default: false },
    ...EXECUTOR_OPTIONS,
  },
});
const executor = executorSettings(cli, values);
const profile = cli.profile(values.profile);
cli.check(() => resolveBackendRequest(values.backend));
cli.directory("mirror", values.mirror);
cli.directory("notebooks", values.notebooks);
const planRequest = {
  profile: profile.name,
  notebooks: values.notebooks,
  backend: values.backend,
  mirror: values.mirror,
};
if (values.plan) {
  Deno.exit(await printPlan({ ...planRequest, json: values.json }));
}
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
function fail(message: string): never {
  console.error(
    `reproduce: ${message}\nFix it and run the same command again (finished runs are reused).`,
  );
  Deno.exit(1);
}

const notebooks = [...Deno.readDirSync(values.notebooks)]
  .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
  .map((e) => e.name)
  .sort();
if (!notebooks.length) fail(`no notebooks in ${values.notebooks}/`);
const missing = await notebookToolsMissing();
if (missing) fail(missing);

console.log(
  `reproduce: profile ${profile.name}, ${notebooks.length} notebooks${
    values.backend ? `, backend ${values.backend}` : ""
  }, training runs ${
    executor.kind === "local"
      ? "in this process"
      : `as jobs on ${describeSettings(executor)}`
  }`,
);
console.log(
  `[1/3] data (${
    values.mirror ?? Deno.env.get("FASHION_MIRROR") ?? "download"
  })`,
);
await acquireDatasets(REPRODUCTION_DATASETS, {
  mirror: values.mirror,
  log: (line) => console.log(`  ${line}`),
});

const env: Record<string, string> = { PROFILE: profile.name };
if (values.backend) env.TFJS_BACKEND = values.backend;
if (values.mirror) env.FASHION_MIRROR = values.mirror;
if (executor.kind !== "local") {
  Object.assign(
    env,
    executorEnv({ ...executor, searches: [...JOB_BUILDERS] }),
  );
}
// The plan's estimate per notebook, for the time left after each one.
const estimated = new Map<string, number>();
if (values.eta || profile.name === "full") {
  console.log(`  plan (deno task plan --profile ${profile.name}):`);
  const out = await new Deno.Command(Deno.execPath(), {
    args: planCommandArgs({ ...planRequest, json: true }),
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) fail("the plan failed (see above)");
  for (const line of new TextDecoder().decode(out.stdout).trim().split("\n")) {
    const e = JSON.parse(line) as {
      notebook: string;
      estimatedSeconds: number;
    };
    estimated.set(e.notebook, e.estimatedSeconds);
    console.log(
      `    ${e.notebook}: ${(e.estimatedSeconds / 3600).toFixed(1)} h`,
    );
  }
}
const left = (from: number) =>
  notebooks.slice(from).reduce(
    (a, n) => a + (estimated.get(n.replace(/\.ipynb$/, "")) ?? 0),
    0,
  );
console.log(`[2/3] notebooks at profile ${profile.name} (${elapsed()})`);
for (const [i, name] of notebooks.entries()) {
  console.log(`  ${i + 1}/${notebooks.length} ${name} ...`);
  const result = await executeNotebook(join(values.notebooks, name), {
    outDir: join("reports", "notebooks"),
    env,
  });
  if (!result.ok) {
    fail(
      `${name}: cell ${result.cell ?? "?"} failed after ${
        result.seconds.toFixed(1)
      } s\n${result.error}`,
    );
  }
  console.log(
    `  ${i + 1}/${notebooks.length} ${name}: ${result.cells} cells, ${
      result.seconds.toFixed(1)
    } s${peakNote(result.peakMemory)} (${elapsed()} in all${
      estimated.size
        ? `; ${i + 1}/${notebooks.length} done, about ${
          (left(i + 1) / 3600).toFixed(1)
        } h left by the plan`
        : ""
    })`,
  );
}

console.log(`[3/3] report (${elapsed()})`);
const report = await new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "tasks/report.ts"],
  stdout: "inherit",
  stderr: "inherit",
}).spawn().status;
if (!report.success) fail("the report failed");
if (values.check) {
  console.log(`[check] the runs against reports/reference/${profile.name}/`);
  const check = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "tasks/reference.ts",
      "check",
      "--profile",
      profile.name,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!check.success) {
    fail("the runs differ from the reference records (above)");
  }
}
const index = join("reports", "index.html");
console.log(
  `reproduce: done in ${elapsed()}; open ${index} (file://${resolve(index)})`,
);
