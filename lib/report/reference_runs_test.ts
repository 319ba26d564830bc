import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { writeSampleRecords } from "../testing/sample_records.ts";
import { saveReference } from "../runs/reference.ts";
import { buildReportHtml } from "./build.ts";
import { readRunsWithReference } from "./report_runs.ts";
import { temporaryDir } from "../testing/temp_dir.ts";

Deno.test("the report shows reference records where no local run has their id, marked as such", async () => {
  await using runsRootDir = await temporaryDir("test_");
  const runsRoot = runsRootDir.path;
  await using referenceRootDir = await temporaryDir("test_");
  const referenceRoot = referenceRootDir.path;
  const ids = await writeSampleRecords(runsRoot);
  await saveReference({ runsRoot, referenceRoot, profile: "smoke" });
  // Locally only the classifier is left: every other run comes from the reference.
  for (const e of Deno.readDirSync(runsRoot)) {
    if (e.isDirectory && e.name !== ids.classifier) {
      await Deno.remove(join(runsRoot, e.name), { recursive: true });
    }
  }
  const read = await readRunsWithReference(runsRoot, referenceRoot, ["smoke"]);
  const local = read.runs.find((r) => r.run.id === ids.classifier)!;
  const reference = read.runs.find((r) => r.run.id === ids.test)!;
  assert(!local.reference, "a local run is not a reference record");
  assertEquals(reference.reference?.profile, "smoke");
  assertEquals(read.referenceCount, read.runs.length - 1);
  assertEquals(read.notShown, []);
  const html = await buildReportHtml(read.runs, runsRoot);
  assert(
    html.includes(
      `${read.referenceCount} <span class="ref">reference</span> records`,
    ),
  );
  assert(html.includes("not run here: made on"));
  // No reference profile named: only local runs.
  const none = await readRunsWithReference(runsRoot, referenceRoot, []);
  assertEquals(none.runs.map((r) => r.run.id), [ids.classifier]);
});
