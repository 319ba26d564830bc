/**
 * `deno task published [--profiles full,course] [--runs reports/runs]
 * [--reference reports/reference]`: prints, as one Markdown table, every
 * published number of the five studies beside ours at each profile (the
 * local runs, and the committed reference records where no local run has
 * their id), with counts, 95% Wilson intervals and the seeds' spread
 * (`lib/report/published_table.ts`). The README's table of the
 * reproduction is its output. Nothing is written.
 *
 * ```sh
 * deno task published                      # full and course
 * deno task published --profiles full      # a fresh clone: the committed full records
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { readRunsWithReference } from "../lib/report/report_runs.ts";
import { publishedTable } from "../lib/report/published_table.ts";
import { TaskArgs } from "./args.ts";

const cli = new TaskArgs(
  "published",
  "usage: deno task published [--profiles full,course] [--runs reports/runs] [--reference reports/reference]",
);
const { values } = cli.parse({
  options: {
    profiles: { type: "string", default: "full,course" },
    runs: { type: "string" },
    reference: { type: "string", default: join("reports", "reference") },
  },
});
const profiles = values.profiles.split(",").map((p) => p.trim()).filter(
  Boolean,
);
for (const p of profiles) cli.profile(p);
const runsRoot = values.runs === undefined
  ? join("reports", "runs")
  : cli.directory("runs", values.runs);
const { runs, notShown } = await readRunsWithReference(
  runsRoot,
  values.reference,
  profiles.filter((p) => p !== "smoke"),
);
for (const p of notShown) {
  console.error(`published: not shown: ${join(p.dir, p.file)}: ${p.reason}`);
}
console.log(publishedTable(runs, profiles));
