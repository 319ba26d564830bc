/**
 * Hyperparameter searches as the report reads them back from run records:
 * `runSearch` (lib/execute/search_runs.ts) writes one record per trial, named
 * `<search name> trial` with metrics `{ valAccuracy }`, and one
 * `<search name> test` record for the chosen configuration, whose params
 * name the chosen trial (`selectedFrom`). This module groups them again by
 * study, search name, profile, dataset and seed, without knowing any
 * search's name in advance. A successive-halving search's trials also
 * hold `stoppedAtRung`, `rungEpochs` and `rungValAccuracy` in their
 * metrics; such a group gets {@linkcode SearchGroup.halving} and its trials
 * are ranked by the rung they reached first. The same search run both ways
 * (its trials' parameters say `search: "halving"` or nothing) makes two
 * groups, which {@linkcode strategyPairs} pairs for comparison.
 *
 * @module
 */
import { isTrialRun, type ReportRun, TRIAL } from "./report_runs.ts";
import type { HyperValue } from "./vega_charts.ts";
import { seedGroup } from "../runs/run_id.ts";

/** One trial of a search. */
export interface SearchTrial {
  /** The trial's run record. */
  run: ReportRun;
  /** Its hyperparameters. */
  params: Record<string, HyperValue>;
  /** Its validation accuracy (under halving: at the rung it stopped at). */
  valAccuracy: number;
  /** Successive halving only: the 0-based rung the trial stopped at. */
  stoppedAtRung?: number;
}

/** How a successive-halving search spent its epochs, from its trials' records. */
export interface HalvingSummary {
  /** Epochs of each rung. */
  rungEpochs: number[];
  /** Trials trained in each rung. */
  trialsPerRung: number[];
}

/** A search: its trials and, when it ran, the test of the chosen one. */
export interface SearchGroup {
  /** The search name (the trial name without ` trial`). */
  name: string;
  /** Study id from the trials' tags. */
  study: string;
  /** Profile from the trials' tags. */
  profile: string;
  /** The seed every trial trained with. */
  seed: number;
  /** Dataset id. */
  dataset: string;
  /** Trials, best validation accuracy first (ties by run id). */
  trials: SearchTrial[];
  /** Hyperparameters that differ between trials, in first-seen order. */
  varying: string[];
  /** Hyperparameters every trial shares, with their value. */
  constant: Record<string, HyperValue>;
  /** The test record of the chosen trial, if the search got that far. */
  test: ReportRun | null;
  /** The chosen configuration trained and tested again with further seeds (`winnerSeeds`), by seed. */
  seedTests: ReportRun[];
  /** Run id of the chosen trial (from the test record, else the best trial). */
  chosenId: string;
  /** How the candidates were trained (from the trials' `search` parameter). */
  strategy: "exhaustive" | "halving";
  /** Successive halving only (absent for exhaustive searches): its rungs. */
  halving?: HalvingSummary;
  /**
   * Whether the grid is the workspace's own, not the study's (the trials'
   * `grid: "ours"` tag), and the study's published setting (`studySetting`).
   */
  ours?: { studySetting?: string };
}

const TEST = / test$/;

function isHyperValue(v: unknown): v is HyperValue {
  return typeof v === "number" || typeof v === "string" ||
    typeof v === "boolean";
}

function groupKey(r: ReportRun, name: string): string {
  return JSON.stringify([
    r.run.tags?.study ?? "",
    name,
    r.run.tags?.profile ?? "",
    r.run.dataset.id,
    r.run.seed,
    strategyOf(r),
  ]);
}

function strategyOf(r: ReportRun): "exhaustive" | "halving" {
  return r.run.params.search === "halving" ? "halving" : "exhaustive";
}

/**
 * Groups trial records into searches and attaches each search's test record.
 * Deterministic: groups come sorted by study, name, profile, dataset, seed.
 */
export function groupSearches(runs: ReportRun[]): SearchGroup[] {
  const groups = new Map<string, SearchGroup>();
  for (const r of runs.filter(isTrialRun)) {
    const name = r.run.name.replace(TRIAL, "");
    const key = groupKey(r, name);
    let group = groups.get(key);
    if (!group) {
      group = {
        name,
        study: r.run.tags?.study ?? "",
        profile: r.run.tags?.profile ?? "",
        seed: r.run.seed,
        dataset: r.run.dataset.id,
        trials: [],
        varying: [],
        constant: {},
        test: null,
        seedTests: [],
        chosenId: "",
        strategy: strategyOf(r),
      };
      groups.set(key, group);
    }
    const trial: SearchTrial = {
      run: r,
      params: Object.fromEntries(
        Object.entries(r.run.params).filter(([, v]) => isHyperValue(v)),
      ) as Record<string, HyperValue>,
      valAccuracy: r.metrics.valAccuracy as number,
    };
    if (typeof r.metrics.stoppedAtRung === "number") {
      trial.stoppedAtRung = r.metrics.stoppedAtRung;
    }
    group.trials.push(trial);
  }
  const tests = runs.filter((r) =>
    TEST.test(r.run.name) && typeof r.run.params.selectedFrom === "string"
  );
  for (const group of groups.values()) {
    group.trials.sort((a, b) =>
      (b.stoppedAtRung ?? 0) - (a.stoppedAtRung ?? 0) ||
      b.valAccuracy - a.valAccuracy || (a.run.run.id < b.run.run.id ? -1 : 1)
    );
    const halving = halvingSummary(group.trials);
    if (halving) group.halving = halving;
    const tags = group.trials[0].run.run.tags ?? {};
    if (tags.grid === "ours") {
      group.ours = tags.studySetting === undefined
        ? {}
        : { studySetting: String(tags.studySetting) };
    }
    const keys = [
      ...new Set(group.trials.flatMap((t) => Object.keys(t.params))),
    ];
    for (const k of keys) {
      const values = new Set(
        group.trials.map((t) => JSON.stringify(t.params[k])),
      );
      if (values.size > 1) group.varying.push(k);
      else group.constant[k] = group.trials[0].params[k];
    }
    const ids = new Set(group.trials.map((t) => t.run.run.id));
    // The search's own seed: a winner's further seeds are tests of their own.
    group.test = tests.find((t) =>
      t.run.name === `${group.name} test` && t.run.seed === group.seed &&
      ids.has(t.run.params.selectedFrom as string)
    ) ?? null;
    group.chosenId = group.test
      ? group.test.run.params.selectedFrom as string
      : group.trials[0].run.run.id;
    const chosenTest = group.test;
    group.seedTests = chosenTest
      ? tests.filter((t) =>
        t.run.seed !== group.seed &&
        seedGroup(t.run.id) === seedGroup(chosenTest.run.id)
      ).sort((a, b) =>
        a.run.seed - b.run.seed
      )
      : [];
  }
  return [...groups.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([, g]) => g);
}

/**
 * The rungs of a successive-halving search from its trials (the longest
 * `rungEpochs` of their metrics, and how many trials reached each rung),
 * or null when no trial records a rung.
 */
function halvingSummary(trials: SearchTrial[]): HalvingSummary | null {
  const rungTrials = trials.filter((t) => t.stoppedAtRung !== undefined);
  if (rungTrials.length === 0) return null;
  let rungEpochs: number[] = [];
  for (const t of rungTrials) {
    const epochs = t.run.metrics.rungEpochs;
    if (
      Array.isArray(epochs) && epochs.length > rungEpochs.length &&
      epochs.every((e) => typeof e === "number")
    ) rungEpochs = epochs as number[];
  }
  const rungs = Math.max(
    rungEpochs.length,
    ...rungTrials.map((t) => t.stoppedAtRung! + 1),
  );
  const trialsPerRung = Array.from(
    { length: rungs },
    (_, r) => rungTrials.filter((t) => t.stoppedAtRung! >= r).length,
  );
  return { rungEpochs, trialsPerRung };
}

/** The same search run exhaustively and by successive halving. */
export interface StrategyPair {
  exhaustive: SearchGroup;
  halving: SearchGroup;
}

/**
 * Pairs the groups that are one search (study, name, profile, dataset and
 * seed) run both ways.
 */
export function strategyPairs(groups: SearchGroup[]): StrategyPair[] {
  const key = (g: SearchGroup) =>
    JSON.stringify([g.study, g.name, g.profile, g.dataset, g.seed]);
  return groups.filter((g) => g.strategy === "exhaustive").flatMap(
    (exhaustive) => {
      const halving = groups.find((g) =>
        g.strategy === "halving" && key(g) === key(exhaustive)
      );
      return halving ? [{ exhaustive, halving }] : [];
    },
  );
}
