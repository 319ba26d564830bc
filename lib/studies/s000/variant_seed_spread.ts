/**
 * One primary variant trained with several seeds and checked on the photos
 * it never saw (notebook 12): how far its photo scores move with the seed
 * alone, and with how many seeds it meets {@linkcode PHOTO_GOAL}. At a
 * profile that samples the data (`course`), the seed also chooses which
 * stand-in images train the model.
 *
 * @module
 */
import { formatPercent } from "../../eval/format.ts";
import {
  replicateSeeds,
  type SeedSpread,
  seedSpread,
} from "../../eval/seed_spread.ts";
import type { PhotoCheckResult, PhotoSet } from "../../execute/photo_check.ts";
import type { LabContext } from "../../runs/lab_context.ts";
import { readHeadPredictions } from "../../runs/record.ts";
import type { ShopArraysSource } from "./data.ts";
import { PHOTO_GOAL_TEXT, photoGoalShortfalls } from "./photo_goal.ts";
import type { PrimaryVariant } from "./primary_variants.ts";
import {
  trainPrimaryVariantSeeds,
  type VariantSeedRun,
} from "./primary_variant_jobs.ts";
import { checkPrimaryOnPhotos } from "./shop_photos.ts";
import { variantRunName } from "./variant_training.ts";

/** One seed's run and its photo checks by photo-set id. */
export interface SeedCheckedRun extends VariantSeedRun {
  checks: Record<string, PhotoCheckResult>;
}

/**
 * Trains (or reuses) `variant` with the profile's `variantSeeds` seeds (the
 * context's seed and the next ones) and checks each run on every set of
 * `photoSets`.
 */
export async function variantAcrossSeeds(
  context: LabContext,
  source: ShopArraysSource,
  variant: PrimaryVariant,
  photoSets: readonly PhotoSet[],
  runsRoot?: string,
): Promise<SeedCheckedRun[]> {
  const seeds = replicateSeeds(context.seed, context.profile.variantSeeds);
  const runs = await trainPrimaryVariantSeeds(
    context,
    source,
    variant,
    seeds,
    runsRoot,
  );
  const out: SeedCheckedRun[] = [];
  for (const { seed, run } of runs) {
    const checks: Record<string, PhotoCheckResult> = {};
    for (const photos of photoSets) {
      checks[photos.dataset.id] = await checkPrimaryOnPhotos(
        { ...context, seed },
        run.runId,
        photos,
        { runsRoot, model: variantRunName(variant) },
      );
    }
    out.push({ seed, run, checks });
  }
  return out;
}

/** A column of {@linkcode seedSpreadTable}: its label, and a run's correct count and n in it. */
export interface Column {
  label: string;
  correct: (r: SeedCheckedRun) => number;
  n: (r: SeedCheckedRun) => number;
}

function columns(runs: readonly SeedCheckedRun[], setIds: readonly string[]) {
  const first = runs[0];
  const out: Column[] = [{
    label: "stand-in test",
    correct: (r) => r.run.metrics.correct,
    n: (r) => r.run.metrics.n,
  }];
  for (const id of setIds) {
    out.push({
      label: id,
      correct: (r) => r.checks[id].metrics.correct,
      n: (r) => r.checks[id].metrics.n,
    });
    for (const [k, c] of first.checks[id].metrics.perClass.entries()) {
      if (c.n === 0) continue;
      out.push({
        label: `${id} ${c.className}`,
        correct: (r) => r.checks[id].metrics.perClass[k].correct,
        n: (r) => r.checks[id].metrics.perClass[k].n,
      });
    }
  }
  return out;
}

/** What {@linkcode seedSummary} returns: per column, its counts and spread; and the goal. */
export interface SeedSummary {
  /** The columns: the stand-in test, then each photo set and its classes with photos. */
  columns: Column[];
  /** Per column, the spread of its accuracy over the seeds. */
  spreads: SeedSpread[];
  /** Per seed, what falls short of the goal (empty: meets it). */
  shortfalls: string[][];
  /** Seeds that meet the goal. */
  met: number;
}

/**
 * The runs' accuracies column by column (stand-in test, each photo set,
 * each of its classes with photos) summarised over the seeds, and the goal
 * per seed.
 *
 * @throws when `runs` is empty or a run lacks a check of `setIds`.
 */
export function seedSummary(
  runs: readonly SeedCheckedRun[],
  setIds: readonly string[],
): SeedSummary {
  if (!runs.length) throw new Error("a seed summary of no runs");
  for (const r of runs) {
    const missing = setIds.filter((id) => !r.checks[id]);
    if (missing.length) {
      throw new Error(`seed ${r.seed} has no check on ${missing.join(", ")}`);
    }
  }
  const cols = columns(runs, setIds);
  const shortfalls = runs.map((r) =>
    photoGoalShortfalls(r.run.metrics.accuracy, r.checks)
  );
  return {
    columns: cols,
    spreads: cols.map((c) =>
      seedSpread(runs.map((r) => c.correct(r) / c.n(r)))
    ),
    shortfalls,
    met: shortfalls.filter((s) => s.length === 0).length,
  };
}

/** `93.0% (1.6)`: a spread's mean and its sd in points. */
export function meanAndSd(s: SeedSpread): string {
  return `${formatPercent(s.mean)} (${(100 * s.sd).toFixed(1)})`;
}

/**
 * Markdown: one row per seed (correct / n per column, and what falls short
 * of the goal), then the mean, standard deviation and range of each
 * column's accuracy over the seeds, and how many seeds meet the goal.
 *
 * @throws when `runs` is empty or a run lacks a check of `setIds`.
 */
export function seedSpreadTable(
  runs: readonly SeedCheckedRun[],
  setIds: readonly string[],
): string {
  const summary = seedSummary(runs, setIds);
  const header = [
    "seed",
    ...summary.columns.map((c) => c.label),
    "short of the goal",
  ];
  const rows = runs.map((r, i) => [
    String(r.seed),
    ...summary.columns.map((c) => `${c.correct(r)}/${c.n(r)}`),
    summary.shortfalls[i].length
      ? summary.shortfalls[i].join("; ")
      : "meets it",
  ]);
  rows.push(
    [
      "mean (sd)",
      ...summary.spreads.map(meanAndSd),
      `${summary.met} of ${runs.length} seeds meet it`,
    ],
    [
      "range",
      ...summary.spreads.map((s) =>
        `${formatPercent(s.min)}–${formatPercent(s.max)}`
      ),
      "",
    ],
  );
  return [
    `Goal: ${PHOTO_GOAL_TEXT}.`,
    "",
    ...[header, header.map(() => "---"), ...rows].map((cells) =>
      `| ${cells.join(" | ")} |`
    ),
  ].join("\n");
}

/**
 * Markdown: the photos of `photos` that at least one seed's run gets wrong,
 * most often wrong first: the photo, its class, what the runs called it
 * and with how many of the seeds; then how many are wrong with every seed.
 * A photo wrong with every seed is a mistake of the variant, not of a seed.
 *
 * @throws when a run's check of `photos` predicted another number of photos.
 */
export async function mistakesAcrossSeeds(
  runs: readonly SeedCheckedRun[],
  photos: PhotoSet,
): Promise<string> {
  const id = photos.dataset.id;
  const wrong = photos.ids.map(() => new Map<string, number>());
  for (const r of runs) {
    const check = r.checks[id];
    if (!check) throw new Error(`seed ${r.seed} has no check on ${id}`);
    const p = await readHeadPredictions(check.dir);
    if (p.predictedLabels.length !== photos.ids.length) {
      throw new Error(
        `${check.dir}: ${p.predictedLabels.length} predictions for the ${photos.ids.length} photos of ${id}`,
      );
    }
    p.predictedLabels.forEach((label, i) => {
      if (label === photos.arrays.labels[i]) return;
      const called = photos.classNames[label];
      wrong[i].set(called, (wrong[i].get(called) ?? 0) + 1);
    });
  }
  const total = (m: Map<string, number>) =>
    [...m.values()].reduce((a, b) => a + b, 0);
  const rows = photos.ids
    .map((photo, i) => ({ photo, i, seeds: total(wrong[i]) }))
    .filter((r) => r.seeds > 0)
    .sort((a, b) => b.seeds - a.seeds || a.photo.localeCompare(b.photo));
  const always = rows.filter((r) => r.seeds === runs.length).length;
  return [
    `${id}: ${always} photo${
      always === 1 ? "" : "s"
    } wrong with all ${runs.length} seeds, ${
      rows.length - always
    } more with some of them.`,
    "",
    "| photo | class | called | wrong with |",
    "| --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.photo} | ${photos.classNames[photos.arrays.labels[r.i]]} | ${
        [...wrong[r.i].entries()].map(([c, k]) => `${c} (${k})`).join(", ")
      } | ${r.seeds} of ${runs.length} seeds |`
    ),
  ].join("\n");
}
