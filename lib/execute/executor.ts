/**
 * Executors: who trains a search's trials. By default a search trains its
 * trials one after another in the calling process (`local`). An executor
 * runs them as jobs instead, each job in a fresh process that re-creates
 * its run from a small JSON description ({@linkcode RunJob}: a registered
 * builder's name, the builder's arguments, the run id and, under
 * successive halving, the rung) and writes the run's record into the runs
 * root, where the search (and later the notebooks and the report) read it:
 *
 * - `local-workers` (`local --workers N`, `lib/execute/local_workers.ts`):
 *   N processes at a time on this machine;
 * - `slurm` (`lib/execute/slurm.ts`): one `sbatch` job array per batch (a
 *   search's trials, or one rung of a halving search), waited for with
 *   `squeue`.
 *
 * A job's process runs `tasks/run_job.ts <jobs.json> <index>`; run ids are
 * deterministic (name, parameters, seed), so a job finds its run by id,
 * reuses it when complete and resumes it from its checkpoint when
 * interrupted. Two jobs never write one run folder at once
 * (`lib/execute/run_claim.ts`). A batch whose jobs did not all leave a
 * complete record ends in {@linkcode JobsFailed}, which lists each such
 * job with its job id, run id, state and log file.
 *
 * Settings travel to notebooks and job processes in the environment
 * (`FASHION_EXECUTOR`, {@linkcode executorEnv}), so a notebook run by
 * `deno task notebooks --executor slurm` dispatches its searches as jobs
 * without any change to the notebook.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeTextAtomic } from "../io/atomic.ts";
import { readRun } from "../runs/record.ts";
import type { Profile } from "../profiles.ts";
import type { DatasetRef } from "../runs/run_json.ts";

/** One run to execute as a job: enough to re-create it in a fresh process. */
export interface RunJob {
  /** The registered builder that re-creates the run (e.g. `s001.shoes-grid`). */
  builder: string;
  /** The builder's arguments (JSON; non-finite numbers survive, see {@linkcode encodeJobJson}). */
  args: unknown;
  /** The run's id: the job trains this run and no other. */
  runId: string;
  /** Successive halving: the 0-based rung to train the trial to. */
  rung?: number;
}

/**
 * What every job re-creates its run from, beside what its builder adds (a
 * search's name, a study's run): the submitter's profile, seed, backend and
 * data, and where the record goes.
 */
export interface JobArgs {
  /** The profile the submitter ran at (in full, so a job never guesses it). */
  profile: Profile;
  /** The run's (a search's: the search's) seed. */
  seed: number;
  /** The backend the submitter trained with (by name). */
  backend: string;
  /** The data the submitter's run is made of; the job refuses other data. */
  dataset: DatasetRef;
  /** The split sizes of the submitter's data; the job refuses other splits. */
  splits: Record<string, number>;
  /** A study's own description of where its data are (e.g. a folder of arrays), or null for its default. */
  source: unknown;
  /** The runs root (absolute). */
  runsRoot: string;
}

/** How one job ended. */
export interface JobOutcome {
  /** The job. */
  job: RunJob;
  /** The scheduler's id of the job (`1234_5` for task 5 of Slurm array 1234; `local-<pid>` for a local worker). */
  jobId: string;
  /** The job's log file. */
  log: string;
  /** The scheduler's last word on it (`COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`, `NODE_FAIL`, `exit 1`, ...), or `unknown`. */
  state: string;
  /** Whether the job did its work: the run's record is complete (a halving rung's job: the rung is recorded); read from the record, never from the scheduler. */
  complete: boolean;
}

/** A batch of jobs handed to an executor. */
export interface JobBatch {
  /** What the batch is (a search's trials, a rung); names its folder and the Slurm job. */
  name: string;
  /** The runs root the jobs write into. */
  root: string;
  /** The jobs. */
  jobs: RunJob[];
}

/** Runs batches of jobs; resolves when every job has ended (complete or not). */
export interface RunExecutor {
  /** One line for logs: `slurm (partition gpu, time 02:00:00)`. */
  readonly description: string;
  /** Runs the batch's jobs and says how each ended. */
  run(batch: JobBatch): Promise<JobOutcome[]>;
}

/**
 * Settings of an executor, as the command line gives them and the
 * environment carries them; `searches` limits which searches (by name)
 * hand their trials to it (default: every search that can run as jobs).
 */
export type ExecutorSettings = ExecutorKind & {
  /** The searches (by name) whose trials run as jobs. */
  searches?: string[];
};

/** The kinds of executor and their own settings. */
export type ExecutorKind =
  | { kind: "local" }
  | { kind: "local-workers"; workers: number }
  | {
    kind: "slurm";
    /** `sbatch --partition`. */
    partition?: string;
    /** `sbatch --time` (a job's time limit, e.g. `02:00:00`). */
    time?: string;
    /** `sbatch --mem` (e.g. `16G`). */
    mem?: string;
    /** `sbatch --gres` (e.g. `gpu:1`). */
    gres?: string;
    /** `sbatch --account`. */
    account?: string;
    /** `sbatch --cpus-per-task`. */
    cpusPerTask?: number;
    /** Seconds between `squeue` polls (default 10). */
    pollSeconds?: number;
  };

/** The environment variable that carries {@linkcode ExecutorSettings} (JSON). */
export const EXECUTOR_ENV = "FASHION_EXECUTOR";

/** The environment variable a job process finds its job id in (local workers; Slurm sets its own). */
export const JOB_ID_ENV = "FASHION_JOB_ID";

/** The repository root (where `tasks/run_job.ts` is). */
export const REPO_ROOT: string = fileURLToPath(
  new URL("../../", import.meta.url),
);

/** The job entry point every executor starts: `deno run -A <this> <jobs.json> <index>`. */
export const JOB_ENTRY: string = join(REPO_ROOT, "tasks", "run_job.ts");

/** The environment that hands `settings` to a notebook kernel or task ({@linkcode EXECUTOR_ENV}). */
export function executorEnv(
  settings: ExecutorSettings,
): Record<string, string> {
  return { [EXECUTOR_ENV]: JSON.stringify(settings) };
}

/**
 * The settings in {@linkcode EXECUTOR_ENV}, or `local` when it is unset.
 *
 * @throws when it is set but not valid settings.
 */
export function executorSettingsFromEnv(): ExecutorSettings {
  const raw = Deno.env.get(EXECUTOR_ENV);
  if (!raw) return { kind: "local" };
  let settings: ExecutorSettings;
  try {
    settings = JSON.parse(raw);
  } catch {
    throw new Error(`${EXECUTOR_ENV} is not JSON: ${raw}`);
  }
  return checkExecutorSettings(settings);
}

/** Checks settings read from outside (the environment); returns them. */
export function checkExecutorSettings(
  settings: ExecutorSettings,
): ExecutorSettings {
  const kind = (settings as { kind?: unknown })?.kind;
  if (kind === "local" || kind === "slurm") return settings;
  if (kind === "local-workers") {
    const workers = (settings as { workers?: unknown }).workers;
    if (Number.isSafeInteger(workers) && (workers as number) >= 1) {
      return settings;
    }
    throw new Error(
      `local workers need a positive whole number of workers, not ${workers}`,
    );
  }
  throw new Error(
    `Unknown executor ${
      JSON.stringify(kind)
    }; use local, local-workers or slurm`,
  );
}

/** One line for logs. */
export function describeSettings(settings: ExecutorSettings): string {
  if (settings.kind === "local") return "local (in this process)";
  if (settings.kind === "local-workers") {
    return `local, ${settings.workers} worker process${
      settings.workers === 1 ? "" : "es"
    }`;
  }
  const flags = (["partition", "time", "mem", "gres", "account"] as const)
    .filter((k) => settings[k] !== undefined)
    .map((k) => `${k} ${settings[k]}`);
  if (settings.cpusPerTask) flags.push(`cpus-per-task ${settings.cpusPerTask}`);
  return `slurm${flags.length ? ` (${flags.join(", ")})` : ""}`;
}

/**
 * JSON for job descriptions: like `JSON.stringify`, but `Infinity`,
 * `-Infinity` and `NaN` (the `full` profile's `maxTrials` is `Infinity`)
 * are kept as `{ "$number": "Infinity" }` and restored by
 * {@linkcode decodeJobJson}.
 */
export function encodeJobJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      typeof v === "number" && !Number.isFinite(v) ? { $number: String(v) } : v,
    2,
  );
}

/** Reads JSON written by {@linkcode encodeJobJson}. */
export function decodeJobJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v) => {
    if (
      v && typeof v === "object" && !Array.isArray(v) &&
      Object.keys(v).length === 1 && typeof v.$number === "string"
    ) return Number(v.$number);
    return v;
  }) as T;
}

/** A batch's folder: its `jobs.json`, job script and logs. */
export interface BatchFolder {
  /** The folder (`<root>/.jobs/<name>-<time>`). */
  dir: string;
  /** Its `jobs.json` (the {@linkcode RunJob}s, in job order). */
  jobsFile: string;
}

/**
 * Creates the folder of a batch under `<root>/.jobs/` (one per submission:
 * a resubmission keeps the earlier logs) and writes its `jobs.json`.
 */
export async function writeBatch(batch: JobBatch): Promise<BatchFolder> {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const slug = batch.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "").slice(0, 60) || "batch";
  const dir = resolve(batch.root, ".jobs", `${slug}-${stamp}`);
  await Deno.mkdir(dir, { recursive: true });
  const jobsFile = join(dir, "jobs.json");
  await writeTextAtomic(jobsFile, encodeJobJson(batch.jobs));
  return { dir, jobsFile };
}

/** The progress log of a runs root: every executor line, timed (`<root>/.jobs/progress.log`). */
export function progressLogPath(root: string): string {
  return resolve(root, ".jobs", "progress.log");
}

/**
 * A logger that prints a line with `print` and appends it, with the time,
 * to the root's {@linkcode progressLogPath}: where a search run from a
 * notebook (whose own output shows only when the notebook ends) can be
 * followed with `tail -f`.
 */
export function progressLogger(
  root: string,
  print: (line: string) => void,
): (line: string) => void {
  const path = progressLogPath(root);
  return (line) => {
    print(line);
    try {
      Deno.mkdirSync(resolve(root, ".jobs"), { recursive: true });
      Deno.writeTextFileSync(path, `${new Date().toISOString()} ${line}\n`, {
        append: true,
      });
    } catch {
      // Progress is a courtesy; the records are what count.
    }
  };
}

/** Reads job `index` of a `jobs.json`. */
export async function readJob(
  jobsFile: string,
  index: number,
): Promise<RunJob> {
  const jobs = decodeJobJson<RunJob[]>(await Deno.readTextFile(jobsFile));
  const job = jobs[index];
  if (!job) {
    throw new Error(
      `${jobsFile} has ${jobs.length} jobs; there is no job ${index}`,
    );
  }
  return job;
}

/** Whether the run `runId` under `root` is complete. */
export async function isRunComplete(
  root: string,
  runId: string,
): Promise<boolean> {
  try {
    return (await readRun(join(root, runId)))?.status === "complete";
  } catch {
    return false;
  }
}

/**
 * Whether a job did its work: its run is complete, or (a halving rung's
 * job) its trial's `rungs.json` has the rung (a kept trial's record stays
 * `running` between rungs).
 */
export async function isJobDone(root: string, job: RunJob): Promise<boolean> {
  if (await isRunComplete(root, job.runId)) return true;
  if (job.rung === undefined) return false;
  try {
    const rungs = JSON.parse(
      await Deno.readTextFile(join(root, job.runId, "rungs.json")),
    ) as { rungValAccuracy?: number[] };
    return (rungs.rungValAccuracy?.length ?? 0) > job.rung;
  } catch {
    return false;
  }
}

/** A batch whose jobs did not all complete their runs. */
export class JobsFailed extends Error {
  /** Every job of the batch that did not complete its run. */
  readonly failed: JobOutcome[];

  /**
   * The error for a batch.
   *
   * @param batch the batch's name.
   * @param failed its jobs that did not complete their runs.
   * @param total how many jobs it had.
   */
  constructor(batch: string, failed: JobOutcome[], total: number) {
    super(
      [
        `${failed.length} of ${total} jobs of "${batch}" did not complete their runs:`,
        ...failed.map((o) =>
          `  job ${o.jobId}  run ${o.job.runId}${
            o.job.rung === undefined ? "" : ` (rung ${o.job.rung})`
          }  ${o.state}  log ${o.log}`
        ),
        "Run the same command again: complete runs are reused, interrupted ones resume from their last checkpoint.",
      ].join("\n"),
    );
    this.name = "JobsFailed";
    this.failed = failed;
  }
}

/**
 * Runs `batch` on `executor` and throws {@linkcode JobsFailed} unless every
 * job left a complete record.
 */
export async function runBatch(
  executor: RunExecutor,
  batch: JobBatch,
): Promise<JobOutcome[]> {
  const outcomes = await executor.run(batch);
  const failed = outcomes.filter((o) => !o.complete);
  if (failed.length) throw new JobsFailed(batch.name, failed, outcomes.length);
  return outcomes;
}
