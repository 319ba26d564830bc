/**
 * Compares the local runs of a profile with its reference records
 * (`reference.ts`): on the machine and backend that made the reference a
 * rerun must give identical records (test predictions, metrics and epoch
 * histories apart from their timings); elsewhere each headline accuracy
 * must lie within a tolerance that the check names:
 *
 * - **seed spread**: where the reference holds the same run (name and
 *   parameters) with several seeds, the range of the metric over them: a
 *   difference a machine makes is then no larger than one a seed makes;
 * - otherwise **test-set sampling**: the reference accuracy's 95% Wilson
 *   interval (the difference is within what another draw of the test images
 *   would make).
 *
 * @module
 */
import { join } from "node:path";
import { canonicalJson, seedGroup } from "./run_id.ts";
import { type MachineInfo, machineInfo, sameMachine } from "./machine.ts";
import { completeRunsOf, readReferenceManifest } from "./reference.ts";
import { readRun } from "./record.ts";
import type { RunJson } from "./run_json.ts";

/** One headline metric of a run, here and in the reference. */
export interface MetricDifference {
  /** Run id. */
  runId: string;
  /** Metric path, e.g. `accuracy` or `heads.gender.accuracy`. */
  metric: string;
  /** Local value. */
  local: number;
  /** Reference value. */
  reference: number;
  /** local − reference. */
  difference: number;
  /** The largest |difference| accepted. */
  tolerance: number;
  /** Where the tolerance comes from. */
  toleranceFrom: string;
  /** Whether |difference| ≤ tolerance. */
  within: boolean;
}

/** How one run compares with its reference copy. */
export interface RunComparison {
  /** Run id. */
  runId: string;
  /** Run name. */
  name: string;
  /** Whether it ran on the reference's machine and backend (identical records expected). */
  sameSetting: boolean;
  /** Whether metrics, predictions and history (apart from timings) are byte-identical in canonical JSON. */
  identical: boolean;
  /** Its headline metrics, with the tolerance used where the setting differs. */
  metrics: MetricDifference[];
  /** Whether the run passes: identical in the same setting, within tolerance elsewhere. */
  ok: boolean;
}

/** What {@linkcode checkAgainstReference} found. */
export interface ReferenceCheckResult {
  /** The profile checked. */
  profile: string;
  /** The runs made here and held by the reference. */
  compared: RunComparison[];
  /** Reference runs with no complete local run (not run here yet). */
  missingHere: string[];
  /** Local runs of the profile the reference does not hold (new or changed runs). */
  notInReference: string[];
  /** This machine. */
  machine: MachineInfo;
}

/** Keys of epoch logs and records that are timings, not results. */
const TIMING_KEYS = new Set(["seconds", "durationSeconds", "wallSeconds"]);

function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !TIMING_KEYS.has(k))
        .map(([k, v]) => [k, withoutTimings(v)]),
    );
  }
  return value;
}

async function readJsonOrNull(path: string): Promise<unknown> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

/** The result files compared byte for byte (in canonical JSON, timings left out). */
const RESULT_FILES = ["metrics.json", "predictions.json", "history.json"];

async function identicalResults(a: string, b: string): Promise<boolean> {
  for (const file of RESULT_FILES) {
    const [x, y] = await Promise.all([
      readJsonOrNull(join(a, file)),
      readJsonOrNull(join(b, file)),
    ]);
    if (
      canonicalJson(withoutTimings(x)) !== canonicalJson(withoutTimings(y))
    ) return false;
  }
  return true;
}

interface Headline {
  metric: string;
  value: number;
  wilson?: { low: number; high: number };
}

/**
 * The headline accuracies of a `metrics.json`: `accuracy` of a classifier
 * or photo check, `heads.<head>.accuracy` and `averageAccuracy` of a
 * multi-output network.
 */
export function headlineMetrics(metrics: unknown): Headline[] {
  const out: Headline[] = [];
  const m = metrics as Record<string, unknown> | null;
  if (!m || typeof m !== "object") return out;
  const one = (metric: string, v: Record<string, unknown>) => {
    if (typeof v.accuracy === "number") {
      const w = v.wilson95 as { low?: number; high?: number } | undefined;
      out.push({
        metric,
        value: v.accuracy,
        ...(typeof w?.low === "number" && typeof w?.high === "number"
          ? { wilson: { low: w.low, high: w.high } }
          : {}),
      });
    }
  };
  one("accuracy", m);
  if (m.heads && typeof m.heads === "object") {
    for (const [head, v] of Object.entries(m.heads)) {
      one(`heads.${head}.accuracy`, v as Record<string, unknown>);
    }
  }
  if (typeof m.averageAccuracy === "number") {
    out.push({ metric: "averageAccuracy", value: m.averageAccuracy });
  }
  return out;
}

function sameBackend(a: RunJson, b: RunJson): boolean {
  return a.backend.name === b.backend.name &&
    canonicalJson(a.backend.packages ?? {}) ===
      canonicalJson(b.backend.packages ?? {});
}

/**
 * Compares the complete local runs of `profile` under `runsRoot` with the
 * reference set under `referenceRoot/<profile>/`. With `study`, only the
 * runs of that study (`tags.study`) are compared and listed.
 *
 * @throws when the profile has no reference set.
 */
export async function checkAgainstReference(options: {
  runsRoot: string;
  referenceRoot: string;
  profile: string;
  study?: string;
}): Promise<ReferenceCheckResult> {
  const { runsRoot, referenceRoot, profile, study } = options;
  const manifest = await readReferenceManifest(referenceRoot, profile);
  if (!manifest) {
    throw new Error(
      `no reference records of profile ${profile} under ${referenceRoot}; save some with deno task reference save --profile ${profile}`,
    );
  }
  const inStudy = (s?: string) => study === undefined || s === study;
  const refDir = join(referenceRoot, profile);
  const entries = manifest.runs.filter((e) => inStudy(e.study));
  const machineOf = new Map(entries.map((e) => [e.id, e.machine]));
  const local = (await completeRunsOf(runsRoot, profile)).filter((r) =>
    inStudy(r.tags?.study)
  );
  const localIds = new Set(local.map((r) => r.id));

  // The reference's metrics by seed group, for the seed spread.
  const refMetrics = new Map<string, Headline[]>();
  for (const e of entries) {
    refMetrics.set(
      e.id,
      headlineMetrics(await readJsonOrNull(join(refDir, e.id, "metrics.json"))),
    );
  }
  const spread = (id: string, metric: string): number | null => {
    const values = entries
      .filter((e) => seedGroup(e.id) === seedGroup(id))
      .map((e) => refMetrics.get(e.id)?.find((h) => h.metric === metric)?.value)
      .filter((v): v is number => typeof v === "number");
    return values.length >= 2
      ? Math.max(...values) - Math.min(...values)
      : null;
  };

  const here = machineInfo();
  const compared: RunComparison[] = [];
  for (const run of local.filter((r) => machineOf.has(r.id))) {
    const refRun = await readRun(join(refDir, run.id));
    if (!refRun) continue;
    const sameSetting =
      sameMachine(run.machine ?? here, machineOf.get(run.id)!) &&
      sameBackend(run, refRun);
    const identical = await identicalResults(
      join(runsRoot, run.id),
      join(refDir, run.id),
    );
    const mine = headlineMetrics(
      await readJsonOrNull(join(runsRoot, run.id, "metrics.json")),
    );
    const metrics: MetricDifference[] = [];
    for (const ref of refMetrics.get(run.id) ?? []) {
      const value = mine.find((h) => h.metric === ref.metric)?.value;
      if (value === undefined) continue;
      const seeds = spread(run.id, ref.metric);
      let tolerance: number;
      let toleranceFrom: string;
      if (sameSetting) {
        tolerance = 0;
        toleranceFrom = "same machine and backend: identical";
      } else if (seeds !== null) {
        tolerance = seeds;
        toleranceFrom = "seed spread of the reference";
      } else if (ref.wilson) {
        tolerance = Math.max(
          ref.value - ref.wilson.low,
          ref.wilson.high - ref.value,
        );
        toleranceFrom = "95% Wilson interval of the reference";
      } else {
        tolerance = 0;
        toleranceFrom = "no interval: identical";
      }
      const difference = value - ref.value;
      metrics.push({
        runId: run.id,
        metric: ref.metric,
        local: value,
        reference: ref.value,
        difference,
        tolerance,
        toleranceFrom,
        within: Math.abs(difference) <= tolerance + 1e-12,
      });
    }
    compared.push({
      runId: run.id,
      name: run.name,
      sameSetting,
      identical,
      metrics,
      ok: sameSetting ? identical : metrics.every((m) => m.within),
    });
  }
  return {
    profile,
    compared,
    missingHere: entries.map((e) => e.id).filter((id) => !localIds.has(id)),
    notInReference: local.map((r) => r.id).filter((id) => !machineOf.has(id)),
    machine: here,
  };
}

/** Whether a check passes: every compared run ok, no local run outside the reference, and (with `all`) every reference run made here. */
export function checkPasses(
  result: ReferenceCheckResult,
  all = false,
): boolean {
  return result.compared.every((c) => c.ok) &&
    result.notInReference.length === 0 &&
    (!all || result.missingHere.length === 0);
}
