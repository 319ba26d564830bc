/**
 * `deno task plan [--profile P] [--backend B] [--json] [--mirror DIR]
 * [--runs reports/runs] [--recalibrate] [number...]`: what a reproduction
 * at a profile will compute, before it computes it (also
 * `deno task reproduce --plan` and `deno task notebooks --plan`).
 *
 * Per notebook and in total: the training runs, the training
 * image-passes (expected, and the upper bound if no run stopped early),
 * the estimated wall time on the selected backend and the expected peak
 * memory. Times come from a short calibration of the plan's models on this
 * machine and backend (`lib/plan/calibrate.ts`, cached in
 * `reports/plan/calibration.json`; `--recalibrate` measures again).
 * Nothing is trained. With `--json`: one JSON object per notebook, then
 * one for the total, each with `imagePasses`, `estimatedSeconds` and
 * `peakMemoryBytes`.
 *
 * ```sh
 * deno task plan --profile full --mirror ../shared/datasets
 * deno task plan --profile full --json 03 06
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { resolveBackendRequest, selectBackend } from "../lib/backend.ts";
import { acquireDatasets } from "../lib/data/acquire/acquire.ts";
import { REPRODUCTION_DATASETS } from "../lib/data/acquire/catalog.ts";
import { writeJsonAtomic } from "../lib/io/atomic.ts";
import { describeMachine, machineInfo } from "../lib/runs/machine.ts";
import { DEFAULT_REFERENCE_ROOT } from "../lib/runs/reference.ts";
import { calibrate, type CalibrationCache } from "../lib/plan/calibrate.ts";
import { estimatePlan, observedStopShare } from "../lib/plan/estimate.ts";
import { NOTEBOOK_PLANNERS } from "../lib/plan/notebook_plans.ts";
import type { PlannedRun } from "../lib/plan/planned_work.ts";
import { formatHoursMinutes } from "../lib/train/progress.ts";
import { TaskArgs } from "./args.ts";

const cli = new TaskArgs(
  "plan",
  "usage: deno task plan [--profile smoke|course|full] [--backend NAME] [--json] [--mirror DIR] [--runs reports/runs] [--notebooks notebooks] [--recalibrate] [number...]",
);
const { values, positionals } = cli.parse({
  allowPositionals: true,
  options: {
    profile: { type: "string" },
    backend: { type: "string" },
    json: { type: "boolean", default: false },
    mirror: { type: "string" },
    runs: { type: "string", default: join("reports", "runs") },
    notebooks: { type: "string", default: "notebooks" },
    recalibrate: { type: "boolean", default: false },
  },
});
const profile = cli.profile(values.profile);
cli.check(() => resolveBackendRequest(values.backend));
cli.directory("mirror", values.mirror);
cli.directory("notebooks", values.notebooks);
const log = (line: string) => console.error(`plan: ${line}`);

const notebooks = [...Deno.readDirSync(values.notebooks)]
  .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
  .map((e) => e.name.replace(/\.ipynb$/, ""))
  .sort()
  .filter((n) => !positionals.length || positionals.some((p) => n.includes(p)));
if (!notebooks.length) {
  cli.fail(`no notebook matched ${positionals.join(", ")}`);
}

try {
  await acquireDatasets(REPRODUCTION_DATASETS, {
    mirror: values.mirror,
    log: (line) => log(`data: ${line}`),
  });
  const backend = await selectBackend(values.backend);
  const baselineBytes = Deno.memoryUsage().rss;
  const context = { profile, seed: 42, runsRoot: values.runs };
  const planned: { notebook: string; runs: PlannedRun[] }[] = [];
  const unplanned: string[] = [];
  for (const notebook of notebooks) {
    const planner = NOTEBOOK_PLANNERS[notebook.slice(0, 2)];
    if (!planner) {
      unplanned.push(notebook);
      continue;
    }
    log(`planning ${notebook}`);
    planned.push({ notebook, runs: await planner(context) });
  }

  const machine = machineInfo();
  const cachePath = join("reports", "plan", "calibration.json");
  const cacheKey = `${
    describeMachine(machine)
  } | ${backend.name} on ${backend.device} | batch ${profile.batchSize}`;
  let store: Record<string, CalibrationCache> = {};
  try {
    store = JSON.parse(await Deno.readTextFile(cachePath));
  } catch {
    store = {};
  }
  const costs = await calibrate(
    planned.flatMap((p) => p.runs.map((r) => r.model)),
    {
      batchSize: profile.batchSize,
      cache: values.recalibrate ? {} : store[cacheKey],
      log,
    },
  );
  store[cacheKey] = { ...store[cacheKey], ...costs };
  await Deno.mkdir(join("reports", "plan"), { recursive: true });
  await writeJsonAtomic(cachePath, store);

  const observed = profile.patience === null ? null : await observedStopShare(
    [values.runs, join(DEFAULT_REFERENCE_ROOT, profile.name)],
    profile.name,
  );
  const stopShare = observed?.share ?? 0.5;
  const estimates = estimatePlan(planned, costs, { stopShare, baselineBytes });
  if (values.json) {
    for (const e of estimates) {
      console.log(
        JSON.stringify({ profile: profile.name, backend: backend.name, ...e }),
      );
    }
  } else {
    const models = (n: number) => `${n} model${n === 1 ? "" : "s"}`;
    const millions = (n: number) => `${(n / 1e6).toFixed(2)} M`;
    console.log(
      `plan: profile ${profile.name}, backend ${backend.name} on ${backend.device}; ${
        describeMachine(machine)
      }`,
    );
    console.log(
      "notebook                         runs   image-passes (max)        estimated (max)             peak memory",
    );
    for (const e of estimates) {
      console.log(
        `${e.notebook.padEnd(32)} ${String(Math.round(e.runs)).padStart(4)}   ${
          millions(e.imagePasses).padStart(8)
        } (${millions(e.imagePassesUpperBound).padStart(8)})   ${
          formatHoursMinutes(e.estimatedSeconds).padStart(12)
        } (${formatHoursMinutes(e.upperBoundSeconds).padStart(12)})   ${
          (e.peakMemoryBytes / 2 ** 30).toFixed(1).padStart(6)
        } GiB`,
      );
    }
    console.log(
      `assumptions: runs with early stopping train ${
        (100 * stopShare).toFixed(0)
      }% of their maximum epochs (${
        observed
          ? `median of ${observed.runs} finished ${profile.name} runs`
          : "no finished runs of this profile yet: an assumption"
      }); "max": every run to its maximum. Times: ${
        models(
          Object.values(costs).filter((c) => c.source === "measured").length,
        )
      } timed here, ${
        Object.values(costs).filter((c) => c.source === "interpolated").length
      } interpolated by multiply-adds; augmentation, data loading and conversion are not counted. Memory: baseline ${
        (baselineBytes / 2 ** 30).toFixed(1)
      } GiB plus the largest run's data and model; a Jupyter kernel adds about 1 GB.`,
    );
  }
  if (unplanned.length) {
    console.error(
      `plan: no planner for ${
        unplanned.join(", ")
      } (lib/plan/notebook_plans.ts); they are not in the total`,
    );
  }
} catch (error) {
  console.error(`plan: ${(error as Error).message}`);
  Deno.exit(1);
}
