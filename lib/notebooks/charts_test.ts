/**
 * A notebook's charts are the report's: the same SVG bytes for the same
 * records (curves, confusion heatmaps per head, a search's trial views), a
 * search test's curves taken from its chosen trial, and what a notebook
 * shows for them.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { writeSampleRecords } from "../testing/sample_records.ts";
import { readCompleteRuns } from "../report/report_runs.ts";
import { classifierSection, multiHeadSection } from "../report/run_sections.ts";
import { groupSearches } from "../report/searches.ts";
import { searchSection } from "../report/search_section.ts";
import {
  runCharts,
  runChartsHtml,
  runDir,
  searchCharts,
  showRunCharts,
  showSearchCharts,
} from "./charts.ts";

const root = await Deno.makeTempDir({ prefix: "notebook-charts-" });
const ids = await writeSampleRecords(root);
const reportRuns = await readCompleteRuns(root);
const reportRun = (id: string) => reportRuns.find((r) => r.run.id === id)!;

/** What `fn` prints (outside a kernel, the display helpers print plain text). */
async function printed(fn: () => Promise<void>): Promise<string> {
  const log = console.log;
  const lines: string[] = [];
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    await fn();
  } finally {
    console.log = log;
  }
  return lines.join("\n");
}

Deno.test("a run is found by id, folder or result", () => {
  const dir = join(root, ids.classifier);
  assertEquals(runDir(ids.classifier, { root }), dir);
  assertEquals(runDir(dir), dir);
  assertEquals(runDir({ dir }), dir);
  assertEquals(runDir({ runId: ids.classifier }, { root }), dir);
});

Deno.test("a classifier's curves and confusion heatmap are the report's SVGs", async () => {
  const charts = await runCharts(ids.classifier, { root });
  assertEquals(charts.id, ids.classifier);
  assertEquals(charts.figures.map((f) => f.label), [
    "training curve (3 epochs)",
    "confusion matrix",
  ]);
  const section = classifierSection(reportRun(ids.classifier), root);
  for (const f of charts.figures) {
    assert(f.svg.includes("<svg"), f.label);
    assert(section.includes(f.svg), `the report draws the same ${f.label}`);
  }
  const html = runChartsHtml(charts);
  assert(html.includes(charts.figures[1].svg));
  assert(html.includes("Study 004 Fashion-MNIST CNN"));
});

Deno.test("a search test record draws its chosen trial's curves", async () => {
  const charts = await runCharts({ runId: ids.test }, { root });
  assertEquals(charts.figures.map((f) => f.label), [
    "training curve of the chosen trial (2 epochs)",
    "confusion matrix",
  ]);
});

Deno.test("a multi-output run has one confusion heatmap per head", async () => {
  const charts = await runCharts({ dir: join(root, ids.multiHead) });
  assertEquals(charts.figures.map((f) => f.label), [
    "training curve (2 epochs)",
    "masterCategory confusion matrix",
    "subCategory confusion matrix",
    "gender confusion matrix",
  ]);
  const section = multiHeadSection(reportRun(ids.multiHead), root);
  for (const f of charts.figures) assert(section.includes(f.svg), f.label);
});

Deno.test("a comparison of pipelines has no charts, and says so", async () => {
  const charts = await runCharts(ids.comparison, { root });
  assertEquals(charts.figures, []);
  assert(runChartsHtml(charts).includes("No curves or confusion matrix"));
});

Deno.test("a missing record is named", async () => {
  let message = "";
  try {
    await runCharts("no-such-run", { root });
  } catch (error) {
    message = (error as Error).message;
  }
  assert(message.includes(join(root, "no-such-run")), message);
});

Deno.test("a search's trial views are the report's, ids and all", async () => {
  const search = {
    trials: ids.trials.map((runId) => ({ runId })),
    testRunId: ids.test,
  };
  const { group, figures } = await searchCharts(search, { root });
  assertEquals(group.trials.length, ids.trials.length);
  assertEquals(figures.map((f) => f.label), [
    "validation accuracy against each hyperparameter",
    "parallel coordinates",
  ]);
  const [reportGroup] = groupSearches(reportRuns);
  const prefixes = [
    `${group.chosenId}-scatter-`,
    `${group.chosenId}-parallel-`,
  ];
  const section = await searchSection(
    reportGroup,
    root,
    () => prefixes.shift()!,
  );
  for (const f of figures) {
    assert(f.svg.includes("<svg"), f.label);
    assert(section.includes(f.svg), `the report draws the same ${f.label}`);
  }
});

Deno.test("a search of one trial has no trial views, and says so", async () => {
  const one = { trials: [{ runId: ids.trials[0] }] };
  assertEquals((await searchCharts(one, { root })).figures, []);
  const text = await printed(() => showSearchCharts(one, { root }));
  assert(text.includes("One trial: nothing to compare"), text);
});

Deno.test("outside a kernel the charts are named in plain text", async () => {
  const text = await printed(() =>
    showRunCharts([ids.classifier, { runId: ids.multiHead }], {
      root,
    })
  );
  assertEquals(text.split("\n"), [
    `Study 004 Fashion-MNIST CNN (${ids.classifier}): training curve (3 epochs); confusion matrix`,
    `Study 003 multi-output (${ids.multiHead}): training curve (2 epochs); masterCategory confusion matrix; subCategory confusion matrix; gender confusion matrix`,
  ]);
  const search = await printed(() =>
    showSearchCharts({ trials: ids.trials.map((runId) => ({ runId })) }, {
      root,
    })
  );
  assert(search.includes("parallel coordinates"), search);
});

Deno.test("the sample records are removed", async () => {
  await Deno.remove(root, { recursive: true });
});
