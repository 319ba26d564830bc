/**
 * `deno task report [--runs reports/runs] [--out reports/index.html]
 * [--notebooks notebooks] [--executed reports/notebooks]`: regenerates the
 * static HTML results report from the run records, linking the notebooks
 * and their executed copies. The same records give the same bytes.
 */
import { dirname, join } from "node:path";
import { buildReportHtml, readCompleteRuns } from "../lib/report/build.ts";
import { findNotebooks } from "../lib/report/notebooks.ts";
import { writeTextAtomic } from "../lib/io/atomic.ts";
import { TaskArgs } from "./args.ts";

const cli = new TaskArgs(
  "report",
  "usage: deno task report [--runs reports/runs] [--out reports/index.html] [--notebooks notebooks] [--executed reports/notebooks]",
);
const { values } = cli.parse({
  options: {
    runs: { type: "string", default: join("reports", "runs") },
    out: { type: "string", default: join("reports", "index.html") },
    notebooks: { type: "string", default: "notebooks" },
    executed: { type: "string", default: join("reports", "notebooks") },
  },
});
const started = performance.now();
const reportDir = dirname(values.out);
const [runs, notebooks] = await Promise.all([
  readCompleteRuns(values.runs),
  findNotebooks(values.notebooks, values.executed, reportDir),
]);
const html = await buildReportHtml(runs, reportDir, { notebooks });
await writeTextAtomic(values.out, html);
console.log(
  `report: ${runs.length} runs, ${notebooks.length} notebooks -> ${values.out} (${
    (html.length / 1024).toFixed(0)
  } KiB, ${((performance.now() - started) / 1000).toFixed(2)} s)`,
);
