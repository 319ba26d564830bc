/**
 * The static HTML results report, built from the run records. Per study:
 * the published numbers beside ours (with n and 95% intervals, the data
 * actually used and any stand-in, profile, backend and device); the
 * hyperparameter searches (sortable trial tables, validation accuracy
 * against the hyperparameters as Vega-Lite SVG); the combined vs
 * hierarchical comparisons with McNemar's test; and every run in detail:
 * confusion matrices (counts and row-normalised shares), per-class
 * precision / recall / F1, training curves (Observable Plot SVG), each head
 * of a multi-output run. Then the notebooks and the environment.
 *
 * Self-contained: inline CSS, inline SVG, one small inline script (table
 * sorting; everything reads the same without it), no network request.
 * Deterministic: the same records give the same bytes.
 *
 * @module
 */
import { join, relative } from "node:path";
import type { RunJson } from "../runs/record.ts";
import type { ClassifierMetrics } from "../experiments/classifier_run.ts";
import { type Interval, tInterval, wilsonInterval } from "../eval/intervals.ts";
import { formatPercent as percent } from "../eval/format.ts";
import { PUBLISHED, type PublishedNumber, STUDY_TITLES } from "./published.ts";
import { confusionMatrixSvg, trainingCurveSvg } from "./charts.ts";
import {
  parallelCoordinatesSpec,
  trialScatterSpec,
  vegaLiteSvg,
} from "./vega_charts.ts";
import { groupSearches, isTrialRun, type SearchGroup } from "./searches.ts";
import type { NotebookLink } from "./notebooks.ts";
import { SORTABLE_SCRIPT } from "./sortable.ts";

/** One complete run as the report reads it. */
export interface ReportRun {
  /** Its `run.json`. */
  run: RunJson;
  /** Its folder. */
  dir: string;
  /** Its `metrics.json` (empty when missing). */
  metrics: Record<string, unknown>;
  /** Its `history.json` (empty when missing). */
  history: Record<string, number>[];
}

/** Options of {@linkcode buildReportHtml}. */
export interface ReportOptions {
  /** The notebooks to link (see `findNotebooks`). */
  notebooks?: NotebookLink[];
}

const escape = (text: unknown) =>
  String(text).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(
    ">",
    "&gt;",
  ).replaceAll('"', "&quot;");
const range = (i: { low: number; high: number }) =>
  `${percent(i.low)}–${percent(i.high)}`;
const anchor = (id: string) => `run-${id}`;

async function readJsonOr<T>(path: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return fallback;
  }
}

/** Reads every complete run under `root`, sorted by id. */
export async function readCompleteRuns(root: string): Promise<ReportRun[]> {
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(root)];
  } catch {
    return [];
  }
  const names = entries.filter((e) => e.isDirectory).map((e) => e.name)
    .sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  const read = await Promise.all(names.map(async (name) => {
    const dir = join(root, name);
    const run = await readJsonOr<RunJson | null>(join(dir, "run.json"), null);
    if (run?.status !== "complete") return null;
    const [metrics, history] = await Promise.all([
      readJsonOr<Record<string, unknown>>(join(dir, "metrics.json"), {}),
      readJsonOr<Record<string, number>[]>(join(dir, "history.json"), []),
    ]);
    return { run, dir, metrics, history };
  }));
  return read.filter((r): r is ReportRun => r !== null);
}

// ---------------------------------------------------------------- run kinds

type Kind = "classifier" | "multi-head" | "comparison" | "trial" | "other";

interface ComparisonScore {
  n: number;
  points: number;
  maxPoints: number;
  exactPathAccuracy: number;
  perLevel: { category?: number; gender: number; type: number };
}

interface ComparisonMetrics {
  combined: ComparisonScore;
  hierarchical: ComparisonScore;
  mcnemar: {
    b: number;
    c: number;
    pValue: number;
    method: string;
    statistic?: number;
  };
}

interface MultiHeadMetrics {
  heads: Record<string, ClassifierMetrics>;
  averageAccuracy?: number;
}

const isClassifierMetrics = (m: unknown): m is ClassifierMetrics =>
  typeof m === "object" && m !== null &&
  typeof (m as ClassifierMetrics).accuracy === "number" &&
  Array.isArray((m as ClassifierMetrics).confusion) &&
  Array.isArray((m as ClassifierMetrics).classNames);

/** What kind of record a run is, from its tags and the shape of its metrics. */
export function runKind(r: ReportRun): Kind {
  const m = r.metrics;
  if (
    typeof m.combined === "object" && typeof m.hierarchical === "object" &&
    typeof m.mcnemar === "object"
  ) return "comparison";
  if (
    typeof m.heads === "object" && m.heads !== null &&
    Object.values(m.heads).some(isClassifierMetrics)
  ) return "multi-head";
  if (isClassifierMetrics(m)) return "classifier";
  if (isTrialRun(r)) return "trial";
  return "other";
}

function heads(r: ReportRun): [string, ClassifierMetrics][] {
  return Object.entries((r.metrics as unknown as MultiHeadMetrics).heads)
    .filter(([, m]) => isClassifierMetrics(m));
}

// ------------------------------------------------------------ small pieces

interface Cell {
  html: string;
  sort?: string | number;
}

function table(
  header: string[],
  rows: (string | Cell)[][],
  options: { sortable?: boolean; rowClass?: (i: number) => string } = {},
): string {
  const cell = (c: string | Cell) =>
    typeof c === "string"
      ? `<td>${c}</td>`
      : `<td${
        c.sort === undefined ? "" : ` data-sort="${escape(c.sort)}"`
      }>${c.html}</td>`;
  return `<table${options.sortable ? ' class="sortable"' : ""}><thead><tr>${
    header.map((h) => `<th>${escape(h)}</th>`).join("")
  }</tr></thead><tbody>${
    rows.map((r, i) => {
      const cls = options.rowClass?.(i) ?? "";
      return `<tr${cls ? ` class="${cls}"` : ""}>${r.map(cell).join("")}</tr>`;
    }).join("")
  }</tbody></table>`;
}

function runLink(r: ReportRun, label = r.run.name): string {
  return `<a href="#${escape(anchor(r.run.id))}">${escape(label)}</a>`;
}

function folderHref(r: ReportRun, reportDir: string): string {
  return relative(reportDir, r.dir).split("\\").join("/");
}

function dataText(r: ReportRun): string {
  const standIn = r.run.tags?.standIn;
  return `${escape(r.run.dataset.id)}${
    standIn
      ? ` <span class="standin" title="${escape(standIn)}">stand-in</span>`
      : ""
  }`;
}

function dataLong(r: ReportRun): string {
  const standIn = r.run.tags?.standIn;
  return `${escape(r.run.dataset.id)}${
    standIn ? ` <span class="standin">stand-in: ${escape(standIn)}</span>` : ""
  }`;
}

function countInterval(rate: number, n: number): {
  wilson: Interval;
  t: Interval;
} | null {
  if (!Number.isFinite(rate) || !(n > 0)) return null;
  const correct = Math.min(n, Math.max(0, Math.round(rate * n)));
  return { wilson: wilsonInterval(correct, n), t: tInterval(correct, n) };
}

/** Makes the ids inside one SVG unique in the page by prefixing them. */
function prefixSvgIds(svg: string, prefix: string): string {
  const ids = [...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  let out = svg;
  for (const id of new Set(ids)) {
    out = out.replaceAll(`id="${id}"`, `id="${prefix}${id}"`)
      .replaceAll(`url(#${id})`, `url(#${prefix}${id})`)
      .replaceAll(`href="#${id}"`, `href="#${prefix}${id}"`);
  }
  return out;
}

// ------------------------------------------------ published beside ours

const tokens = (s: string) =>
  s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

function containsSequence(hay: string[], needle: string[]): boolean {
  if (!needle.length) return false;
  for (let i = 0; i + needle.length <= hay.length; i++) {
    if (needle.every((t, j) => hay[i + j] === t)) return true;
  }
  return false;
}

/**
 * Whether a run reproduces published model `p` (one of the study's
 * `published` numbers): by the tags `p.ours` names, else by the run's
 * `published` or `model` tag, else by name: `p.model`'s words appear, in
 * order, in the run's name and no longer published name of the study does
 * (so `Trousers&Jeans_All_L2` is not taken for `Trousers&Jeans_All`).
 */
export function reproduces(
  r: ReportRun,
  p: PublishedNumber,
  published: PublishedNumber[],
): boolean {
  const tags = r.run.tags ?? {};
  if (p.ours) return Object.entries(p.ours).every(([k, v]) => tags[k] === v);
  const models = new Set(published.map((q) => q.model));
  for (const tag of [tags.published, tags.model]) {
    if (tag && models.has(tag)) return tag === p.model;
  }
  const name = tokens(r.run.name);
  let best: string | null = null;
  let bestLength = 0;
  for (const model of models) {
    const words = tokens(model);
    if (words.length > bestLength && containsSequence(name, words)) {
      best = model;
      bestLength = words.length;
    }
  }
  return best === p.model;
}

interface OurNumber {
  run: ReportRun;
  label: string;
  value: string;
  detail: string;
}

function accuracyDetail(m: ClassifierMetrics): string {
  return `${m.correct} of ${m.n}; 95% Wilson ${range(m.wilson95)}, t ${
    range(m.t95)
  }`;
}

function oursFor(p: PublishedNumber, runs: ReportRun[]): OurNumber[] {
  const out: OurNumber[] = [];
  const headMatch = p.model.match(/^(.*), ([^,]+)$/);
  for (const r of runs) {
    const kind = runKind(r);
    if (p.metric === "points" && kind === "comparison") {
      const approach = p.model.endsWith(" hierarchical")
        ? "hierarchical"
        : p.model.endsWith(" combined")
        ? "combined"
        : null;
      const category = p.model.replace(/ (combined|hierarchical)$/, "");
      const runCategory = r.run.name.replace(/ combined vs hierarchical$/, "");
      if (
        approach &&
        tokens(category).join(" ") === tokens(runCategory).join(" ")
      ) {
        const s = (r.metrics as unknown as ComparisonMetrics)[approach];
        out.push({
          run: r,
          label: r.run.name,
          value: `${s.points} / ${s.maxPoints}`,
          detail: `${s.n} test images`,
        });
      }
    } else if (p.metric === "average accuracy" && kind === "multi-head") {
      const avg = (r.metrics as unknown as MultiHeadMetrics).averageAccuracy ??
        heads(r).reduce((a, [, m]) => a + m.accuracy, 0) / heads(r).length;
      out.push({
        run: r,
        label: r.run.name,
        value: percent(avg),
        detail: `mean of ${heads(r).length} heads on ${
          heads(r)[0]?.[1].n ?? "?"
        } test images`,
      });
    } else if (kind === "multi-head" && headMatch) {
      const m = heads(r).find(([h]) => h === headMatch[2])?.[1];
      if (m && p.metric === "test accuracy") {
        out.push({
          run: r,
          label: `${r.run.name} · ${headMatch[2]}`,
          value: percent(m.accuracy),
          detail: accuracyDetail(m),
        });
      }
    } else if (
      kind === "classifier" &&
      reproduces(r, p, PUBLISHED.filter((q) => q.study === p.study))
    ) {
      const m = r.metrics as unknown as ClassifierMetrics;
      if (p.metric === "test accuracy") {
        out.push({
          run: r,
          label: r.run.name,
          value: percent(m.accuracy),
          detail: accuracyDetail(m),
        });
      } else if (
        p.metric === "validation accuracy" &&
        typeof m.validationAccuracy === "number"
      ) {
        const n = r.run.splits.validation ?? 0;
        const ci = countInterval(m.validationAccuracy, n);
        out.push({
          run: r,
          label: r.run.name,
          value: percent(m.validationAccuracy),
          detail: ci
            ? `${n} validation images; 95% Wilson ${range(ci.wilson)}`
            : "",
        });
      }
    }
  }
  return out;
}

function publishedLine(p: PublishedNumber): string {
  const value = p.metric === "points" ? String(p.value) : percent(p.value);
  let detail = p.n ? `n ${p.n.toLocaleString("en-US")}` : "n not stated";
  if (p.interval) {
    detail += `; ${p.interval.of}: ${range(p.interval)}`;
  } else if (p.n && p.metric !== "points") {
    const ci = countInterval(p.value, p.n);
    if (ci) detail += `; 95% Wilson from n: ${range(ci.wilson)}`;
  }
  return `${escape(p.metric)} <b>${value}</b><br><small>${
    escape(detail)
  }</small>`;
}

function publishedBesideOurs(study: string, runs: ReportRun[]): string {
  const published = PUBLISHED.filter((p) => p.study === study);
  if (!published.length) {
    return `<p>The study publishes no numbers to compare with; our runs are listed below.</p>`;
  }
  const models = [...new Set(published.map((p) => p.model))];
  const rows: string[] = [];
  for (const model of models) {
    const mine = published.filter((p) => p.model === model);
    const byRun = new Map<string, { o: OurNumber; lines: string[] }>();
    for (const p of mine) {
      for (const o of oursFor(p, runs)) {
        const key = `${o.run.run.id}|${o.label}`;
        const entry = byRun.get(key) ?? { o, lines: [] };
        entry.lines.push(
          `${escape(p.metric)} <b>${o.value}</b><br><small>${
            escape(o.detail)
          }</small>`,
        );
        byRun.set(key, entry);
      }
    }
    const span = byRun.size > 1 ? ` rowspan="${byRun.size}"` : "";
    const first = `<td${span}>${escape(model)}<br><small>${
      escape(mine[0].source)
    }</small></td><td${span}>${mine.map(publishedLine).join("<br>")}</td>`;
    const ours = [...byRun.values()].map(({ o, lines }) =>
      [
        lines.join("<br>"),
        runLink(o.run, o.label),
        escape(o.run.run.tags?.profile ?? "?"),
        dataText(o.run),
      ].map((c) => `<td>${c}</td>`).join("")
    );
    if (!ours.length) {
      ours.push(
        `<td><small>no matching run yet</small></td><td></td><td></td><td></td>`,
      );
    }
    ours.forEach((cells, i) => rows.push(`<tr>${i ? "" : first}${cells}</tr>`));
  }
  return `<table><thead><tr>${
    ["published model", "published", "ours", "our run", "profile", "data"]
      .map((h) => `<th>${h}</th>`).join("")
  }</tr></thead><tbody>${rows.join("")}</tbody></table>` +
    `<p class="note">A run on a stand-in dataset is not a reproduction of the published number; it shows how the method does on the data we have. Our intervals: 95% Wilson and t-based (study 002's method) on our test images.</p>`;
}

/** Every dataset and stand-in the study's runs used, named once. */
function dataUsed(runs: ReportRun[]): string {
  const seen = new Map<string, Set<string>>();
  for (const r of runs) {
    const notes = seen.get(r.run.dataset.id) ?? new Set<string>();
    if (r.run.tags?.standIn) notes.add(r.run.tags.standIn);
    seen.set(r.run.dataset.id, notes);
  }
  const items = [...seen.entries()].sort(([a], [b]) => a < b ? -1 : 1).map((
    [id, notes],
  ) =>
    `<li><b>${escape(id)}</b>${
      notes.size
        ? ` — <span class="standin">stand-in</span>: ${
          escape([...notes].sort().join("; "))
        }`
        : " — the study's own data"
    }</li>`
  );
  return `<p>Data used:</p><ul>${items.join("")}</ul>`;
}

// ----------------------------------------------------------- our runs

function oursSummary(runs: ReportRun[], reportDir: string): string {
  const rows: (string | Cell)[][] = [];
  const add = (
    r: ReportRun,
    label: string,
    m: ClassifierMetrics,
    validation: unknown,
  ) =>
    rows.push([
      runLink(r, label),
      escape(r.run.tags?.profile ?? "?"),
      dataText(r),
      { html: String(m.n), sort: m.n },
      { html: percent(m.accuracy), sort: m.accuracy },
      range(m.wilson95),
      range(m.t95),
      typeof validation === "number"
        ? { html: percent(validation), sort: validation }
        : { html: "–", sort: -1 },
      `${escape(r.run.backend.name)}`,
      `<a href="${escape(folderHref(r, reportDir))}/">folder</a>`,
    ]);
  for (const r of runs) {
    const kind = runKind(r);
    if (kind === "classifier") {
      const m = r.metrics as unknown as ClassifierMetrics;
      add(r, r.run.name, m, m.validationAccuracy ?? r.metrics.valAccuracy);
    } else if (kind === "multi-head") {
      const validation = r.metrics.validation as
        | Record<string, number>
        | null
        | undefined;
      for (const [head, m] of heads(r)) {
        add(r, `${r.run.name} · ${head}`, m, validation?.[head]);
      }
    }
  }
  if (!rows.length) return "";
  return table(
    [
      "run",
      "profile",
      "data",
      "n (test)",
      "test accuracy",
      "95% Wilson",
      "95% t",
      "validation",
      "backend",
      "record",
    ],
    rows,
    { sortable: true },
  );
}

function runFacts(r: ReportRun, reportDir: string): string {
  const run = r.run;
  const params = Object.entries(run.params).map(([k, v]) =>
    `${k} ${typeof v === "object" ? JSON.stringify(v) : v}`
  ).join(", ");
  const folder = folderHref(r, reportDir);
  return `<p class="facts">Data: ${dataLong(r)} <code>${
    escape(run.dataset.fingerprint.slice(0, 16))
  }</code>; splits ${
    escape(Object.entries(run.splits).map(([k, v]) => `${k} ${v}`).join(", "))
  }; profile ${escape(run.tags?.profile ?? "?")}; ${
    escape(run.backend.name)
  } on ${escape(run.backend.device)}; seed ${run.seed}${
    run.durationSeconds === undefined
      ? ""
      : `; ${run.durationSeconds.toFixed(1)} s`
  }.<br>Parameters: ${escape(params || "–")}.<br>Record: <a href="${
    escape(folder)
  }/">${escape(run.id)}/</a> (<a href="${
    escape(folder)
  }/run.json">run.json</a>, <a href="${
    escape(folder)
  }/metrics.json">metrics.json</a>)</p>`;
}

function classifierBody(
  m: ClassifierMetrics,
  caption: string,
  extra = "",
): string {
  const perClass = m.report.perClass.map((s, i) => [
    escape(m.classNames[i]),
    { html: s.precision.toFixed(3), sort: s.precision },
    { html: s.recall.toFixed(3), sort: s.recall },
    { html: s.f1.toFixed(3), sort: s.f1 },
    { html: String(s.support), sort: s.support },
  ]);
  const averages = (["macroAvg", "weightedAvg"] as const).map((k) => {
    const a = m.report[k];
    return `${k === "macroAvg" ? "macro" : "weighted"} average: precision ${
      a.precision.toFixed(3)
    }, recall ${a.recall.toFixed(3)}, F1 ${a.f1.toFixed(3)}`;
  });
  return `<p>Test accuracy <b>${percent(m.accuracy)}</b> (${
    accuracyDetail(m)
  })${
    m.validationAccuracy === null || m.validationAccuracy === undefined
      ? ""
      : `; validation ${percent(m.validationAccuracy)}`
  }.</p>
<div class="charts"><figure>${
    confusionMatrixSvg(m.confusion, m.classNames)
  }<figcaption>${
    escape(caption)
  }confusion matrix: each cell gives the count and its share of the true class (row); colour: that share</figcaption></figure>
<div class="perclass"><h5>Per class</h5>${
    table(["class", "precision", "recall", "F1", "support"], perClass, {
      sortable: true,
    })
  }<p class="note">${averages.join("<br>")}</p></div>${extra}</div>`;
}

function curves(r: ReportRun): string {
  return r.history.length
    ? `<figure class="curve"><div class="charts">${
      trainingCurveSvg(r.history)
    }</div><figcaption>Training curve (${r.history.length} epoch${
      r.history.length === 1 ? "" : "s"
    })</figcaption></figure>`
    : "";
}

function classifierSection(r: ReportRun, reportDir: string): string {
  const m = r.metrics as unknown as ClassifierMetrics;
  return `<section class="run" id="${escape(anchor(r.run.id))}">
<h4>${escape(r.run.name)}</h4>
${runFacts(r, reportDir)}
${classifierBody(m, "", curves(r))}
</section>`;
}

function multiHeadSection(r: ReportRun, reportDir: string): string {
  const m = r.metrics as unknown as MultiHeadMetrics;
  const list = heads(r);
  const summary = table(
    ["head", "classes", "n", "test accuracy", "95% Wilson", "95% t"],
    list.map(([head, h]) => [
      escape(head),
      String(h.classNames.length),
      String(h.n),
      percent(h.accuracy),
      range(h.wilson95),
      range(h.t95),
    ]),
  );
  return `<section class="run" id="${escape(anchor(r.run.id))}">
<h4>${escape(r.run.name)} <small>(${list.length} heads)</small></h4>
${runFacts(r, reportDir)}
${
    typeof m.averageAccuracy === "number"
      ? `<p>Average accuracy over the heads <b>${
        percent(m.averageAccuracy)
      }</b>.</p>`
      : ""
  }${summary}
${
    list.map(([head, h]) =>
      `<div class="head"><h5>Head: ${escape(head)}</h5>${
        classifierBody(h, `${head}: `)
      }</div>`
    ).join("\n")
  }
${curves(r)}
</section>`;
}

function comparisonSection(r: ReportRun, reportDir: string): string {
  const m = r.metrics as unknown as ComparisonMetrics;
  const category = r.run.name.replace(/ combined vs hierarchical$/, "");
  const published = (approach: string) =>
    PUBLISHED.find((p) =>
      p.study === (r.run.tags?.study ?? "000") &&
      p.model === `${category} ${approach}`
    )?.value;
  const row = (approach: "combined" | "hierarchical") => {
    const s = m[approach];
    const pub = published(approach);
    const exact = countInterval(s.exactPathAccuracy, s.n);
    return [
      approach,
      pub === undefined ? "–" : String(pub),
      `${s.points} / ${s.maxPoints}`,
      `${percent(s.exactPathAccuracy)}${
        exact ? ` <small>(95% Wilson ${range(exact.wilson)})</small>` : ""
      }`,
      percent(s.perLevel.gender),
      percent(s.perLevel.type),
    ];
  };
  const p = m.mcnemar.pValue;
  const verdict = p < 0.05
    ? "the two approaches differ significantly at the 5% level"
    : "no significant difference at the 5% level";
  return `<section class="run" id="${escape(anchor(r.run.id))}"><h4>${
    escape(r.run.name)
  }</h4>
${runFacts(r, reportDir)}
${
    table([
      "approach",
      "published points",
      "our points",
      "exact path",
      "gender right",
      "type right",
    ], [row("combined"), row("hierarchical")])
  }
<p>McNemar's test (${
    escape(m.mcnemar.method)
  }) on the same ${m.combined.n} test images: b = ${m.mcnemar.b} images only the combined model gets fully right, c = ${m.mcnemar.c} only the chain; p = ${
    p.toFixed(3)
  }: ${verdict}. The published points count a different, larger test set: compare the approaches, not the totals.</p></section>`;
}

function otherSection(r: ReportRun, reportDir: string): string {
  const numbers = Object.entries(r.metrics).filter(([, v]) =>
    typeof v === "number"
  ).map(([k, v]) => `${escape(k)} ${(v as number).toPrecision(4)}`);
  return `<section class="run" id="${escape(anchor(r.run.id))}"><h4>${
    escape(r.run.name)
  }</h4>${runFacts(r, reportDir)}${
    numbers.length ? `<p>Metrics: ${numbers.join(", ")}.</p>` : ""
  }${curves(r)}</section>`;
}

// ----------------------------------------------------------- searches

async function searchSection(
  group: SearchGroup,
  reportDir: string,
  svgId: () => string,
): Promise<string> {
  const chosen = group.trials.find((t) => t.run.run.id === group.chosenId);
  const columns = group.varying;
  const rows = group.trials.map((t, i) => [
    { html: String(i + 1), sort: i + 1 },
    ...columns.map((k) => {
      const v = t.params[k];
      return typeof v === "number"
        ? { html: escape(v), sort: v }
        : { html: escape(v ?? "–") };
    }),
    { html: percent(t.valAccuracy), sort: t.valAccuracy },
    { html: String(t.run.history.length), sort: t.run.history.length },
    t.run.run.durationSeconds === undefined ? { html: "–", sort: -1 } : {
      html: t.run.run.durationSeconds.toFixed(1),
      sort: t.run.run.durationSeconds,
    },
    {
      html: `${
        t.run.run.id === group.chosenId ? "<b>chosen</b> · " : ""
      }<a href="${escape(folderHref(t.run, reportDir))}/">${
        escape(t.run.run.id)
      }</a>`,
      sort: t.run.run.id === group.chosenId ? 0 : 1,
    },
  ]);
  const constant = Object.entries(group.constant).map(([k, v]) =>
    `${escape(k)} ${escape(v)}`
  ).join(", ");
  const test = group.test;
  const testLine = test
    ? (() => {
      const kind = runKind(test);
      const result = kind === "classifier"
        ? `test accuracy <b>${
          percent((test.metrics as unknown as ClassifierMetrics).accuracy)
        }</b> (${accuracyDetail(test.metrics as unknown as ClassifierMetrics)})`
        : kind === "multi-head"
        ? heads(test).map(([h, m]) => `${escape(h)} ${percent(m.accuracy)}`)
          .join(", ")
        : "evaluated";
      return `<p>Chosen by validation accuracy alone, then tested once: ${result}; see ${
        runLink(test)
      }.</p>`;
    })()
    : `<p>No test record yet: the search has not finished. The best trial so far is marked.</p>`;
  const points = group.trials.map((t) => ({
    params: t.params,
    valAccuracy: t.valAccuracy,
    chosen: t.run.run.id === group.chosenId,
  }));
  let charts = "";
  if (columns.length && group.trials.length > 1) {
    charts += `<figure>${
      prefixSvgIds(
        await vegaLiteSvg(trialScatterSpec(points, columns)),
        svgId(),
      )
    }<figcaption>Validation accuracy against each hyperparameter (red: the chosen trial)</figcaption></figure>`;
    if (columns.length > 1) {
      charts += `<figure>${
        prefixSvgIds(
          await vegaLiteSvg(parallelCoordinatesSpec(points, columns)),
          svgId(),
        )
      }<figcaption>Parallel coordinates: one line per trial, coloured by validation accuracy (thick: chosen)</figcaption></figure>`;
    }
  }
  return `<section class="search"><h4>Search: ${
    escape(group.name)
  } <small>(${group.trials.length} trials; profile ${
    escape(group.profile || "?")
  }; ${escape(group.dataset)}; seed ${group.seed})</small></h4>
<p>${
    chosen
      ? `Chosen: ${
        columns.map((k) => `${escape(k)} ${escape(chosen.params[k])}`).join(
          ", ",
        ) || "the only candidate"
      } at ${percent(chosen.valAccuracy)} validation accuracy. `
      : ""
  }${constant ? `Every trial: ${constant}.` : ""} Data: ${
    dataText(group.trials[0].run)
  }; ${escape(group.trials[0].run.run.backend.name)} on ${
    escape(group.trials[0].run.run.backend.device)
  }.</p>
${testLine}
${
    table(
      [
        "rank",
        ...columns,
        "validation accuracy",
        "epochs",
        "seconds",
        "trial record",
      ],
      rows,
      {
        sortable: true,
        rowClass: (i) =>
          group.trials[i].run.run.id === group.chosenId ? "chosen" : "",
      },
    )
  }
<p class="note">Click a column header to sort (the table reads the same without script).</p>
<div class="charts">${charts}</div></section>`;
}

// ------------------------------------------------------------ sections

function notebookLinks(list: NotebookLink[]): string {
  return list.map((n) => {
    const links = [
      n.executed ? `<a href="${escape(n.executed)}">executed</a>` : null,
      n.source ? `<a href="${escape(n.source)}">source</a>` : null,
    ].filter(Boolean).join(", ");
    return `<b>${escape(n.title)}</b> <small>(${escape(n.name)}: ${
      links || "–"
    })</small>`;
  }).join("; ");
}

function environmentSection(runs: ReportRun[]): string {
  const distinct = new Map<string, Set<string>>();
  const note = (key: string, value: unknown) => {
    if (value === undefined || value === null) return;
    if (!distinct.has(key)) distinct.set(key, new Set());
    distinct.get(key)!.add(String(value));
  };
  const backends = new Map<string, number>();
  const datasets = new Map<
    string,
    { fingerprints: Set<string>; runs: number; standIns: Set<string> }
  >();
  for (const r of runs) {
    for (const [k, v] of Object.entries(r.run.versions ?? {})) note(k, v);
    for (const [k, v] of Object.entries(r.run.backend.packages ?? {})) {
      note(k, v);
    }
    const backend = `${r.run.backend.name}\u0000${r.run.backend.device}`;
    backends.set(backend, (backends.get(backend) ?? 0) + 1);
    const d = datasets.get(r.run.dataset.id) ??
      { fingerprints: new Set(), runs: 0, standIns: new Set() };
    d.fingerprints.add(r.run.dataset.fingerprint);
    d.runs++;
    if (r.run.tags?.standIn) d.standIns.add(r.run.tags.standIn);
    datasets.set(r.run.dataset.id, d);
  }
  const sorted = <T>(m: Map<string, T>) =>
    [...m.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return `<section id="environment"><h2>Environment</h2>
<p>As recorded in the runs (a package with several versions was updated between runs).</p>
<div class="charts"><div><h3>Versions</h3>${
    table(
      ["package", "version"],
      sorted(distinct).map((
        [k, v],
      ) => [escape(k), escape([...v].sort().join(", "))]),
    )
  }</div><div><h3>Backends and devices</h3>${
    table(
      ["backend", "device", "runs"],
      sorted(backends).map(([k, n]) => {
        const [name, device] = k.split("\u0000");
        return [escape(name), escape(device), String(n)];
      }),
    )
  }<h3>Data</h3>${
    table(
      ["dataset", "fingerprint", "runs", "stands in for"],
      sorted(datasets).map(([id, d]) => [
        escape(id),
        [...d.fingerprints].sort().map((f) =>
          `<code>${escape(f.slice(0, 16))}</code>`
        )
          .join(" "),
        String(d.runs),
        d.standIns.size
          ? `<span class="standin">${
            escape([...d.standIns].sort().join("; "))
          }</span>`
          : "– (the study's own data)",
      ]),
    )
  }</div></div></section>`;
}

const STYLE =
  `body{font:15px/1.45 system-ui,sans-serif;max-width:1200px;margin:2rem auto;padding:0 1rem;color:#222}
h2{border-bottom:2px solid #333;margin-top:2.5rem}h4{margin-bottom:.3rem}h5{margin:.5rem 0 .2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:14px}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}table.sortable th{cursor:pointer;user-select:none}
table.sortable th[aria-sort=ascending]::after{content:" \\25B2"}table.sortable th[aria-sort=descending]::after{content:" \\25BC"}
tr.chosen td{background:#fdecea}.standin{background:#fff3cd;padding:0 .3rem}.charts{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
figure{margin:.5rem 0}.perclass{max-width:440px}figcaption{font-size:12px;color:#555;max-width:520px}section.run,section.search{border-top:1px solid #ddd;margin-top:1.2rem}
small,.note,.facts{color:#555}.note{font-size:13px}.facts{font-size:13px}nav a{margin-right:.8rem}code{font-size:12px}`;

/**
 * Builds the report's HTML from complete runs. `reportDir` is the folder the
 * HTML will be written to (links are relative to it).
 *
 * @example
 * ```ts
 * const runs = await readCompleteRuns("reports/runs");
 * const notebooks = await findNotebooks("notebooks", "reports/notebooks", "reports");
 * await Deno.writeTextFile("reports/index.html", await buildReportHtml(runs, "reports", { notebooks }));
 * ```
 */
export async function buildReportHtml(
  runs: ReportRun[],
  reportDir: string,
  options: ReportOptions = {},
): Promise<string> {
  const notebooks = options.notebooks ?? [];
  let svgCount = 0;
  const svgId = () => `v${++svgCount}-`;
  const studies = [
    ...new Set([
      ...Object.keys(STUDY_TITLES),
      ...runs.map((r) => r.run.tags?.study).filter((s): s is string => !!s),
    ]),
  ].sort();
  const parts: string[] = [];
  parts.push(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Fashion-image classification: results</title><style>${STYLE}</style></head><body>`,
  );
  parts.push(`<h1>Fashion-image classification: results</h1>`);
  const profiles = [...new Set(runs.map((r) => r.run.tags?.profile ?? "?"))]
    .sort();
  parts.push(
    `<p>${runs.length} complete run record${
      runs.length === 1 ? "" : "s"
    } from <code>reports/runs/</code>${
      profiles.length ? ` (profiles: ${escape(profiles.join(", "))})` : ""
    }. Every number below links to the record it came from. Published numbers come from the study texts; where a study's data is not public, ours come from a named stand-in and are not a reproduction of the published figure.</p>`,
  );
  if (runs.length === 0) {
    parts.push(
      `<p>No complete runs yet. Run the notebooks (<code>deno task notebooks --profile course</code>) or a task such as <code>deno task train</code>, then <code>deno task report</code> again.</p>`,
    );
  }
  parts.push(
    `<nav>${
      studies.map((s) => `<a href="#study-${s}">Study ${s}</a>`).join("")
    }<a href="#notebooks">Notebooks</a><a href="#environment">Environment</a></nav>`,
  );
  const searches = groupSearches(runs);
  for (const study of studies) {
    const ours = runs.filter((r) => r.run.tags?.study === study);
    const mine = notebooks.filter((n) => n.studies.includes(study));
    parts.push(
      `<section id="study-${escape(study)}"><h2>Study ${escape(study)}: ${
        escape(STUDY_TITLES[study] ?? "")
      }</h2>`,
    );
    parts.push(
      `<p>${
        mine.length
          ? `Notebook${mine.length === 1 ? "" : "s"}: ${notebookLinks(mine)}.`
          : "No notebook in <code>notebooks/</code> names this study yet."
      }</p>`,
    );
    if (!ours.length) {
      parts.push(
        `<p class="empty">No runs of this study yet. ${
          mine.length
            ? `${
              mine.map((n) =>
                `<code>deno task notebooks --profile course ${
                  escape(n.name.replace(/\.ipynb$/, ""))
                }</code>`
              ).join(" or ")
            } records them.`
            : "Its runs will come from the notebook that reproduces it."
        }</p>`,
      );
    }
    if (ours.length) parts.push(dataUsed(ours));
    parts.push(`<h3>Published beside ours</h3>`);
    parts.push(publishedBesideOurs(study, ours));
    if (!ours.length) {
      parts.push(`</section>`);
      continue;
    }
    const summary = oursSummary(ours, reportDir);
    if (summary) parts.push(`<h3>Our test results</h3>${summary}`);
    const mySearches = searches.filter((g) => g.study === study);
    if (mySearches.length) {
      parts.push(`<h3>Hyperparameter searches</h3>`);
      for (const g of mySearches) {
        parts.push(await searchSection(g, reportDir, svgId));
      }
    }
    const comparisons = ours.filter((r) => runKind(r) === "comparison");
    if (comparisons.length) {
      parts.push(`<h3>Combined vs hierarchical</h3>`);
      for (const r of comparisons) parts.push(comparisonSection(r, reportDir));
    }
    const detailed = ours.filter((r) =>
      ["classifier", "multi-head", "other"].includes(runKind(r))
    );
    if (detailed.length) {
      parts.push(`<h3>Runs in detail</h3>`);
      for (const r of detailed) {
        const kind = runKind(r);
        parts.push(
          kind === "classifier"
            ? classifierSection(r, reportDir)
            : kind === "multi-head"
            ? multiHeadSection(r, reportDir)
            : otherSection(r, reportDir),
        );
      }
    }
    parts.push(`</section>`);
  }
  parts.push(
    `<section id="notebooks"><h2>Notebooks</h2>${
      notebooks.length
        ? `<ul>${
          notebooks.map((n) =>
            `<li>${notebookLinks([n])}${
              n.studies.length
                ? ` — studies ${escape(n.studies.join(", "))}`
                : ""
            }${n.executed ? "" : " <small>(not executed yet)</small>"}</li>`
          ).join("")
        }</ul>`
        : "<p>No notebooks found.</p>"
    }<p class="note">Executed copies are written by <code>deno task notebooks</code> into <code>reports/notebooks/</code>.</p></section>`,
  );
  parts.push(environmentSection(runs));
  parts.push(`<script>${SORTABLE_SCRIPT}</script>`);
  parts.push(`</body></html>\n`);
  return parts.join("\n");
}
