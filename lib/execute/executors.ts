/**
 * The executor for a set of {@linkcode ExecutorSettings}: none for `local`
 * (trials train in the calling process, one after another), a
 * {@linkcode LocalWorkers} or a {@linkcode SlurmExecutor}.
 *
 * @module
 */
import type { ExecutorSettings, RunExecutor } from "./executor.ts";
import { LocalWorkers } from "./local_workers.ts";
import { SlurmExecutor } from "./slurm.ts";

/** The executor of `settings`; undefined for `local` (train in this process). */
export function makeExecutor(
  settings: ExecutorSettings,
): RunExecutor | undefined {
  switch (settings.kind) {
    case "local":
      return undefined;
    case "local-workers":
      return new LocalWorkers(settings.workers);
    case "slurm": {
      const { kind: _kind, searches: _searches, ...slurm } = settings;
      return new SlurmExecutor(slurm);
    }
  }
}
