/**
 * Peak memory of a process tree (a notebook run: nbconvert and the kernel it
 * starts), read from Linux's `/proc`. Each process's `VmHWM` is its own peak
 * resident set, so sampling every half second still catches a peak that came
 * and went between samples, as long as the process was alive at one sample.
 *
 * @module
 */
import { existsOrFalseSync } from "../io/exists.ts";

/** The largest peak resident set of any process in a watched tree. */
export interface PeakMemory {
  /** Bytes; the largest `VmHWM` of a single process (usually the kernel). */
  bytes: number;
  /** The command line of that process, shortened. */
  process: string;
}

/** A running watch over a process tree. */
export interface PeakMemoryWatch {
  /** Stops watching; the peak seen, or null where `/proc` is absent. */
  stop(): PeakMemory | null;
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** Parent pid of every running process, from `/proc/<pid>/stat`. */
function parentsByPid(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid)) continue;
    const stat = readText(`/proc/${pid}/stat`);
    if (!stat) continue;
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    parents.set(pid, Number(fields[1]));
  }
  return parents;
}

/** The pids of `root` and all its descendants. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, parent] of parentsByPid()) {
    children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** A process's peak resident set in bytes (`VmHWM`), or null if it is gone. */
export function peakResidentBytes(pid: number): number | null {
  const status = readText(`/proc/${pid}/status`);
  const kb = status?.match(/^VmHWM:\s+(\d+) kB$/m)?.[1];
  return kb === undefined ? null : Number(kb) * 1024;
}

function commandLine(pid: number): string {
  const raw = readText(`/proc/${pid}/cmdline`) ?? "";
  const line = raw.split("\0").filter(Boolean).join(" ");
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

/**
 * Samples the peak resident set of every process under `root` every
 * `intervalMs` until `stop()`; returns the largest single-process peak.
 * Where `/proc` is missing (macOS, Windows) `stop()` gives null.
 *
 * @example
 * const child = new Deno.Command("jupyter", { args }).spawn();
 * const watch = watchPeakMemory(child.pid);
 * await child.status;
 * const peak = watch.stop(); // { bytes: 2.1e9, process: "deno jupyter --kernel ..." }
 */
export function watchPeakMemory(
  root: number,
  intervalMs = 500,
): PeakMemoryWatch {
  const hasProc = existsOrFalseSync("/proc/self/status");
  let peak: PeakMemory | null = null;
  const sample = () => {
    for (const pid of processTree(root)) {
      const bytes = peakResidentBytes(pid);
      if (bytes !== null && bytes > (peak?.bytes ?? -1)) {
        peak = { bytes, process: commandLine(pid) };
      }
    }
  };
  const timer = hasProc ? setInterval(sample, intervalMs) : undefined;
  if (hasProc) sample();
  return {
    stop() {
      if (timer !== undefined) clearInterval(timer);
      return peak;
    },
  };
}

/** Bytes as decimal gigabytes: `2_147_483_648` -> `"2.1 GB"`. */
export function formatGigabytes(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

/** `", peak memory 2.1 GB"` for a run's summary line; empty when unknown. */
export function peakNote(peak: PeakMemory | null): string {
  return peak ? `, peak memory ${formatGigabytes(peak.bytes)}` : "";
}
