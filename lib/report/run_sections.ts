/**
 * Our runs in the report: the summary table of a study's runs and one
 * section per run (classifier, multi-output, combined vs hierarchical,
 * other), with confusion matrices, per-class reports, training curves and
 * the first misclassified test images.
 *
 * @module
 */
import type { ClassifierMetrics } from "../runs/classifier_metrics.ts";
import { formatPercent as percent } from "../eval/format.ts";
import { PUBLISHED } from "../published/published.ts";
import { confusionMatrixSvg, trainingCurveSvg } from "./charts.ts";
import {
  type ComparisonMetrics,
  heads,
  type MultiHeadMetrics,
  type ReportRun,
  runKind,
} from "./report_runs.ts";
import {
  anchor,
  type Cell,
  countInterval,
  dataLong,
  dataText,
  escape,
  folderHref,
  profileText,
  range,
  referenceFacts,
  runLink,
  table,
} from "./html.ts";
import { accuracyDetail } from "./published_beside.ts";
import { testGalleryHtml } from "./gallery.ts";

// ----------------------------------------------------------- our runs

/** The summary table of a study's runs, one row each, with a link to its section and folder. */
export function oursSummary(runs: ReportRun[], reportDir: string): string {
  const rows: (string | Cell)[][] = [];
  const add = (
    r: ReportRun,
    label: string,
    m: ClassifierMetrics,
    validation: unknown,
  ) =>
    rows.push([
      runLink(r, label),
      profileText(r),
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
  }; profile ${escape(run.tags?.profile ?? "?")}${referenceFacts(r)}; ${
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

/** One classifier run: facts, confusion matrix, per-class report, curves and its gallery of mistakes. */
export function classifierSection(r: ReportRun, reportDir: string): string {
  const m = r.metrics as unknown as ClassifierMetrics;
  return `<section class="run" id="${escape(anchor(r.run.id))}">
<h4>${escape(r.run.name)}</h4>
${runFacts(r, reportDir)}
${classifierBody(m, "", curves(r))}
${testGalleryHtml(r.gallery, [{ wrong: m.n - m.correct, n: m.n }])}
</section>`;
}

/** One multi-output run: facts, then every head as a classifier, then each head's gallery of mistakes. */
export function multiHeadSection(r: ReportRun, reportDir: string): string {
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
${
    testGalleryHtml(
      r.gallery,
      list.map(([head, h]) => ({ head, wrong: h.n - h.correct, n: h.n })),
    )
  }
</section>`;
}

/** One combined-vs-hierarchical comparison: points, exact path, per level, McNemar. */
export function comparisonSection(r: ReportRun, reportDir: string): string {
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

/** A run of another kind: its facts, its numeric metrics and its curves. */
export function otherSection(r: ReportRun, reportDir: string): string {
  const numbers = Object.entries(r.metrics).filter(([, v]) =>
    typeof v === "number"
  ).map(([k, v]) => `${escape(k)} ${(v as number).toPrecision(4)}`);
  return `<section class="run" id="${escape(anchor(r.run.id))}"><h4>${
    escape(r.run.name)
  }</h4>${runFacts(r, reportDir)}${
    numbers.length ? `<p>Metrics: ${numbers.join(", ")}.</p>` : ""
  }${curves(r)}</section>`;
}
