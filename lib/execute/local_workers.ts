/**
 * The `local --workers N` executor: a batch's jobs as processes on this
 * machine, at most N at a time, each `deno run -A tasks/run_job.ts
 * <jobs.json> <index>` with its output in `<batch folder>/<index>.log`.
 * A job's outcome is its run record's status (complete or not), with its
 * exit code as the state.
 *
 * Each worker is a whole TensorFlow process with its own thread pool, so
 * on a machine with C cores N workers share C cores; see the README for
 * what that gains.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { rawDataRoot } from "../data/acquire/fingerprint.ts";
import {
  isJobDone,
  JOB_ENTRY,
  JOB_ID_ENV,
  type JobBatch,
  type JobOutcome,
  progressLogger,
  REPO_ROOT,
  type RunExecutor,
  writeBatch,
} from "./executor.ts";

/** Runs jobs as up to `workers` processes on this machine. */
export class LocalWorkers implements RunExecutor {
  /**
   * A pool of `workers` processes.
   *
   * @param workers how many jobs run at a time (at least 1).
   * @param log where progress lines go (default stderr).
   */
  constructor(
    readonly workers: number,
    readonly log: (line: string) => void = (line) => console.error(line),
  ) {
    if (!Number.isSafeInteger(workers) || workers < 1) {
      throw new Error(`workers must be a positive integer, not ${workers}`);
    }
  }

  /** One line for logs. */
  get description(): string {
    return `local, ${this.workers} worker process${
      this.workers === 1 ? "" : "es"
    }`;
  }

  /** Runs the batch's jobs, at most `workers` at a time. */
  async run(batch: JobBatch): Promise<JobOutcome[]> {
    const folder = await writeBatch(batch);
    const log = progressLogger(batch.root, this.log);
    const outcomes: JobOutcome[] = new Array(batch.jobs.length);
    let next = 0;
    let done = 0;
    log(
      `${batch.name}: ${batch.jobs.length} job(s) on ${this.description}; logs in ${folder.dir}`,
    );
    const worker = async () => {
      while (next < batch.jobs.length) {
        const index = next++;
        const job = batch.jobs[index];
        const jobLog = join(folder.dir, `${index}.log`);
        const file = await Deno.open(jobLog, {
          create: true,
          append: true,
        });
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", JOB_ENTRY, folder.jobsFile, String(index)],
          cwd: REPO_ROOT,
          env: {
            FASHION_DATA_DIR: resolve(rawDataRoot()),
            [JOB_ID_ENV]: `local-${Deno.pid}-${index}`,
          },
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const jobId = `local-${child.pid}`;
        // Both streams into one log (opened for appending), as they arrive.
        const copy = async (stream: ReadableStream<Uint8Array>) => {
          for await (const chunk of stream) await file.write(chunk);
        };
        const [status] = await Promise.all([
          child.status,
          copy(child.stdout),
          copy(child.stderr),
        ]);
        file.close();
        const complete = await isJobDone(batch.root, job);
        outcomes[index] = {
          job,
          jobId,
          log: jobLog,
          state: status.success
            ? "COMPLETED"
            : status.signal
            ? `killed by ${status.signal}`
            : `exit ${status.code}`,
          complete,
        };
        done++;
        log(
          `  ${done}/${batch.jobs.length} ${job.runId}: ${
            complete ? "complete" : `NOT complete (${outcomes[index].state})`
          }`,
        );
      }
    };
    await Promise.all(
      Array.from(
        { length: Math.min(this.workers, batch.jobs.length) },
        () => worker(),
      ),
    );
    return outcomes;
  }
}
