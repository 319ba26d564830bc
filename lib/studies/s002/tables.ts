/**
 * Study 002's tables for the notebook: our runs beside the published
 * results, and the images per class in each part of the split plan.
 *
 * @module
 */
import { formatAccuracy, formatInterval } from "../../eval/format.ts";
import { SPLIT_SCHEMES } from "../../published/published.ts";
import {
  type Study002Item,
  type Study002Plan,
  STUDY_002_CLASSES,
} from "./data.ts";
import { STUDY_002_PUBLISHED } from "../../published/published.ts";
import { Study002Run } from "./settings.ts";

/**
 * The results table of the notebook: one row per run, with the study's
 * corresponding published results beside it (header and rows for
 * `markdownTable`).
 */
export function study002ResultsTable(
  runs: readonly Study002Run[],
): { header: string[]; rows: string[][] } {
  const header = [
    "model",
    "split",
    "train / val / test",
    "test accuracy (95% t)",
    "95% Wilson",
    "best val. acc.",
    "study: model, test acc. (its 95% range)",
  ];
  const rows = runs.map((run) => {
    const m = run.metrics;
    const published = STUDY_002_PUBLISHED.filter((p) =>
      p.ours === run.model && p.split === run.split
    ).map((p) =>
      `${p.model}: ${
        p.testAccuracy === null ? "n/a" : formatAccuracy(p.testAccuracy)
      } (${formatInterval(p.interval)})`
    );
    return [
      run.model,
      run.split,
      `${run.splits.train} / ${run.splits.validation} / ${run.splits.test}`,
      formatAccuracy(m.accuracy, m.t95),
      formatInterval(m.wilson95),
      m.validationAccuracy === null
        ? "–"
        : formatAccuracy(m.validationAccuracy),
      published.length ? published.join("; ") : "not run in the study",
    ];
  });
  return { header, rows };
}

/**
 * Images per class in each part of the plan (header and rows for
 * `markdownTable`): the study's class, ours, photos available, test, pool,
 * and training / validation of each scheme.
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
    ...SPLIT_SCHEMES.map((s) => `${s} train / val`),
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
