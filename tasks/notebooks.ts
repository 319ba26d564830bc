/**
 * `deno task notebooks [--profile P] [--backend B] [--executor local|slurm]
 * [--workers N] [--partition ...] [name...]`: executes the notebooks in
 * `notebooks/` in order, headless, with the Deno kernel; stops at the first
 * failing cell (printing notebook, cell and error, exit 1) and saves
 * executed copies under `reports/notebooks/`. With `--workers N` or
 * `--executor slurm`, the notebooks' training runs that run as jobs
 * (`tasks/job_runners.ts`: the searches of notebooks 03, 05, 06 and 10, the
 * category models of notebooks 05 and 06) go to N local processes or to
 * Slurm job arrays (`deno task notebooks --executor slurm 06`).
 * `--plan [--json]` prints the plan of the chosen notebooks instead
 * (`deno task plan`) and runs nothing.
 */
import { join } from "node:path";
import { resolveBackendRequest } from "../lib/backend.ts";
import { executeNotebook, notebookToolsMissing } from "../lib/notebooks/run.ts";
import { peakNote } from "../lib/notebooks/peak_memory.ts";
import { describeSettings, executorEnv } from "../lib/execute/executor.ts";
import { TaskArgs } from "./args.ts";
import { printPlan } from "./plan_command.ts";
import { JOB_BUILDERS } from "./job_runners.ts";
import {
  EXECUTOR_OPTIONS,
  EXECUTOR_USAGE,
  executorSettings,
} from "./executor_args.ts";

const cli = new TaskArgs(
  "notebooks",
  `usage: deno task notebooks [--profile smoke|course|full] [--backend NAME] [--dir notebooks] [--out reports/notebooks] [--plan [--json]] ${EXECUTOR_USAGE} [name...]`,
);
const { values, positionals } = cli.parse({
  allowPositionals: true,
  options: {
    profile: { type: "string" },
    backend: { type: "string" },
    dir: { type: "string", default: "notebooks" },
    out: { type: "string", default: join("reports", "notebooks") },
    plan: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    ...EXECUTOR_OPTIONS,
  },
});
const executor = executorSettings(cli, values);
const profile = cli.profile(values.profile);
cli.check(() => resolveBackendRequest(values.backend));
cli.directory("dir", values.dir);
if (values.plan) {
  // The plan of these notebooks instead of running them (deno task plan).
  Deno.exit(
    await printPlan({
      profile: profile.name,
      notebooks: values.dir,
      backend: values.backend,
      json: values.json,
      only: positionals,
    }),
  );
}
const missing = await notebookToolsMissing();
if (missing) {
  console.error(`notebooks: ${missing}`);
  Deno.exit(1);
}
const all = [...Deno.readDirSync(values.dir)]
  .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
  .map((e) => e.name)
  .sort();
const chosen = positionals.length
  ? all.filter((n) => positionals.some((p) => n.includes(p)))
  : all;
if (chosen.length === 0) {
  console.error(
    `notebooks: none matched ${positionals.join(", ")} in ${values.dir}/ (${
      all.join(", ")
    })`,
  );
  Deno.exit(1);
}
const env: Record<string, string> = { PROFILE: profile.name };
if (values.backend) env.TFJS_BACKEND = values.backend;
if (executor.kind !== "local") {
  Object.assign(
    env,
    executorEnv({ ...executor, searches: [...JOB_BUILDERS] }),
  );
}
console.log(
  `notebooks: ${chosen.length} at profile ${profile.name}${
    executor.kind === "local"
      ? ""
      : `; training runs as jobs on ${describeSettings(executor)}`
  }`,
);
for (const name of chosen) {
  const result = await executeNotebook(join(values.dir, name), {
    outDir: values.out,
    env,
  });
  if (!result.ok) {
    console.error(
      `\n${name}: cell ${result.cell ?? "?"} failed after ${
        result.seconds.toFixed(1)
      } s\n${result.error}`,
    );
    Deno.exit(1);
  }
  console.log(
    `  ${name}: ${result.cells} cells, ${result.seconds.toFixed(1)} s${
      peakNote(result.peakMemory)
    } -> ${result.executed}`,
  );
}
