/**
 * The static HTML results report, built from the run records: per study,
 * the published numbers beside ours (with n and 95% intervals, the data
 * actually used and any stand-in, profile, backend and device), confusion
 * matrices, per-class reports, training curves, and the combined vs
 * hierarchical comparisons. Self-contained (inline CSS and SVG, no script,
 * no network) and deterministic: the same records give the same bytes.
 *
 * @module
 */
import { join, relative } from "node:path";
import type { RunJson } from "../runs/record.ts";
import type { ClassifierMetrics } from "../experiments/classifier_run.ts";
import { PUBLISHED, STUDY_TITLES } from "./published.ts";
import { confusionMatrixSvg, trainingCurveSvg } from "./charts.ts";

/** One complete run as the report reads it. */
export interface ReportRun {
  run: RunJson;
  dir: string;
  metrics: Record<string, unknown>;
  history: Record<string, number>[];
}

const escape = (text: unknown) =>
  String(text).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(
    ">",
    "&gt;",
  ).replaceAll('"', "&quot;");
const percent = (v: number) => `${(100 * v).toFixed(1)}%`;

async function readJsonOr<T>(path: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return fallback;
  }
}

/** Reads every complete run under `root`, sorted by id. */
export async function readCompleteRuns(root: string): Promise<ReportRun[]> {
  const runs: ReportRun[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(root)];
  } catch {
    return runs;
  }
  for (
    const entry of entries.filter((e) => e.isDirectory).sort((a, b) =>
      a.name.localeCompare(b.name)
    )
  ) {
    const dir = join(root, entry.name);
    const run = await readJsonOr<RunJson | null>(join(dir, "run.json"), null);
    if (run?.status !== "complete") continue;
    runs.push({
      run,
      dir,
      metrics: await readJsonOr(join(dir, "metrics.json"), {}),
      history: await readJsonOr(join(dir, "history.json"), []),
    });
  }
  return runs;
}

function table(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${
    header.map((h) => `<th>${escape(h)}</th>`).join("")
  }</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join(
      "",
    )
  }</tbody></table>`;
}

function classifierSection(r: ReportRun, reportDir: string): string {
  const m = r.metrics as unknown as ClassifierMetrics;
  const run = r.run;
  const standIn = run.tags?.standIn;
  const perClass = m.report.perClass.map((s, i) => [
    escape(m.classNames[i]),
    s.precision.toFixed(3),
    s.recall.toFixed(3),
    s.f1.toFixed(3),
    String(s.support),
  ]);
  return `<section class="run" id="${escape(run.id)}">
<h4>${escape(run.name)} <small><a href="${
    escape(relative(reportDir, r.dir))
  }/">${escape(run.id)}</a></small></h4>
<p>Test accuracy <b>${
    percent(m.accuracy)
  }</b> (${m.correct} of ${m.n}; 95% Wilson ${percent(m.wilson95.low)}–${
    percent(m.wilson95.high)
  }, t-based ${percent(m.t95.low)}–${percent(m.t95.high)})${
    m.validationAccuracy === null
      ? ""
      : `; validation ${percent(m.validationAccuracy)}`
  }. Data: ${escape(run.dataset.id)} <code>${
    escape(run.dataset.fingerprint.slice(0, 16))
  }</code>${
    standIn ? ` <span class="standin">stand-in: ${escape(standIn)}</span>` : ""
  }; splits ${
    escape(Object.entries(run.splits).map(([k, v]) => `${k} ${v}`).join(", "))
  }; profile ${escape(run.tags?.profile ?? "?")}; ${
    escape(run.backend.name)
  } on ${escape(run.backend.device)}; seed ${run.seed}.</p>
<div class="charts"><figure>${
    confusionMatrixSvg(m.confusion, m.classNames)
  }<figcaption>Confusion matrix (counts; colour: share of the true class)</figcaption></figure>${
    r.history.length
      ? `<figure>${
        trainingCurveSvg(r.history)
      }<figcaption>Training curve</figcaption></figure>`
      : ""
  }</div>
<details><summary>Per-class precision, recall, F1</summary>${
    table(["class", "precision", "recall", "F1", "support"], perClass)
  }</details>
</section>`;
}

function comparisonSection(r: ReportRun): string {
  type Score = {
    n: number;
    points: number;
    maxPoints: number;
    exactPathAccuracy: number;
    perLevel: { gender: number; type: number };
  };
  const m = r.metrics as {
    combined: Score;
    hierarchical: Score;
    mcnemar: { b: number; c: number; pValue: number; method: string };
  };
  const category = r.run.name.replace(/ combined vs hierarchical$/, "");
  const published = (approach: string) =>
    PUBLISHED.find((p) =>
      p.study === "000" && p.model === `${category} ${approach}`
    )?.value;
  const row = (approach: "combined" | "hierarchical") => {
    const s = m[approach];
    const pub = published(approach);
    return [
      approach,
      pub === undefined ? "–" : String(pub),
      `${s.points} / ${s.maxPoints}`,
      percent(s.exactPathAccuracy),
      percent(s.perLevel.gender),
      percent(s.perLevel.type),
    ];
  };
  return `<section class="run" id="${escape(r.run.id)}"><h4>${
    escape(r.run.name)
  }</h4>
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
<p>McNemar (${
    escape(m.mcnemar.method)
  }): b = ${m.mcnemar.b} images only the combined model gets right, c = ${m.mcnemar.c} only the chain; p = ${
    m.mcnemar.pValue.toFixed(3)
  } on ${m.combined.n} test images. The published points count a different, larger test set: compare the approaches, not the totals.</p></section>`;
}

const STYLE =
  `body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
th{background:#f3f3f3}.standin{background:#fff3cd;padding:0 .3rem}.charts{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0}figcaption{font-size:12px;color:#555}section.run{border-top:1px solid #ddd;margin-top:1rem}small{font-weight:normal}`;

/**
 * Builds the report's HTML from complete runs. `reportDir` is the folder the
 * HTML will be written to (links are relative to it); `notebooks` lists
 * executed notebook files to link.
 */
export function buildReportHtml(
  runs: ReportRun[],
  reportDir: string,
  notebooks: string[] = [],
): string {
  const parts: string[] = [];
  parts.push(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fashion-image classification: results</title><style>${STYLE}</style></head><body>`,
  );
  parts.push(`<h1>Fashion-image classification: results</h1>`);
  if (runs.length === 0) {
    parts.push(
      `<p>No complete runs yet. Run the notebooks (<code>deno task notebooks --profile course</code>) or a task such as <code>deno task train</code>, then <code>deno task report</code> again.</p>`,
    );
  }
  const backends = [
    ...new Set(
      runs.map((r) => `${r.run.backend.name} on ${r.run.backend.device}`),
    ),
  ].sort();
  const versions = runs[0]?.run.versions ?? {};
  parts.push(
    `<p>${runs.length} complete runs. Backends: ${
      escape(backends.join("; ") || "–")
    }. Versions: ${
      escape(
        Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(", ") || "–",
      )
    }.</p>`,
  );
  if (notebooks.length) {
    parts.push(
      `<p>Executed notebooks: ${
        notebooks.map((n) =>
          `<a href="${escape(n)}">${escape(n.split("/").at(-1))}</a>`
        ).join(", ")
      }</p>`,
    );
  }
  for (const study of Object.keys(STUDY_TITLES)) {
    const ours = runs.filter((r) => r.run.tags?.study === study);
    const published = PUBLISHED.filter((p) => p.study === study);
    if (!ours.length && !published.length) continue;
    parts.push(`<h2>Study ${study}: ${escape(STUDY_TITLES[study])}</h2>`);
    if (published.length) {
      parts.push(
        `<h3>Published</h3>${
          table(
            ["model", "metric", "value", "where"],
            published.map((p) => [
              escape(p.model),
              escape(p.metric),
              p.metric === "points" ? String(p.value) : percent(p.value),
              escape(p.source),
            ]),
          )
        }`,
      );
    }
    if (!ours.length) {
      parts.push(`<p>No runs of this study yet.</p>`);
      continue;
    }
    parts.push(`<h3>Ours</h3>`);
    const summary = ours.filter((r) => typeof r.metrics.accuracy === "number")
      .map((r) => {
        const m = r.metrics as unknown as ClassifierMetrics;
        return [
          `<a href="#${escape(r.run.id)}">${escape(r.run.name)}</a>`,
          escape(r.run.tags?.profile ?? "?"),
          String(m.n),
          percent(m.accuracy),
          `${percent(m.wilson95.low)}–${percent(m.wilson95.high)}`,
          r.run.tags?.standIn ? "stand-in" : escape(r.run.dataset.id),
        ];
      });
    if (summary.length) {
      parts.push(
        table(
          ["run", "profile", "n", "test accuracy", "95% Wilson", "data"],
          summary,
        ),
      );
    }
    for (const r of ours) {
      if (r.run.tags?.kind === "comparison") parts.push(comparisonSection(r));
      else if (typeof r.metrics.accuracy === "number") {
        parts.push(classifierSection(r, reportDir));
      }
    }
  }
  parts.push(`</body></html>\n`);
  return parts.join("\n");
}
