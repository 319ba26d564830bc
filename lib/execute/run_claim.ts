/**
 * Claims on run folders, so that two processes (two Slurm jobs, a job and a
 * notebook, two local workers) never write one run folder at once.
 *
 * A claim is an exclusive `flock` on `<run folder>/.claim`, held while the
 * run is written. The kernel drops it when the holder exits in any way
 * (`scancel`, a time limit, SIGKILL, a crash), so a claim never goes stale
 * and nothing needs cleaning up after a killed job; on a shared file system
 * (NFS) Linux turns `flock` into a lock the server holds for all clients.
 * The file itself stays (deleting a lock file while others wait on it
 * would let two of them hold it) and, for messages, names its latest
 * holder: host, pid, job id and time.
 *
 * @module
 */
import { join } from "node:path";
import { JOB_ID_ENV } from "./executor.ts";
import { completeRunMetrics } from "../runs/record.ts";
import type { DatasetRef } from "../runs/run_json.ts";

/** The claim file's name inside a run folder. */
export const CLAIM_FILE = ".claim";

/** Who holds (or last held) a claim. */
export interface ClaimHolder {
  /** Host name. */
  host: string;
  /** Process id. */
  pid: number;
  /** Scheduler job id (Slurm `1234_5`, or a local worker's), when in a job. */
  jobId?: string;
  /** When it claimed the run (ISO time). */
  at: string;
}

/** A held claim; release it when the run is written. */
export interface RunClaim {
  /** The claim file. */
  path: string;
  /** Releases the claim (idempotent). */
  release(): void;
}

/** The job id of this process: Slurm's (`<array>_<task>` or the job id), else {@linkcode JOB_ID_ENV}. */
export function currentJobId(): string | undefined {
  const arrayJob = Deno.env.get("SLURM_ARRAY_JOB_ID");
  const task = Deno.env.get("SLURM_ARRAY_TASK_ID");
  if (arrayJob && task !== undefined) return `${arrayJob}_${task}`;
  return Deno.env.get("SLURM_JOB_ID") ?? Deno.env.get(JOB_ID_ENV);
}

/** Describes a holder for a message: `job 12_3 (pid 4711 on node7 since ...)`. */
export function describeHolder(holder: ClaimHolder | null): string {
  if (!holder) return "another process";
  return `${
    holder.jobId ? `job ${holder.jobId} ` : ""
  }(pid ${holder.pid} on ${holder.host} since ${holder.at})`;
}

/** Reads the holder written in a claim file, or null. */
export async function readClaimHolder(
  path: string,
): Promise<ClaimHolder | null> {
  try {
    const text = await Deno.readTextFile(path);
    return text.trim() ? JSON.parse(text) as ClaimHolder : null;
  } catch {
    return null;
  }
}

/**
 * Tries once to claim the run folder `dir` (created if missing): the held
 * claim, or the current holder (null when it has not written its name yet)
 * when another process holds it.
 */
export async function tryClaimRun(
  dir: string,
): Promise<{ claim: RunClaim } | { heldBy: ClaimHolder | null }> {
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, CLAIM_FILE);
  const file = await Deno.open(path, {
    read: true,
    write: true,
    create: true,
  });
  let locked = false;
  try {
    locked = await file.tryLock(true);
  } catch (error) {
    file.close();
    throw error;
  }
  if (!locked) {
    file.close();
    return { heldBy: await readClaimHolder(path) };
  }
  const holder: ClaimHolder = {
    host: Deno.hostname(),
    pid: Deno.pid,
    ...(currentJobId() ? { jobId: currentJobId() } : {}),
    at: new Date().toISOString(),
  };
  await file.truncate(0);
  await file.write(new TextEncoder().encode(JSON.stringify(holder) + "\n"));
  let released = false;
  return {
    claim: {
      path,
      release() {
        if (released) return;
        released = true;
        try {
          file.unlockSync();
        } finally {
          file.close();
        }
      },
    },
  };
}

/**
 * Claims the run folder `dir`, waiting while another process holds it
 * (polling every `pollMs`, default 2 s; `onWait` is told once who holds
 * it). After the wait the other process has finished with the folder:
 * re-read the run's status before training it.
 */
export async function claimRun(
  dir: string,
  options: { pollMs?: number; onWait?: (holder: ClaimHolder | null) => void } =
    {},
): Promise<RunClaim> {
  let told = false;
  for (;;) {
    const attempt = await tryClaimRun(dir);
    if ("claim" in attempt) return attempt.claim;
    if (!told) {
      told = true;
      (options.onWait ??
        ((h) =>
          console.error(
            `${dir} is being written by ${describeHolder(h)}; waiting for it`,
          )))(attempt.heldBy);
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 2000));
  }
}

/** Runs `fn` holding the claim on `dir` ({@linkcode claimRun}), releasing it afterwards. */
export async function withRunClaim<T>(
  dir: string,
  fn: () => Promise<T>,
  options?: Parameters<typeof claimRun>[1],
): Promise<T> {
  const claim = await claimRun(dir, options);
  try {
    return await fn();
  } finally {
    claim.release();
  }
}

/**
 * One run's record, written once whoever asks: the complete record in
 * `dir` made from `dataset` is reused (`reused` turns its metrics into the
 * caller's result); otherwise `train` writes it while holding the folder's
 * claim, unless another process completed it while this one waited for the
 * claim (reused after all). Every trainer of a single run goes through this,
 * in a notebook's process or in a job.
 */
export async function reuseOrTrain<M, R>(
  dir: string,
  dataset: DatasetRef,
  reused: (metrics: M) => R,
  train: () => Promise<R>,
): Promise<R> {
  const reuse = async () => {
    const metrics = await completeRunMetrics<M>(dir, dataset);
    return metrics ? reused(metrics) : null;
  };
  const first = await reuse();
  if (first) return first;
  return await withRunClaim(dir, async () => (await reuse()) ?? await train());
}
