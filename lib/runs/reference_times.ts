/**
 * What a reference set cost to make: its runs' wall-clock seconds summed
 * study by study, from `reference.json` alone, so a fresh clone can say how
 * long the committed results took and on which machines and backends.
 *
 * A run's seconds are those of all its sittings (`durationSeconds`). Runs
 * of one process train one after another, so their sum is the training
 * time of that process; runs trained at the same time by several workers
 * would be counted side by side.
 *
 * @module
 */
import { describeMachine } from "./machine.ts";
import type { ReferenceEntry } from "./reference.ts";

/** The runs of one study in a reference set and what they took. */
export interface StudyTime {
  /** Study id (`000` … `004`), or `none` for runs that name no study. */
  study: string;
  /** How many runs. */
  runs: number;
  /** Their wall-clock seconds, summed. */
  seconds: number;
  /** The distinct machines they ran on (`describeMachine`), sorted. */
  machines: string[];
  /** The distinct backends they ran on, sorted. */
  backends: string[];
  /** ISO time the first of them finished. */
  firstFinished: string;
  /** ISO time the last of them finished. */
  lastFinished: string;
}

/** One {@link StudyTime} per study, sorted by study id, and the total over all (`study: "all"`). */
export function referenceTimes(
  entries: readonly ReferenceEntry[],
): { studies: StudyTime[]; total: StudyTime } {
  if (!entries.length) {
    throw new Error(
      "the reference set has no runs; save one first (deno task reference save --profile P)",
    );
  }
  const byStudy = Map.groupBy(entries, (e) => e.study ?? "none");
  const studies = [...byStudy.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([study, runs]) => summarise(study, runs));
  return { studies, total: summarise("all", entries) };
}

function summarise(study: string, runs: readonly ReferenceEntry[]): StudyTime {
  const finished = runs.map((r) => r.finishedAt).sort();
  return {
    study,
    runs: runs.length,
    seconds: runs.reduce((sum, r) => sum + r.durationSeconds, 0),
    machines: [...new Set(runs.map((r) => describeMachine(r.machine)))].sort(),
    backends: [...new Set(runs.map((r) => r.backend))].sort(),
    firstFinished: finished[0],
    lastFinished: finished[finished.length - 1],
  };
}
