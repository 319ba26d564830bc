/**
 * `deno task report [--runs reports/runs] [--out reports/index.html]`:
 * regenerates the static HTML results report from the run records.
 */
import { parseArgs } from "node:util";
import { dirname, join, relative } from "node:path";
import { buildReportHtml, readCompleteRuns } from "../lib/report/build.ts";
import { writeTextAtomic } from "../lib/io/atomic.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: join("reports", "runs") },
    out: { type: "string", default: join("reports", "index.html") },
    notebooks: { type: "string", default: join("reports", "notebooks") },
  },
});
const started = performance.now();
const runs = await readCompleteRuns(values.runs);
let notebooks: string[] = [];
try {
  notebooks = [...Deno.readDirSync(values.notebooks)]
    .filter((e) => e.name.endsWith(".ipynb"))
    .map((e) => relative(dirname(values.out), join(values.notebooks, e.name)))
    .sort();
} catch {
  // no executed notebooks yet
}
await writeTextAtomic(
  values.out,
  buildReportHtml(runs, dirname(values.out), notebooks),
);
console.log(
  `report: ${runs.length} runs -> ${values.out} (${
    ((performance.now() - started) / 1000).toFixed(2)
  } s)`,
);
