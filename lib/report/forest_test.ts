/**
 * The forest plot at the top of the report: one row per published number
 * with a matching run of ours (grouped per study, points as a share of the
 * maximum), drawn after the intro paragraph and before the study sections,
 * the same bytes from the same records, and absent without runs.
 */
import { join } from "node:path";
import { buildReportHtml, readCompleteRuns } from "./build.ts";
import {
  FOREST_ARIA_LABEL,
  forestPlotSvg,
  forestRows,
  forestSection,
} from "./forest.ts";
import { writeSampleRecords } from "../testing/sample_records.ts";
import type { ClassifierMetrics } from "../runs/classifier_metrics.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function sampleRuns() {
  const dir = await Deno.makeTempDir({ prefix: "forest_" });
  await writeSampleRecords(join(dir, "runs"));
  return { dir, runs: await readCompleteRuns(join(dir, "runs")) };
}

Deno.test("forest rows: every published number with a matching run, per study, points as a share", async () => {
  const { dir, runs } = await sampleRuns();
  const rows = forestRows(runs);
  const keys = rows.map((r) =>
    `${r.study} ${r.published.model} · ${r.published.metric}`
  );
  assert(
    JSON.stringify(keys) === JSON.stringify([
      "000 Shoes combined · points",
      "000 Shoes hierarchical · points",
      "003 final multi-output model, masterCategory · test accuracy",
      "003 final multi-output model, subCategory · test accuracy",
      "003 final multi-output model, gender · test accuracy",
      "003 final multi-output model · average accuracy",
      "004 Fashion-MNIST CNN · test accuracy",
    ]),
    `rows: ${JSON.stringify(keys)}`,
  );
  // Points: ours as a share of the maximum, the study's not drawn (no maximum stated).
  const [combined, hierarchical] = rows;
  assert(combined.publishedShare === null, "published points are not drawn");
  assert(combined.ours[0].share === 50 / 80, "combined: 50 of 80 points");
  assert(hierarchical.ours[0].share === 58 / 80, "hierarchical: 58 of 80");
  assert(combined.ours[0].wilson === null, "points have no Wilson interval");
  // An accuracy: ours with its Wilson interval, theirs with its n's.
  const s004 = rows[rows.length - 1];
  const m = runs.find((r) => r.run.tags?.study === "004")!
    .metrics as unknown as ClassifierMetrics;
  assert(s004.publishedShare === 0.89, "study 004 published 89%");
  assert(
    s004.publishedInterval?.of === "95% Wilson from n" &&
      s004.publishedInterval.low < 0.89 && s004.publishedInterval.high > 0.89,
    "study 004's interval from its n",
  );
  assert(
    s004.ours.length === 1 && s004.ours[0].share === m.accuracy &&
      s004.ours[0].wilson?.low === m.wilson95.low,
    "study 004: our accuracy and its Wilson interval",
  );
  assert(forestRows([]).length === 0, "no runs, no rows");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("forest plot: one dot per published value and per run, links to the runs, same bytes each time", async () => {
  const { dir, runs } = await sampleRuns();
  const rows = forestRows(runs);
  const svg = forestPlotSvg(rows);
  assert(svg === forestPlotSvg(forestRows(runs)), "deterministic");
  assert(svg.startsWith("<svg"), "an svg");
  assert(svg.includes(`aria-label="${FOREST_ARIA_LABEL}"`), "its label");
  const published = svg.match(
    /<g[^>]*class="forest-published"[^>]*>([\s\S]*?)<\/g>/,
  )?.[1] ?? "";
  assert(
    (published.match(/<path/g) ?? []).length ===
      rows.filter((r) => r.publishedShare !== null).length,
    "one diamond per published accuracy",
  );
  const ours = rows.reduce((a, r) => a + r.ours.length, 0);
  assert((svg.match(/<circle/g) ?? []).length === ours, "one dot per run");
  assert(
    (svg.match(/<a href="#run-/g) ?? []).length === ours,
    "each of our dots links to its run",
  );
  for (const label of ["Study 000", "Study 003", "Study 004"]) {
    assert(svg.includes(label), `${label}'s group`);
  }
  assert(!svg.includes("Study 002"), "no group without a matching run");
  assert(svg.includes("89.0%"), "the published value written beside it");
  assert(svg.includes("981 points (max. not stated)"), "published points");
  assert(forestSection([], () => "f-") === "", "no runs, no section");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report: the forest plot sits after the intro and before the study sections; none without runs", async () => {
  const { dir, runs } = await sampleRuns();
  const html = await buildReportHtml(runs, dir);
  const intro = html.indexOf("complete run records from");
  const forest = html.indexOf(`<section id="at-a-glance">`);
  const firstStudy = html.indexOf(`<section id="study-`);
  assert(intro >= 0 && forest > intro, "after the intro paragraph");
  assert(forest < firstStudy, "before the study sections");
  assert(html.includes(`<a href="#at-a-glance">`), "the nav links it");
  assert(
    (html.match(new RegExp(`aria-label="${FOREST_ARIA_LABEL}"`, "g")) ?? [])
      .length === 1,
    "one forest plot",
  );
  const empty = await buildReportHtml([], dir);
  assert(!empty.includes("at-a-glance"), "no chart without runs");
  assert(!empty.includes(FOREST_ARIA_LABEL), "no chart without runs");
  await Deno.remove(dir, { recursive: true });
});
