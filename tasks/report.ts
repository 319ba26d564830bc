/**
 * `deno task report [--runs reports/runs] [--out reports/index.html]
 * [--notebooks notebooks] [--executed reports/notebooks] [--allow-empty]
 * [--reference reports/reference] [--reference-profiles full,course]`:
 * regenerates the static HTML results report from the run records, linking
 * the notebooks and their executed copies. The same records give the same
 * bytes.
 *
 * Where no local run has a reference record's id, the report shows the
 * reference record (`reports/reference/<profile>/`, committed), marked as
 * one with its machine, date and wall time: a fresh clone's report shows
 * the committed results without training. By default every reference
 * profile but `smoke` is read.
 *
 * Every record it cannot use (a `run.json` that cannot be read, a complete
 * run whose `metrics.json` is missing, or a file that fails the record
 * format's checks) is named on stderr, folder, file and reason, and listed
 * in the page's "Records not shown"; the other runs are reported. A
 * `--runs` folder that does not exist is a usage error (exit 2). A report
 * of 0 runs does not replace an existing report that holds runs (exit 1,
 * the old file untouched) unless `--allow-empty` is given.
 */
import { dirname, join } from "node:path";
import { buildReportHtml, reportRunCount } from "../lib/report/build.ts";
import { readRunsWithReference } from "../lib/report/report_runs.ts";
import { referenceProfiles } from "../lib/runs/reference.ts";
import { findNotebooks } from "../lib/report/notebooks.ts";
import { writeTextAtomic } from "../lib/io/atomic.ts";
import { TaskArgs } from "./args.ts";

const cli = new TaskArgs(
  "report",
  "usage: deno task report [--runs reports/runs] [--out reports/index.html] [--notebooks notebooks] [--executed reports/notebooks] [--allow-empty] [--reference reports/reference] [--reference-profiles full,course]",
);
const { values } = cli.parse({
  options: {
    runs: { type: "string" },
    out: { type: "string", default: join("reports", "index.html") },
    notebooks: { type: "string", default: "notebooks" },
    executed: { type: "string", default: join("reports", "notebooks") },
    "allow-empty": { type: "boolean", default: false },
    reference: { type: "string", default: join("reports", "reference") },
    "reference-profiles": { type: "string" },
  },
});
// The default folder may not exist yet (no run so far); a folder named on
// the command line must.
const runsRoot = values.runs === undefined
  ? join("reports", "runs")
  : cli.directory("runs", values.runs);

/** What the file at `path` is now: nothing, or a report with that many runs (null: not a report). */
async function existing(
  path: string,
): Promise<{ bytes: number; runs: number | null } | null> {
  try {
    const text = await Deno.readTextFile(path);
    return { bytes: text.length, runs: reportRunCount(text) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

const started = performance.now();
const reportDir = dirname(values.out);
// Reference records of every profile but smoke (its numbers mean nothing;
// it is kept for the CI check) unless named.
const profiles = values["reference-profiles"] === undefined
  ? (await referenceProfiles(values.reference)).filter((p) => p !== "smoke")
  : values["reference-profiles"].split(",").map((p) => p.trim()).filter(
    Boolean,
  );
const [{ runs, notShown, referenceCount }, notebooks] = await Promise.all([
  readRunsWithReference(runsRoot, values.reference, profiles),
  findNotebooks(values.notebooks, values.executed, reportDir),
]);
for (const p of notShown) {
  console.error(`report: not shown: ${join(p.dir, p.file)}: ${p.reason}`);
}
const damaged = new Set(notShown.map((p) => p.folder)).size;
if (runs.length === 0 && !values["allow-empty"]) {
  const old = await existing(values.out);
  if (old && old.bytes > 0 && old.runs !== 0) {
    const what = old.runs === null
      ? "a file that is not an empty report"
      : `a report of ${old.runs} run${old.runs === 1 ? "" : "s"}`;
    const why = damaged
      ? `no record under ${runsRoot} can be shown (${damaged} not shown, named above)`
      : `no complete run record under ${runsRoot}`;
    console.error(
      `report: refusing to replace ${values.out} (${what}) with a report of 0 runs: ${why}. Check --runs, or pass --allow-empty to write it anyway; ${values.out} is unchanged.`,
    );
    Deno.exit(1);
  }
}
const html = await buildReportHtml(runs, reportDir, { notebooks, notShown });
await writeTextAtomic(values.out, html);
console.log(
  `report: ${runs.length} runs${
    referenceCount ? ` (${referenceCount} reference records)` : ""
  }${
    damaged ? `, ${damaged} records not shown (see stderr)` : ""
  }, ${notebooks.length} notebooks -> ${values.out} (${
    (html.length / 1024).toFixed(0)
  } KiB, ${((performance.now() - started) / 1000).toFixed(2)} s)`,
);
