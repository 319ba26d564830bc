/**
 * Notebook 12's tables: each primary-model variant on the stand-in's test
 * split and on the photos it never saw (n, accuracy, 95% Wilson interval,
 * per class), and McNemar's test of each variant against the study's
 * model on the same photos. Written from the run records, so they are true
 * at every profile.
 *
 * @module
 */
import { formatAccuracy, formatPercent } from "../../eval/format.ts";
import { type McNemarResult, mcnemarTest } from "../../eval/mcnemar.ts";
import type { ClassifierRunResult } from "../../execute/classifier_run.ts";
import type { PhotoCheckResult } from "../../execute/photo_check.ts";
import { readTestCorrectness } from "../../runs/record.ts";
import type { PrimaryVariant } from "./primary_variants.ts";

/** One variant's runs: its training run and its photo checks by photo set. */
export interface VariantResult {
  variant: PrimaryVariant;
  run: ClassifierRunResult;
  checks: Record<string, PhotoCheckResult>;
}

const perClass = (check: PhotoCheckResult) =>
  check.metrics.perClass.filter((c) => c.n > 0).map((c) =>
    `${c.className} ${c.correct}/${c.n}`
  ).join(", ");

/** Markdown: one row per variant, stand-in test then each photo set (overall and per class). */
export function variantsTable(
  results: readonly VariantResult[],
  photoSets: readonly string[],
): string {
  const header = [
    "variant",
    "stand-in test (95% Wilson)",
    ...photoSets.flatMap((p) => [`${p} (95% Wilson)`, `${p} per class`]),
  ];
  const rows = results.map((r) => [
    `${r.variant.id}: ${r.variant.title}`,
    `${
      formatAccuracy(r.run.metrics.accuracy, r.run.metrics.wilson95)
    }, n = ${r.run.metrics.n}`,
    ...photoSets.flatMap((p) => {
      const c = r.checks[p];
      return c
        ? [
          `${
            formatAccuracy(c.metrics.accuracy, c.metrics.wilson95)
          }, n = ${c.metrics.n}`,
          perClass(c),
        ]
        : ["–", "–"];
    }),
  ]);
  return [header, header.map(() => "---"), ...rows]
    .map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

/** McNemar's test of two photo checks of the same photos. */
export async function compareChecks(
  first: PhotoCheckResult,
  second: PhotoCheckResult,
): Promise<McNemarResult> {
  const a = await readTestCorrectness(first.dir);
  const b = await readTestCorrectness(second.dir);
  if (a.length !== b.length) {
    throw new Error(
      `${first.runId} and ${second.runId} checked different photo sets (${a.length} vs ${b.length} photos)`,
    );
  }
  return mcnemarTest(a, b);
}

/**
 * Markdown: each variant against `reference` (the study's model) on each
 * photo set: both accuracies, the discordant pairs (only the reference
 * right, only the variant right) and McNemar's p-value.
 */
export async function mcnemarTable(
  results: readonly VariantResult[],
  reference: VariantResult,
  photoSets: readonly string[],
): Promise<string> {
  const lines = [
    "| photos | variant | reference | variant accuracy | only reference right | only variant right | McNemar p |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const p of photoSets) {
    for (const r of results) {
      if (r === reference || !r.checks[p] || !reference.checks[p]) continue;
      const test = await compareChecks(reference.checks[p], r.checks[p]);
      lines.push(
        `| ${p} | ${r.variant.id} | ${
          formatPercent(reference.checks[p].metrics.accuracy)
        } | ${
          formatPercent(r.checks[p].metrics.accuracy)
        } | ${test.b} | ${test.c} | ${
          test.pValue < 0.001 ? "< 0.001" : test.pValue.toFixed(3)
        } (${test.method}) |`,
      );
    }
  }
  return lines.join("\n");
}

/** A variant's lowest per-class accuracy over all its photo checks (classes with photos). */
export function lowestClassAccuracy(result: VariantResult): number {
  const accuracies = Object.values(result.checks).flatMap((c) =>
    c.metrics.perClass.flatMap((k) => k.accuracy === null ? [] : [k.accuracy])
  );
  return accuracies.length ? Math.min(...accuracies) : 0;
}

/**
 * The variant with the highest lowest per-class accuracy over its photo
 * checks; ties go to the higher stand-in test accuracy, then to the earlier
 * variant.
 */
export function bestVariant(results: readonly VariantResult[]): VariantResult {
  if (results.length === 0) throw new Error("bestVariant of no variants");
  return results.reduce((best, r) => {
    const [a, b] = [lowestClassAccuracy(r), lowestClassAccuracy(best)];
    return a > b ||
        (a === b && r.run.metrics.accuracy > best.run.metrics.accuracy)
      ? r
      : best;
  });
}
