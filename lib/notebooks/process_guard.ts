/**
 * Keeping a notebook run's processes from outliving the task that started
 * them.
 *
 * `jupyter nbconvert --execute` starts the Deno kernel in a session of its
 * own (jupyter_client's `start_new_session`), so neither a signal to
 * nbconvert's process group nor nbconvert's death reaches the kernel: killed
 * with SIGTERM or SIGKILL, nbconvert leaves the kernel running (training,
 * for minutes), and SIGINT does not stop it within seconds either. Two
 * guards close that:
 *
 * - {@linkcode stopTreeOnSignals}: while a run is in flight, SIGINT or
 *   SIGTERM to this process stops the whole process tree of the run
 *   (nbconvert, the kernel and anything the kernel started) and exits with
 *   130 or 143, as the signal would have ended this process anyway.
 * - {@linkcode parentDeathPrefix}: a command prefix (`setpriv --pdeathsig
 *   KILL --`, from util-linux) that makes the kernel's `prctl` parent-death
 *   signal KILL, so a process dies as soon as its parent does, for any
 *   reason (SIGKILL included). nbconvert runs under it (it dies with the
 *   task) and so does the kernel, through a kernelspec written for the run
 *   (it dies with nbconvert); see `lib/notebooks/run.ts`.
 *
 * Linux only: elsewhere (no `/proc`, no `setpriv`) a signal stops the
 * direct child only and there is no parent-death guard.
 *
 * @module
 */
import { existsOrFalseSync } from "../io/exists.ts";
import { processTree } from "./peak_memory.ts";

let prefix: Promise<string[]> | undefined;

/**
 * `["setpriv", "--pdeathsig", "KILL", "--"]` where `setpriv` runs here and
 * takes `--pdeathsig` (checked once per process), else `[]`. Put in front
 * of a command, it gives the command's process the parent-death signal KILL.
 */
export function parentDeathPrefix(): Promise<string[]> {
  prefix ??= (async () => {
    const guard = ["setpriv", "--pdeathsig", "KILL", "--"];
    try {
      const probe = await new Deno.Command(guard[0], {
        args: [...guard.slice(1), "true"],
        stdout: "null",
        stderr: "null",
      }).output();
      return probe.success ? guard : [];
    } catch {
      return [];
    }
  })();
  return prefix;
}

function signalQuietly(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Kills `root` and all its descendants with SIGKILL. The tree is frozen
 * first (SIGSTOP) and read again, so a process started in between is not
 * missed. Where `/proc` is absent only `root` is killed.
 */
export function killProcessTree(root: number): void {
  if (!existsOrFalseSync("/proc/self/stat")) {
    signalQuietly(root, "SIGKILL");
    return;
  }
  const seen = new Set<number>();
  for (let round = 0; round < 3; round++) {
    const fresh = processTree(root).filter((pid) => !seen.has(pid));
    if (round > 0 && fresh.length === 0) break;
    for (const pid of fresh) {
      seen.add(pid);
      signalQuietly(pid, "SIGSTOP");
    }
  }
  seen.add(root);
  for (const pid of seen) signalQuietly(pid, "SIGKILL");
}

/** Exit codes of a process ended by a signal, as shells report them. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/** Listeners installed by {@linkcode stopTreeOnSignals}; `dispose` removes them. */
export interface SignalGuard {
  /** Removes the listeners (call when the child has finished). */
  dispose(): void;
}

/**
 * Until `dispose()`: on SIGINT or SIGTERM, prints `<note>: stopped by
 * <signal>`, kills the process tree under `root` ({@linkcode
 * killProcessTree}), runs `cleanup` (synchronous; errors ignored) and exits
 * this process with 130 (SIGINT) or 143 (SIGTERM).
 */
export function stopTreeOnSignals(
  root: number,
  note: string,
  cleanup?: () => void,
): SignalGuard {
  const listeners = (Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[])
    .map((signal) => {
      const listener = () => {
        console.error(`${note}: stopped by ${signal}`);
        killProcessTree(root);
        try {
          cleanup?.();
        } catch {
          // best effort: the process is ending
        }
        Deno.exit(SIGNAL_EXIT[signal]);
      };
      try {
        Deno.addSignalListener(signal, listener);
      } catch {
        return null; // signals not supported here (Windows: SIGTERM)
      }
      return { signal, listener };
    })
    .filter((l) => l !== null);
  return {
    dispose() {
      for (const { signal, listener } of listeners) {
        Deno.removeSignalListener(signal, listener);
      }
    },
  };
}
