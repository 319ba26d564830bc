/**
 * The report from run records of every kind (lib/report/sample_records.ts):
 * every study has a section, searches get sortable trial tables and
 * Vega-Lite views, multi-output runs show each head, comparisons carry
 * McNemar's test; the task writes byte-identical files from the same
 * records; the inline sort script sorts when a header is clicked; nothing
 * in the page points at the network.
 */
import { join } from "node:path";
import { parseHTML } from "linkedom";
import { buildReportHtml, readCompleteRuns, reproduces } from "./build.ts";
import type { ReportRun } from "./build.ts";
import { findNotebooks, notebookStudies } from "./notebooks.ts";
import { groupSearches } from "./searches.ts";
import { SORTABLE_SCRIPT } from "./sortable.ts";
import { confusionCells, curveSeries } from "./charts.ts";
import { parallelCoordinatesSpec, vegaLiteSvg } from "./vega_charts.ts";
import { PUBLISHED } from "../published/published.ts";
import {
  SAMPLE_GRID,
  sampleValAccuracy,
  writeSampleRecords,
} from "../testing/sample_records.ts";
import type { ClassifierMetrics } from "../runs/classifier_metrics.ts";
import { mcnemarExact } from "../eval/mcnemar.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function notebook(title: string, code: string) {
  return JSON.stringify({
    cells: [
      { cell_type: "markdown", source: [`# ${title}\n`, "\n", "Prose.\n"] },
      { cell_type: "code", source: code },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** A workspace in a temporary folder: sample records and two notebooks. */
async function workspace() {
  const dir = await Deno.makeTempDir({ prefix: "report_" });
  const runs = join(dir, "reports", "runs");
  const ids = await writeSampleRecords(runs);
  await Deno.mkdir(join(dir, "notebooks"));
  await Deno.writeTextFile(
    join(dir, "notebooks", "10_multi_output.ipynb"),
    notebook("10 · Study 003: three heads", "const r = await run();"),
  );
  await Deno.writeTextFile(
    join(dir, "notebooks", "11_transfer.ipynb"),
    notebook("11 · Transfer learning", 'runStudy002(lab); // study: "002"'),
  );
  await Deno.mkdir(join(dir, "reports", "notebooks"));
  await Deno.writeTextFile(
    join(dir, "reports", "notebooks", "10_multi_output.ipynb"),
    notebook("10 · Study 003: three heads", "const r = await run();"),
  );
  return { dir, runs, ids };
}

async function buildIn(dir: string): Promise<string> {
  const reportDir = join(dir, "reports");
  const runs = await readCompleteRuns(join(reportDir, "runs"));
  const notebooks = await findNotebooks(
    join(dir, "notebooks"),
    join(reportDir, "notebooks"),
    reportDir,
  );
  return await buildReportHtml(runs, reportDir, { notebooks });
}

function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  assert(start >= 0, `no section ${id}`);
  const next = html.indexOf(`<section id="study-`, start + 10);
  return html.slice(start, next < 0 ? undefined : next);
}

Deno.test("report: every study has a section; empty ones name the notebook that records their runs", async () => {
  const { dir } = await workspace();
  const html = await buildIn(dir);
  for (const study of ["000", "001", "002", "003", "004"]) {
    section(html, `study-${study}`);
  }
  const s002 = section(html, "study-002");
  assert(s002.includes("No runs of this study yet"), "study 002 has no runs");
  assert(
    s002.includes("deno task notebooks --profile course 11_transfer"),
    "study 002 names the notebook that records its runs",
  );
  // Its published numbers still stand, with the study's n and interval.
  assert(s002.includes("n 600"), "study 002's n");
  assert(s002.includes("85.0%–100.0%"), "study 002's own interval");
  const s003 = section(html, "study-003");
  assert(
    s003.includes('href="notebooks/10_multi_output.ipynb"') &&
      s003.includes('href="../notebooks/10_multi_output.ipynb"'),
    "study 003 links the executed notebook and its source",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report: published beside ours with n and intervals; multi-output heads; comparison with McNemar", async () => {
  const { dir, runs } = await workspace();
  const html = await buildIn(dir);
  const records = await readCompleteRuns(runs);

  const s004 = section(html, "study-004");
  const m004 = records.find((r) => r.run.tags?.study === "004")!
    .metrics as unknown as ClassifierMetrics;
  const published = `89.0%`;
  const ours = `${(100 * m004.accuracy).toFixed(1)}%`;
  const row = s004.match(/<tr><td>Fashion-MNIST CNN[\s\S]*?<\/tr>/)?.[0] ?? "";
  assert(row.includes(published) && row.includes(ours), `004 row: ${row}`);
  assert(row.includes(`${m004.correct} of ${m004.n}`), "our n");
  assert(row.includes("n 10,000"), "their n");
  assert(row.includes("95% Wilson"), "intervals");

  const s003 = section(html, "study-003");
  for (const head of ["masterCategory", "subCategory", "gender"]) {
    assert(s003.includes(`Head: ${head}`), `head ${head} drawn`);
    const pubRow = s003.match(
      new RegExp(
        `<tr><td>final multi-output model, ${head}[\\s\\S]*?</tr>`,
      ),
    )?.[0] ?? "";
    assert(
      pubRow.includes(`Study 003 multi-output · ${head}`),
      `published ${head} beside our head: ${pubRow}`,
    );
  }
  const headCharts = s003.match(/confusion matrix: each cell/g) ?? [];
  assert(headCharts.length === 3, `${headCharts.length} head matrices`);

  const s000 = section(html, "study-000");
  const p = mcnemarExact(2, 6).pValue.toFixed(3);
  assert(s000.includes(`p = ${p}`), "McNemar p-value");
  assert(s000.includes("58 / 80") && s000.includes("991"), "points");
  assert(s000.includes("stand-in"), "the stand-in is named");

  // Confusion matrix cells carry the count and the row share.
  const cells = confusionCells(m004.confusion, m004.classNames);
  const cell = cells.find((c) => c.true === c.predicted && c.count > 0)!;
  assert(
    s004.includes(
      `<tspan y="-0.198em" x="0">${cell.count}</tspan><tspan dy="1.1em" x="0">${
        (100 * cell.share).toFixed(0)
      }%</tspan>`,
    ),
    "count and percentage in a confusion cell",
  );
  assert(
    s004.includes("T-shirt/top") && s004.includes("Ankle boot"),
    "class names",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report: hyperparameter search as a sortable trial table with Vega-Lite views", async () => {
  const { dir, ids } = await workspace();
  const html = await buildIn(dir);
  const s001 = section(html, "study-001");
  const table = s001.match(
    /<table class="sortable"><thead><tr><th>rank<\/th>[\s\S]*?<\/table>/,
  )?.[0];
  assert(table, "trial table");
  assert(
    (table.match(/<tr/g) ?? []).length === SAMPLE_GRID.length + 1,
    "one row per trial",
  );
  const chosen = table.match(/<tr class="chosen">[\s\S]*?<\/tr>/)?.[0] ?? "";
  assert(chosen.includes("shoes-grid-trial-k5-f64-s7"), "the chosen trial");
  const best = Math.max(...SAMPLE_GRID.map(sampleValAccuracy));
  assert(
    chosen.includes(`${(100 * best).toFixed(1)}%`),
    "chosen trial's accuracy",
  );
  assert(s001.includes(`href="#run-${ids.test}"`), "links the test record");
  const vega = s001.match(/<svg[^>]*class="marks"[\s\S]*?<\/svg>/g) ?? [];
  assert(vega.length === 2, `${vega.length} Vega-Lite charts`);
  for (const svg of vega) {
    assert(/<path|<circle|<line/.test(svg), "Vega chart has marks");
  }
  assert(vega[1].includes("kernelSize") && vega[1].includes("filters"), "axes");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report: self-contained, unique ids, and byte-identical from the task", async () => {
  const { dir } = await workspace();
  const html = await buildIn(dir);
  assert(
    !/<link\b|<iframe\b|@import|\ssrc="(?!data:image\/jpeg;base64,)|url\((?!#)|https?:\/\/(?!www\.w3\.org\/)/
      .test(html),
    "nothing in the page loads from elsewhere (images are inline data)",
  );
  assert(
    html.includes('src="data:image/jpeg;base64,'),
    "the gallery is inline, as JPEG",
  );
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  assert(!duplicate, `duplicate id ${duplicate}`);

  const task = new URL("../../tasks/report.ts", import.meta.url).pathname;
  const out = join(dir, "reports", "index.html");
  const bytes: Uint8Array[] = [];
  for (let i = 0; i < 2; i++) {
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        task,
        "--runs",
        join(dir, "reports", "runs"),
        "--out",
        out,
        "--notebooks",
        join(dir, "notebooks"),
        "--executed",
        join(dir, "reports", "notebooks"),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(run.success, new TextDecoder().decode(run.stderr));
    bytes.push(await Deno.readFile(out));
  }
  assert(bytes[0].length > 10_000, "a report was written");
  assert(
    bytes[0].length === bytes[1].length &&
      bytes[0].every((b, i) => b === bytes[1][i]),
    "two builds from the same records differ",
  );
  await Deno.remove(dir, { recursive: true });
});

/** The few DOM calls the sort test makes on linkedom's elements. */
interface El {
  textContent: string | null;
  children: ArrayLike<El>;
  getAttribute(name: string): string | null;
  click(): void;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El> & Iterable<El>;
}

Deno.test("sort script: a header click sorts the trial table, numerically, and again reverses it", async () => {
  const { dir } = await workspace();
  const { document } = parseHTML(await buildIn(dir)) as unknown as {
    document: El;
  };
  new Function("document", SORTABLE_SCRIPT)(document);
  const table = [...document.querySelectorAll("table.sortable")].find((t) =>
    t.querySelector("th")?.textContent === "rank"
  )!;
  const headers = [...table.querySelectorAll("thead th")];
  const column = (name: string) =>
    headers.findIndex((h) => h.textContent === name);
  const values = (name: string) =>
    [...table.querySelectorAll("tbody tr")].map((r) =>
      r.children[column(name)].textContent
    );
  const before = values("rank");
  assert(before.join() === "1,2,3,4,5,6,7,8,9", "rank order as written");
  headers[column("filters")].click();
  const filters = values("filters").map(Number);
  assert(
    filters.every((f, i) => i === 0 || filters[i - 1] <= f),
    `filters ascending, numerically: ${filters}`,
  );
  // Stable: among equal filters, the earlier rank stays first.
  const ranks32 = values("rank").filter((_, i) => filters[i] === 32).map(
    Number,
  );
  assert(
    ranks32.every((r, i) => i === 0 || ranks32[i - 1] < r),
    "stable sort",
  );
  const accuracy = headers[column("validation accuracy")];
  accuracy.click();
  assert(accuracy.getAttribute("aria-sort") === "ascending", "aria-sort");
  accuracy.click();
  assert(accuracy.getAttribute("aria-sort") === "descending", "reversed");
  assert(values("rank")[0] === "1", "best trial first again");
  assert(
    headers[column("filters")].getAttribute("aria-sort") === null,
    "only the sorted column is marked",
  );
  await Deno.remove(dir, { recursive: true });
});

function fakeRun(
  name: string,
  tags: Record<string, string>,
  params: Record<string, unknown> = {},
  metrics: Record<string, unknown> = {},
  seed = 1,
): ReportRun {
  return {
    dir: `runs/${name}`,
    metrics,
    history: [],
    run: {
      id: `${name.replaceAll(/\W+/g, "-")}-${JSON.stringify(params).length}-${
        tags.profile ?? ""
      }-s${seed}`,
      name,
      params,
      seed,
      dataset: { id: "d", fingerprint: "f" },
      splits: {},
      backend: { name: "cpu", device: "CPU" },
      tags,
      status: "complete",
      versions: {},
      startedAt: "",
      files: [],
    },
  };
}

Deno.test("groupSearches: one group per search name, profile and seed; the test record marks the chosen trial", () => {
  const trials = [
    fakeRun("A trial", { study: "001", profile: "smoke" }, { k: 3, f: 8 }, {
      valAccuracy: 0.5,
    }),
    fakeRun("A trial", { study: "001", profile: "smoke" }, { k: 5, f: 8 }, {
      valAccuracy: 0.7,
    }),
    fakeRun("A trial", { study: "001", profile: "course" }, { k: 3, f: 8 }, {
      valAccuracy: 0.6,
    }),
  ];
  const test = fakeRun("A test", { study: "001", profile: "smoke" }, {
    k: 3,
    f: 8,
    selectedFrom: trials[0].run.id,
  }, { accuracy: 0.4 });
  const groups = groupSearches([...trials, test]);
  assert(groups.length === 2, `${groups.length} groups`);
  const smoke = groups.find((g) => g.profile === "smoke")!;
  assert(smoke.trials.length === 2, "two smoke trials");
  assert(smoke.trials[0].valAccuracy === 0.7, "best first");
  assert(smoke.varying.join() === "k", "k varies");
  assert(smoke.constant.f === 8, "f is constant");
  assert(smoke.test === test, "test attached");
  assert(smoke.chosenId === trials[0].run.id, "chosen as the test says");
  const course = groups.find((g) => g.profile === "course")!;
  assert(course.test === null, "no test for the course search");
  assert(course.chosenId === trials[2].run.id, "best trial stands in");
});

Deno.test("reproduces: tags first, then the longest published name in the run's name", () => {
  const study000 = PUBLISHED.filter((p) => p.study === "000");
  const all = study000.find((p) => p.model === "Trousers&Jeans_All")!;
  const l2 = study000.find((p) => p.model === "Trousers&Jeans_All_L2")!;
  const byName = fakeRun("Trousers&Jeans_All_L2", { study: "000" });
  assert(reproduces(byName, l2, study000), "L2 run reproduces L2");
  assert(!reproduces(byName, all, study000), "L2 run is not the plain model");
  const search = fakeRun("Trousers grid test", {
    study: "000",
    model: "Trousers&Jeans_All",
  });
  assert(reproduces(search, all, study000), "by the model tag");
  const ours = fakeRun("Trousers&Jeans_All_Search test", {
    study: "000",
    model: "Trousers&Jeans_All_Search",
    grid: "ours",
  });
  assert(
    !reproduces(ours, all, study000),
    "a winner of our grid is not the study's model, though its name holds it",
  );
  const untagged = fakeRun("Trousers&Jeans_All_Search test", { study: "000" });
  assert(reproduces(untagged, all, study000), "without the tag, by name");
  const study002 = PUBLISHED.filter((p) => p.study === "002");
  const v3 = study002.find((p) => p.model.startsWith("VGG16 v3"))!;
  const transfer = fakeRun("Transfer 50/50", {
    study: "002",
    model: "mobilenetv2",
    split: "50/50",
    setup: "v3",
  });
  assert(reproduces(transfer, v3, study002), "by the tags the row names");
  const basic = study002.find((p) => p.model === "Basic CNN")!;
  assert(!reproduces(transfer, basic, study002), "not the basic CNN");
});

Deno.test("notebookStudies: title and code name the studies; later prose does not", () => {
  const found = notebookStudies({
    cells: [
      { cell_type: "markdown", source: "# 05 · Trousers\n\nStudy 000's grid." },
      { cell_type: "code", source: "import { STUDY_001_GRID } from 'x';" },
      { cell_type: "markdown", source: "Unlike study 004, ..." },
    ],
  });
  assert(found.title === "05 · Trousers", `title ${found.title}`);
  assert(found.studies.join() === "000,001", `studies ${found.studies}`);
});

Deno.test("curveSeries: loss, accuracy and each head's accuracy, training and validation", () => {
  const series = curveSeries([{
    loss: 1,
    val_loss: 1.2,
    gender_acc: 0.5,
    val_gender_acc: 0.4,
    acc: 0.6,
    epoch: 0,
    seconds: 3,
  }]);
  const names = series.map(([key, panel, name]) => `${key}:${panel}:${name}`);
  for (
    const expected of [
      "loss:loss:training",
      "val_loss:loss:validation",
      "acc:accuracy:training",
      "gender_acc:accuracy:gender training",
      "val_gender_acc:accuracy:gender validation",
    ]
  ) assert(names.includes(expected), `${expected} in ${names}`);
  assert(
    !names.some((n) => n.startsWith("epoch") || n.startsWith("seconds")),
    "no bookkeeping keys",
  );
});

Deno.test({
  name: "vegaLiteSvg: deterministic, and never fetches data it is pointed at",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    let hits = 0;
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      () => {
        hits++;
        return new Response("[]");
      },
    );
    const points = SAMPLE_GRID.map((p, i) => ({
      params: p,
      valAccuracy: sampleValAccuracy(p),
      chosen: i === 4,
    }));
    const spec = parallelCoordinatesSpec(points, ["kernelSize", "filters"]);
    const a = await vegaLiteSvg(spec);
    const b = await vegaLiteSvg(spec);
    assert(a === b && a.startsWith("<svg"), "same spec, same SVG");
    const url = `http://127.0.0.1:${server.addr.port}/data.json`;
    await vegaLiteSvg({
      data: { url },
      mark: "point",
      encoding: { x: { field: "x", type: "quantitative" } },
    }).catch(() => "refused");
    await server.shutdown();
    assert(hits === 0, `${hits} requests reached the server`);
  },
});

Deno.test("report: each test run's gallery of its first mistakes, per head, with the cap said", async () => {
  const { dir } = await workspace();
  const html = await buildIn(dir);
  for (const study of ["001", "003", "004"]) {
    const part = section(html, `study-${study}`);
    assert(
      /<div class="misclassified"[^>]*><figure[^>]*><img [^>]*src="data:image\/jpeg;base64,/
        .test(part),
      `study ${study} shows thumbnails of its mistakes`,
    );
  }
  const fashion = section(html, "study-004");
  assert(
    /misclassified test images: the first 12 of \d+ mistakes in test order \(the record keeps at most 12 per head\)/
      .test(fashion),
    "the cap is said",
  );
  assert(
    fashion.includes('width="84" height="84"') &&
      fashion.includes("image-rendering:pixelated"),
    "28 x 28 thumbnails are drawn three times their size",
  );
  const heads = section(html, "study-003");
  for (const head of ["masterCategory", "subCategory", "gender"]) {
    assert(
      heads.includes(`<h5>${head}: misclassified test images:`),
      `head ${head} has its gallery`,
    );
  }
  // A record without the file (made before runs kept galleries) shows none.
  await Deno.remove(
    join(dir, "reports", "runs", "study-004-cnn-s1", "misclassified.json"),
  );
  const without = section(await buildIn(dir), "study-004");
  assert(!without.includes("misclassified"), "no gallery without the file");
  await Deno.remove(dir, { recursive: true });
});
