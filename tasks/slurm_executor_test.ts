/**
 * Study 001's Shoes grid at the smoke profile, on real product photos (10
 * per class), three ways: trained here (`--executor local`), by two local
 * worker processes (`--workers 2`), and as a job array on a real one-node
 * Slurm cluster started for the test (`lib/testing/slurm_cluster.ts`:
 * munged, slurmctld and slurmd from Debian's `munge` and `slurm-wlm`).
 * The Slurm run's job is cancelled with `scancel` while it trains: the
 * task must list it (job id, run id, state, log file) and exit 1 with no
 * complete record; the same command again must complete it. Every record
 * must be complete and equal to the local run's (metrics, predictions,
 * epoch history apart from its seconds, parameters, the search record
 * apart from which trials were reused). Then a batch of model runs
 * (study 000's four Shoes models) goes to the cluster as one job array and
 * must leave the records of training them in the test's process. Skipped,
 * saying why,
 * only where the Slurm binaries are missing or this is not root; every
 * daemon started is stopped, also when the test fails.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { loadTfjsNode } from "../lib/native/tfjs_node.ts";
import { comparableRecords } from "../lib/testing/comparable_records.ts";
import { CLAIM_FILE } from "../lib/execute/run_claim.ts";
import { smallShopSource, tinyProfile } from "../lib/testing/s000_fixture.ts";
import { selectBackend } from "../lib/backend.ts";
import { SlurmExecutor } from "../lib/execute/slurm.ts";
import { withSearchExecution } from "../lib/execute/search_runs.ts";
import {
  CATEGORY_MODEL_JOBS,
  trainCategoryModels,
} from "../lib/studies/s000/category_models.ts";
import {
  slurmCommand,
  slurmMissing,
  startSlurmCluster,
} from "../lib/testing/slurm_cluster.ts";
import { temporaryDir } from "../lib/testing/temp_dir.ts";

const missing = slurmMissing();
const SEARCH = "Shoes_Combined_001";
/** The native backend where it is built (seconds per job), else plain JS. */
const BACKEND = (await loadTfjsNode()).ok ? "tensorflow" : "cpu";

/** Runs `tasks/search.ts` with `args`; its exit code and output. */
function searchTask(
  args: string[],
  env: Record<string, string> = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "tasks/search.ts",
      "--search",
      SEARCH,
      "--profile",
      "smoke",
      ...args,
    ],
    cwd: new URL("..", import.meta.url).pathname,
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function finish(child: Deno.ChildProcess) {
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    text: `${dec.decode(out.stdout)}\n${dec.decode(out.stderr)}`,
  };
}

Deno.test({
  name:
    "slurm executor: a job cancelled mid-run is listed and completes on resubmission; records equal a local run and two local workers; a batch of model runs as one array equals training here",
  ignore: missing !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const source = await smallShopSource();
    await using baseDir = await temporaryDir("executors_");
    const base = baseDir.path;
    const roots = {
      local: join(base, "local"),
      workers: join(base, "workers"),
      slurm: join(base, "slurm"),
    };
    const common = ["--arrays", source.dir, "--backend", BACKEND];

    const local = await finish(
      searchTask([...common, "--runs", roots.local, "--executor", "local"]),
    );
    assertEquals(local.code, 0, local.text);
    const expected = await comparableRecords(roots.local);
    const ids = Object.keys(expected).sort();
    assertEquals(ids.length, 2, `one trial and the test record: ${ids}`);
    assert(ids.every((id) => expected[id].status === "complete"));

    const workers = await finish(
      searchTask([...common, "--runs", roots.workers, "--workers", "2"]),
    );
    assertEquals(workers.code, 0, workers.text);
    assert(/1 job\(s\) on local, 2 worker processes/.test(workers.text));
    assertEquals(await comparableRecords(roots.workers), expected);

    const cluster = await startSlurmCluster();
    try {
      const slurmArgs = [
        ...common,
        "--runs",
        roots.slurm,
        "--executor",
        "slurm",
        "--partition",
        cluster.partition,
        "--time",
        "00:10:00",
        "--poll",
        "0.5",
      ];
      const trialId = ids.find((id) => id.includes("-trial-"))!;
      const trialDir = join(roots.slurm, trialId);

      // First submission: cancel the job once it has started its run.
      const first = searchTask(slurmArgs, cluster.env);
      let cancelled = "";
      const deadline = Date.now() + 120_000;
      while (!cancelled) {
        assert(Date.now() < deadline, "the job never started its run");
        const run = await Deno.readTextFile(join(trialDir, "run.json"))
          .then(JSON.parse, () => null);
        if (run?.status === "running") {
          const queue = await slurmCommand(cluster.env, "squeue", [
            "-h",
            "-r",
            "-o",
            "%i %T",
          ]);
          const running = queue.split("\n").map((l) => l.trim().split(" "))
            .find(([, state]) => state === "RUNNING");
          if (running) {
            await slurmCommand(cluster.env, "scancel", [running[0]]);
            cancelled = running[0];
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const failed = await finish(first);
      assertEquals(failed.code, 1, failed.text);
      const line = failed.text.split("\n").find((l) =>
        l.includes(`job ${cancelled}`)
      );
      assert(line, `the cancelled job ${cancelled} is listed:\n${failed.text}`);
      assert(line.includes(`run ${trialId}`), line);
      assert(/CANCELLED/.test(line), line);
      const log = line.match(/log (\S+)/)?.[1];
      assert(log && (await Deno.stat(log)).isFile, `log file ${log}`);
      assert(
        (await Deno.readTextFile(log)).includes(trialId),
        "the log names the run",
      );
      const interrupted = JSON.parse(
        await Deno.readTextFile(join(trialDir, "run.json")),
      );
      assert(
        interrupted.status !== "complete",
        "a cancelled run is not complete",
      );
      // The cancelled job's claim went with its process.
      assert((await Deno.stat(join(trialDir, CLAIM_FILE))).isFile);

      // The same command again completes it.
      const again = await finish(searchTask(slurmArgs, cluster.env));
      assertEquals(again.code, 0, `${again.text}\n${cluster.logs()}`);
      assert(/submitted job array \d+ \(1 job\(s\)/.test(again.text));
      assertEquals(await comparableRecords(roots.slurm), expected);
      // Nothing more to do a third time: no job is submitted.
      const third = await finish(searchTask(slurmArgs, cluster.env));
      assertEquals(third.code, 0, third.text);
      assert(!/submitted job array/.test(third.text), third.text);

      // A batch of model runs (a category's models) as one job array: the
      // records of training them here.
      const here = join(base, "models-here");
      const context = {
        profile: tinyProfile(),
        backend: await selectBackend(BACKEND),
        seed: 7,
      };
      await trainCategoryModels(context, source, "Shoes", here);
      const viaSlurm = join(base, "models-slurm");
      const lines: string[] = [];
      Deno.env.set("SLURM_CONF", cluster.env.SLURM_CONF);
      try {
        await withSearchExecution(
          {
            executor: new SlurmExecutor(
              {
                partition: cluster.partition,
                time: "00:10:00",
                pollSeconds: 0.5,
              },
              (line) => lines.push(line),
            ),
            searches: [CATEGORY_MODEL_JOBS],
          },
          () => trainCategoryModels(context, source, "Shoes", viaSlurm),
        );
      } finally {
        Deno.env.delete("SLURM_CONF");
      }
      assert(
        lines.some((l) => /submitted job array \d+ \(4 job\(s\)/.test(l)),
        lines.join("\n"),
      );
      assertEquals(
        await comparableRecords(viaSlurm),
        await comparableRecords(here),
      );
    } finally {
      await cluster.stop();
    }
  },
});

if (missing) {
  Deno.test(`slurm executor test skipped: ${missing}`, () => {});
}
