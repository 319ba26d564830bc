/**
 * The executor options shared by `reproduce`, `notebooks` and `search`:
 * `--executor local|slurm`, `--workers N` (local: N processes),
 * `--partition`, `--time`, `--mem`, `--gres`, `--account`,
 * `--cpus-per-task` (slurm: passed to `sbatch`), `--poll SECONDS` (slurm:
 * how often `squeue` is asked).
 *
 * @module
 */
import type { ExecutorSettings } from "../lib/execute/executor.ts";
import type { TaskArgs } from "./args.ts";

/** The options, to spread into a task's `parse` options. */
export const EXECUTOR_OPTIONS = {
  executor: { type: "string" },
  workers: { type: "string" },
  partition: { type: "string" },
  time: { type: "string" },
  mem: { type: "string" },
  gres: { type: "string" },
  account: { type: "string" },
  "cpus-per-task": { type: "string" },
  poll: { type: "string" },
} as const;

/** The usage text of the options. */
export const EXECUTOR_USAGE =
  "[--executor local|slurm] [--workers N] [--partition P] [--time T] [--mem M] [--gres G] [--account A] [--cpus-per-task N] [--poll SECONDS]";

/** The parsed values of {@linkcode EXECUTOR_OPTIONS}. */
export type ExecutorValues = {
  [K in keyof typeof EXECUTOR_OPTIONS]?: string;
};

/**
 * The settings the options give (default `local`); a Slurm option without
 * `--executor slurm`, or `--workers` with it, is a usage error.
 */
export function executorSettings(
  cli: TaskArgs,
  values: ExecutorValues,
): ExecutorSettings {
  const kind = cli.oneOf("executor", values.executor, ["local", "slurm"]) ??
    "local";
  const slurmOnly = [
    "partition",
    "time",
    "mem",
    "gres",
    "account",
    "cpus-per-task",
    "poll",
  ] as const;
  if (kind === "local") {
    const given = slurmOnly.filter((k) => values[k] !== undefined);
    if (given.length) {
      cli.fail(`--${given[0]} is a Slurm option; add --executor slurm`);
    }
    const workers = cli.positiveInt("workers", values.workers);
    return workers === undefined ? { kind: "local" } : {
      kind: "local-workers",
      workers,
    };
  }
  if (values.workers !== undefined) {
    cli.fail("--workers is for --executor local; Slurm runs the jobs");
  }
  const cpus = cli.positiveInt("cpus-per-task", values["cpus-per-task"]);
  const poll = cli.number("poll", values.poll, { min: 0.1 });
  return {
    kind: "slurm",
    ...(values.partition ? { partition: values.partition } : {}),
    ...(values.time ? { time: values.time } : {}),
    ...(values.mem ? { mem: values.mem } : {}),
    ...(values.gres ? { gres: values.gres } : {}),
    ...(values.account ? { account: values.account } : {}),
    ...(cpus ? { cpusPerTask: cpus } : {}),
    ...(poll ? { pollSeconds: poll } : {}),
  };
}
