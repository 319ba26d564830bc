/**
 * A notebook's gallery of misclassified test images is the report's: the
 * same HTML for the same record, per head for a multi-output run, and a
 * line saying so for a record that keeps none.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { writeSampleRecords } from "../testing/sample_records.ts";
import { readCompleteRuns } from "../report/report_runs.ts";
import { classifierSection, multiHeadSection } from "../report/run_sections.ts";
import { testGalleryHtml } from "../report/gallery.ts";
import { runGallery, runGalleryHtml, showMisclassified } from "./gallery.ts";

const root = await Deno.makeTempDir({ prefix: "notebook-gallery-" });
const ids = await writeSampleRecords(root);
const reportRuns = await readCompleteRuns(root);
const reportRun = (id: string) => reportRuns.find((r) => r.run.id === id)!;

Deno.test("a classifier's gallery is the one the report draws", async () => {
  const g = await runGallery(ids.classifier, { root });
  assertEquals(g.entries?.length, 12);
  assertEquals(g.heads.length, 1);
  const html = testGalleryHtml(g.entries!, g.heads);
  assert(html.includes('src="data:image/jpeg;base64,'));
  assert(classifierSection(reportRun(ids.classifier), root).includes(html));
  assert(runGalleryHtml(g).includes(html));
});

Deno.test("a multi-output run's gallery is per head, as in the report", async () => {
  const g = await runGallery({ runId: ids.multiHead }, { root });
  assertEquals(g.heads.map((h) => h.head), [
    "masterCategory",
    "subCategory",
    "gender",
  ]);
  const html = testGalleryHtml(g.entries!, g.heads);
  assert(multiHeadSection(reportRun(ids.multiHead), root).includes(html));
});

Deno.test("outside a kernel the galleries are named in plain text; a record without one says so", async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    await showMisclassified([ids.classifier, ids.comparison], { root });
  } finally {
    console.log = log;
  }
  const text = lines.join("\n");
  assert(
    /misclassified test images: the first 12 of \d+ mistakes in test order/
      .test(text),
    text,
  );
  assert(text.includes("keeps no misclassified images"), text);
  assert(!text.includes("base64"), "no image data in plain text");
});

Deno.test("the sample records are removed", async () => {
  await Deno.remove(join(root), { recursive: true });
});
