/**
 * Study 002's tables for the notebook: the set-ups' settings, our runs
 * beside the published results (v3's two swapped halves and their mean),
 * and the images per class in each part of the split plan.
 *
 * @module
 */
import { formatAccuracy, formatInterval } from "../../eval/format.ts";
import {
  formatSeedSpread,
  type SeedSpread,
  seedSpread,
} from "../../eval/seed_spread.ts";
import {
  SPLIT_SCHEMES,
  type Study002SetupId,
} from "../../published/published.ts";
import {
  type Study002Item,
  type Study002Plan,
  STUDY_002_CLASSES,
} from "./data.ts";
import { STUDY_002_PUBLISHED } from "../../published/published.ts";
import type { Study002Run, Study002Settings } from "./settings.ts";

/** The mean of v3's two runs, each half trained once. */
export interface Study002SwapMean {
  /** Half A's run, then half B's. */
  runs: [Study002Run, Study002Run];
  /** The mean of the two test accuracies. */
  accuracy: number;
  /** Correct test answers over both runs. */
  correct: number;
  /** Test answers over both runs (twice the test set). */
  n: number;
}

/**
 * The mean test accuracy of v3's two halves at a balancing mode (default
 * `augment`, the study's), or `null` when either run is missing.
 */
export function study002SwapMean(
  runs: readonly Study002Run[],
  balance: Study002Run["balance"] = "augment",
): Study002SwapMean | null {
  const half = (h: "A" | "B") =>
    runs.find((r) => r.setup === "v3" && r.half === h && r.balance === balance);
  const a = half("A");
  const b = half("B");
  if (!a || !b) return null;
  return {
    runs: [a, b],
    accuracy: (a.metrics.accuracy + b.metrics.accuracy) / 2,
    correct: a.metrics.correct + b.metrics.correct,
    n: a.metrics.n + b.metrics.n,
  };
}

/** The spread over seeds of v3's mean of halves (seed by seed), or null without both halves at every seed. */
function swapMeanSpread(
  seedRuns: readonly (readonly Study002Run[])[],
): SeedSpread | null {
  const count = Math.min(...seedRuns.map((r) => r.length));
  const means: number[] = [];
  for (let k = 0; k < count; k++) {
    const mean = study002SwapMean(seedRuns.map((r) => r[k]));
    if (!mean) return null;
    means.push(mean.accuracy);
  }
  return seedSpread(means);
}

const rate = (x: number | undefined) => x === undefined ? "default" : String(x);

/**
 * The set-ups' settings as the runs used them (header and rows for
 * `markdownTable`): model, split, optimizer, learning rate, dropout, runs.
 */
export function study002SetupTable(
  settings: Pick<Study002Settings, "setups">,
): { header: string[]; rows: string[][] } {
  const header = [
    "set-up",
    "study's model",
    "our model",
    "split",
    "optimizer",
    "learning rate",
    "dropout",
    "runs",
  ];
  const rows = (Object.keys(settings.setups) as Study002SetupId[]).map(
    (id) => {
      const s = settings.setups[id];
      return [
        id,
        s.published,
        s.model === "baseline" ? "basic CNN, from scratch" : "MobileNetV2",
        s.split,
        s.compile.optimizer ?? "adam",
        rate(s.compile.learningRate),
        s.dropout > 0 ? String(s.dropout) : "none",
        s.halves.length > 1
          ? `${s.halves.length}: ${
            s.halves.map((h) => `half ${h} trains`).join(", ")
          }`
          : "1",
      ];
    },
  );
  return { header, rows };
}

/**
 * The results table of the notebook: one row per run, then a row with the
 * mean of v3's two halves, with the study's published result of the same
 * set-up beside each (header and rows for `markdownTable`); published rows
 * no run follows (ResNet50) get a row saying so. With `seedRuns` (each
 * run with every seed, in the same order, as `runStudy002` returns them) a
 * column gives each run's spread over its seeds, and the mean of v3's
 * halves the spread of that mean over the seeds.
 */
export function study002ResultsTable(
  runs: readonly Study002Run[],
  seedRuns?: readonly (readonly Study002Run[])[],
): { header: string[]; rows: string[][] } {
  const seeds = seedRuns?.map((r) =>
    seedSpread(r.map((run) => run.metrics.accuracy))
  );
  const withSeeds = seeds?.some((s) => s.n > 1) ?? false;
  const header = [
    "run",
    "split",
    "balancing",
    "train / val / test",
    "test accuracy (95% t)",
    "95% Wilson",
    "best val. acc.",
    ...(withSeeds ? ["seeds (test accuracy)"] : []),
    "study: model, test acc. (its 95% range)",
  ];
  const dash = withSeeds ? ["–"] : [];
  const published = (setup: Study002SetupId) =>
    STUDY_002_PUBLISHED.filter((p) => p.setup === setup).map((p) =>
      `${p.model}: ${
        p.testAccuracy === null ? "n/a" : formatAccuracy(p.testAccuracy)
      } (${formatInterval(p.interval)})`
    ).join("; ") || "not in the study";
  const rows = runs.map((run, i) => {
    const m = run.metrics;
    return [
      run.label,
      run.split,
      run.balance === "augment" ? "topped up" : "none",
      `${run.splits.train} / ${run.splits.validation} / ${run.splits.test}`,
      formatAccuracy(m.accuracy, m.t95),
      formatInterval(m.wilson95),
      m.validationAccuracy === null
        ? "–"
        : formatAccuracy(m.validationAccuracy),
      ...(withSeeds ? [formatSeedSpread(seeds![i])] : []),
      published(run.setup),
    ];
  });
  const mean = study002SwapMean(runs);
  const meanSeeds = withSeeds ? swapMeanSpread(seedRuns!) : null;
  if (mean) {
    rows.push([
      "v3 mean of halves A and B",
      "50/50",
      "topped up",
      "–",
      `${formatAccuracy(mean.accuracy)} (${mean.correct} of ${mean.n})`,
      "–",
      "–",
      ...(withSeeds ? [meanSeeds ? formatSeedSpread(meanSeeds) : "–"] : []),
      published("v3"),
    ]);
  }
  for (const p of STUDY_002_PUBLISHED.filter((p) => p.setup === null)) {
    rows.push([
      "not run",
      p.split,
      "–",
      "–",
      "–",
      "–",
      "–",
      ...dash,
      `${p.model}: ${
        p.testAccuracy === null ? "n/a" : formatAccuracy(p.testAccuracy)
      } (${formatInterval(p.interval)}); needs a larger pretrained base`,
    ]);
  }
  return { header, rows };
}

/**
 * Images per class in each part of the plan (header and rows for
 * `markdownTable`): the study's class, ours, photos available, test, pool,
 * and training / validation of each scheme (50/50: half A / half B).
 */
export function study002SplitTable(
  plan: Study002Plan,
): { header: string[]; rows: (string | number)[][] } {
  const count = (items: readonly Study002Item[], label: number) =>
    items.filter((i) => i.label === label).length;
  const header = [
    "study's class",
    "stand-in class",
    "photos",
    "test",
    "pool",
    ...SPLIT_SCHEMES.map((s) =>
      s === "50/50" ? `${s} half A / half B` : `${s} train / val`
    ),
  ];
  const rows = STUDY_002_CLASSES.map((c, k) => [
    c.study,
    c.folder,
    plan.available[k],
    count(plan.test, k),
    count(plan.pool, k),
    ...SPLIT_SCHEMES.map((s) =>
      `${count(plan.schemes[s].train, k)} / ${
        count(plan.schemes[s].validation, k)
      }`
    ),
  ]);
  rows.push([
    "all",
    "",
    plan.available.reduce((a, b) => a + b, 0),
    plan.test.length,
    plan.pool.length,
    ...SPLIT_SCHEMES.map((s) =>
      `${plan.schemes[s].train.length} / ${plan.schemes[s].validation.length}`
    ),
  ]);
  return { header, rows };
}
