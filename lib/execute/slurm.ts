/**
 * The `slurm` executor: a batch of jobs as one `sbatch` job array (task i
 * runs `deno run -A tasks/run_job.ts <jobs.json> i` in the repository,
 * which must be on a file system the compute nodes share, with the data
 * and `reports/runs/`). The array's log files are
 * `<runs root>/.jobs/<batch>/<array id>_<task>.log`.
 *
 * After submitting it polls `squeue` until no task of the array is left,
 * printing the queue's states and how many runs are complete whenever they
 * change; then it reads each run's record (complete or not: the record
 * decides, never the scheduler) and asks `scontrol` for each task's final
 * state (`COMPLETED`, `CANCELLED`, `TIMEOUT`, `FAILED`, `NODE_FAIL`, ...;
 * kept for `MinJobAge` seconds, otherwise `unknown`).
 *
 * If the process that waits is stopped, the array runs on; running the same
 * command again waits for the runs still being written (their claims) and
 * submits only what is not complete.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { rawDataRoot } from "../data/acquire/fingerprint.ts";
import {
  type ExecutorKind,
  isJobDone,
  JOB_ENTRY,
  type JobBatch,
  type JobOutcome,
  progressLogger,
  REPO_ROOT,
  type RunExecutor,
  writeBatch,
} from "./executor.ts";
import { writeTextAtomic } from "../io/atomic.ts";

/** The slurm executor's settings. */
export type SlurmSettings = Omit<
  Extract<ExecutorKind, { kind: "slurm" }>,
  "kind"
>;

/** Runs a Slurm client command; its stdout, or throws with its stderr. */
async function slurm(command: string, args: string[]): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(command, {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${command} is not installed here; run on a Slurm login node (or install slurm-client)`,
      );
    }
    throw error;
  }
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  return text;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The `sbatch` options of the settings (partition, time, mem, gres, account, cpus). */
export function sbatchOptions(settings: SlurmSettings): string[] {
  const options: string[] = [];
  if (settings.partition) options.push(`--partition=${settings.partition}`);
  if (settings.time) options.push(`--time=${settings.time}`);
  if (settings.mem) options.push(`--mem=${settings.mem}`);
  if (settings.gres) options.push(`--gres=${settings.gres}`);
  if (settings.account) options.push(`--account=${settings.account}`);
  if (settings.cpusPerTask) {
    options.push(`--cpus-per-task=${settings.cpusPerTask}`);
  }
  return options;
}

/**
 * The final states of an array's tasks from `scontrol -o show job`
 * (task index → `JobState`); empty when the controller no longer knows
 * the array.
 */
export async function arrayTaskStates(
  arrayId: string,
): Promise<Map<number, string>> {
  const states = new Map<number, string>();
  const text = await slurm("scontrol", ["-o", "show", "job", arrayId]).catch(
    () => "",
  );
  for (const line of text.split("\n")) {
    const task = line.match(/\bArrayTaskId=(\d+)\b/)?.[1];
    const state = line.match(/\bJobState=(\S+)/)?.[1];
    if (task !== undefined && state) states.set(Number(task), state);
  }
  return states;
}

/** Submits batches as Slurm job arrays and waits for them. */
export class SlurmExecutor implements RunExecutor {
  /**
   * An executor that submits with these settings.
   *
   * @param settings sbatch options and the polling interval.
   * @param log where progress lines go (default stderr).
   */
  constructor(
    readonly settings: SlurmSettings = {},
    readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  /** One line for logs. */
  get description(): string {
    const flags = sbatchOptions(this.settings).map((o) => o.replace(/^--/, ""));
    return `slurm${flags.length ? ` (${flags.join(", ")})` : ""}`;
  }

  /** Submits the batch as one job array, waits for it, says how each task ended. */
  async run(batch: JobBatch): Promise<JobOutcome[]> {
    const folder = await writeBatch(batch);
    const log = progressLogger(batch.root, this.log);
    const script = join(folder.dir, "job.sh");
    await writeTextAtomic(
      script,
      [
        "#!/bin/bash",
        "# One training run of the fashion-image lab: task $SLURM_ARRAY_TASK_ID of jobs.json.",
        "set -euo pipefail",
        `cd ${shellQuote(REPO_ROOT)}`,
        `export FASHION_DATA_DIR=${shellQuote(resolve(rawDataRoot()))}`,
        `exec ${shellQuote(Deno.execPath())} run -A ${shellQuote(JOB_ENTRY)} ${
          shellQuote(folder.jobsFile)
        } "$SLURM_ARRAY_TASK_ID"`,
        "",
      ].join("\n"),
    );
    const name = `fashion-${
      batch.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, 40)
    }`;
    const submitted = await slurm("sbatch", [
      "--parsable",
      `--array=0-${batch.jobs.length - 1}`,
      `--job-name=${name}`,
      `--output=${join(folder.dir, "%A_%a.log")}`,
      `--chdir=${REPO_ROOT}`,
      "--export=ALL",
      ...sbatchOptions(this.settings),
      script,
    ]);
    const arrayId = submitted.trim().split(";")[0];
    if (!/^\d+$/.test(arrayId)) {
      throw new Error(`sbatch answered "${submitted.trim()}", not a job id`);
    }
    const logOf = (i: number) => join(folder.dir, `${arrayId}_${i}.log`);
    log(
      `${batch.name}: submitted job array ${arrayId} (${batch.jobs.length} job(s), ${this.description}); follow it with: squeue -j ${arrayId}; logs: ${
        logOf(0).replace(/_0\.log$/, "_<task>.log")
      }`,
    );
    await this.#wait(arrayId, batch, log);
    const states = await arrayTaskStates(arrayId);
    const outcomes: JobOutcome[] = [];
    for (const [i, job] of batch.jobs.entries()) {
      outcomes.push({
        job,
        jobId: `${arrayId}_${i}`,
        log: logOf(i),
        state: states.get(i) ?? "unknown",
        complete: await isJobDone(batch.root, job),
      });
    }
    const done = outcomes.filter((o) => o.complete).length;
    log(
      `${batch.name}: job array ${arrayId} ended, ${done} of ${outcomes.length} runs complete`,
    );
    return outcomes;
  }

  /** Polls `squeue` until no task of the array is queued or running. */
  async #wait(
    arrayId: string,
    batch: JobBatch,
    log: (line: string) => void,
  ): Promise<void> {
    const pollMs = (this.settings.pollSeconds ?? 10) * 1000;
    let last = "";
    for (;;) {
      let queue: string;
      try {
        queue = await slurm("squeue", [
          "-h",
          "-r",
          "-j",
          arrayId,
          "-o",
          "%T",
        ]);
      } catch (error) {
        // The controller forgets a finished array after MinJobAge.
        if (/Invalid job id/i.test(String(error))) return;
        throw error;
      }
      const states = queue.split("\n").map((l) => l.trim()).filter(Boolean);
      if (states.length === 0) return;
      const counts = new Map<string, number>();
      for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
      let complete = 0;
      for (const job of batch.jobs) {
        if (await isJobDone(batch.root, job)) complete++;
      }
      const line = `${
        [...counts].map(([s, n]) => `${n} ${s.toLowerCase()}`)
          .join(", ")
      }; ${complete}/${batch.jobs.length} runs complete`;
      if (line !== last) {
        log(`  job array ${arrayId}: ${line}`);
        last = line;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
