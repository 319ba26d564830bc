/**
 * The top of the report: every published number beside ours in one forest
 * plot (Observable Plot SVG, rendered without a browser). One row per
 * published number that a run of ours matches (the matching of
 * `published_beside.ts`), grouped per study: the published value (a grey
 * diamond) with its 95% interval where there is one (the study's own, or
 * Wilson from the study's n), and below it each matching run of ours (a
 * dot: blue on the study's own data, orange on a stand-in) with its 95%
 * Wilson interval. Points (study 000's combined-vs-hierarchical score) are
 * drawn as their share of the maximum; the study does not state its
 * maximum, so its points are written beside the row, not drawn.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import {
  PUBLISHED,
  type PublishedNumber,
  STUDY_TITLES,
} from "../published/published.ts";
import { formatPercent as percent } from "../eval/format.ts";
import type { ReportRun } from "./report_runs.ts";
import {
  type OurNumber,
  oursFor,
  publishedInterval,
} from "./published_beside.ts";
import { anchor, prefixSvgIds, range } from "./html.ts";

/** One row of the forest plot: a published number and our numbers beside it. */
export interface ForestRow {
  /** The study id. */
  study: string;
  /** The published number. */
  published: PublishedNumber;
  /** Its share (accuracy); null for points, whose maximum the study does not state. */
  publishedShare: number | null;
  /** Its 95% interval, where there is one (see `publishedInterval`). */
  publishedInterval: { low: number; high: number; of: string } | null;
  /** Our matching numbers (at least one), by run label, then run id. */
  ours: OurNumber[];
}

/** The ARIA label of the forest plot's `<svg>` (the browser test finds it by it). */
export const FOREST_ARIA_LABEL = "forest plot: published numbers beside ours";

const METRIC_SHORT: Record<PublishedNumber["metric"], string> = {
  "test accuracy": "test",
  "validation accuracy": "validation",
  "points": "points",
  "average accuracy": "average",
};

/**
 * The rows of the forest plot: every published number (in the order of
 * `PUBLISHED`, studies in id order) with at least one matching run of
 * ours among the study's runs (tag `study`).
 */
export function forestRows(runs: ReportRun[]): ForestRow[] {
  const studies = [...new Set(PUBLISHED.map((p) => p.study))].sort();
  const rows: ForestRow[] = [];
  for (const study of studies) {
    const mine = runs.filter((r) => r.run.tags?.study === study);
    if (!mine.length) continue;
    for (const p of PUBLISHED.filter((q) => q.study === study)) {
      const ours = oursFor(p, mine).filter((o) => Number.isFinite(o.share))
        .sort((a, b) =>
          a.label < b.label
            ? -1
            : a.label > b.label
            ? 1
            : a.run.run.id < b.run.run.id
            ? -1
            : a.run.run.id > b.run.run.id
            ? 1
            : 0
        );
      if (!ours.length) continue;
      rows.push({
        study,
        published: p,
        publishedShare: p.metric === "points" ? null : p.value,
        publishedInterval: publishedInterval(p),
        ours,
      });
    }
  }
  return rows;
}

/** A line of the plot: a header, a published number or one of ours. */
interface Line {
  y: number;
  kind: "header" | "published" | "own" | "stand-in";
  label: string;
  x: number | null;
  low: number | null;
  high: number | null;
  right: string;
  title: string;
  href: string | null;
}

/**
 * A published accuracy as the study states it: one decimal, or two where
 * it has two (`99.75%`, not `99.8%`).
 */
export const publishedPercent = (value: number): string => {
  const one = percent(value);
  return Math.abs(parseFloat(one) - 100 * value) < 1e-9
    ? one
    : percent(value, 2);
};

const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** The lines of the plot, top to bottom (y in line units). */
function forestLines(rows: ForestRow[]): Line[] {
  const lines: Line[] = [];
  let y = 0;
  let study: string | null = null;
  for (const row of rows) {
    if (row.study !== study) {
      if (study !== null) y += 0.6;
      study = row.study;
      lines.push({
        y,
        kind: "header",
        label: clip(`Study ${study} · ${STUDY_TITLES[study] ?? ""}`, 90),
        x: null,
        low: null,
        high: null,
        right: "",
        title: "",
        href: null,
      });
      y += 1.1;
    }
    const p = row.published;
    const interval = row.publishedInterval;
    const value = p.metric === "points"
      ? `${p.value} points`
      : publishedPercent(p.value);
    lines.push({
      y,
      kind: "published",
      label: clip(`${p.model} · ${METRIC_SHORT[p.metric]}`, 64),
      x: row.publishedShare,
      low: row.publishedShare === null ? null : interval?.low ?? null,
      high: row.publishedShare === null ? null : interval?.high ?? null,
      right: p.metric === "points"
        ? `${value} (max. not stated)`
        : interval
        ? `${value} (${range(interval)})`
        : value,
      title: `published, study ${row.study}: ${p.model}, ${p.metric} ${value}${
        interval ? `; ${interval.of}: ${range(interval)}` : ""
      }${p.n ? `; n ${p.n}` : ""} (${p.source})`,
      href: null,
    });
    y += 1;
    for (const o of row.ours) {
      const profile = o.run.run.tags?.profile ?? "?";
      const standIn = !!o.run.run.tags?.standIn;
      lines.push({
        y,
        kind: standIn ? "stand-in" : "own",
        label: clip(`ours (${profile}): ${o.label}`, 64),
        x: o.share,
        low: o.wilson?.low ?? null,
        high: o.wilson?.high ?? null,
        right: o.wilson ? `${o.value} (${range(o.wilson)})` : o.value,
        title: `ours: ${o.label}, ${profile} profile${
          standIn ? ", stand-in data" : ""
        }: ${p.metric} ${o.value}${o.detail ? `; ${o.detail}` : ""}`,
        href: `#${anchor(o.run.run.id)}`,
      });
      y += 1;
    }
    y += 0.35;
  }
  return lines;
}

/** A server-side DOM document for Plot's `document` option. */
function documentForPlot(): Plot.PlotOptions["document"] {
  return (parseHTML("<!doctype html><html><body></body></html>") as unknown as {
    document: Plot.PlotOptions["document"];
  }).document;
}

const LINE_PX = 17;
const COLORS = {
  published: "#444",
  publishedInterval: "#9a9a9a",
  own: "#1f6fb4",
  "stand-in": "#d9730d",
};

/**
 * The forest plot of `rows` as an `<svg>` (see the module comment); the
 * output depends only on its argument.
 */
export function forestPlotSvg(rows: ForestRow[]): string {
  const lines = forestLines(rows);
  const last = lines.length ? lines[lines.length - 1].y : 0;
  const drawn = (l: Line) => l.x !== null;
  const ranged = (l: Line) => l.low !== null && l.high !== null;
  const marginLeft = 390;
  const marginRight = 200;
  const marginTop = 34;
  const marginBottom = 38;
  const plot = Plot.plot({
    document: documentForPlot(),
    className: "plot-forest",
    ariaLabel: FOREST_ARIA_LABEL,
    ariaDescription:
      "One row per published number with a matching run of ours, grouped per study: the published value with its 95% interval, and each of our runs with its 95% Wilson interval.",
    width: 1100,
    height: Math.round(marginTop + marginBottom + (last + 1.2) * LINE_PX),
    marginLeft,
    marginRight,
    marginTop,
    marginBottom,
    style: { fontSize: "11px" },
    x: {
      domain: [0, 1],
      axis: "both",
      grid: true,
      tickFormat: "%",
      label: "accuracy (points: share of the maximum)",
      labelAnchor: "center",
    },
    y: { domain: [-0.6, last + 0.6], reverse: true, axis: null },
    marks: [
      Plot.ruleY(lines.filter((l) => l.kind === "header" && l.y > 0), {
        y: (l: Line) => l.y - 0.6,
        stroke: "#ccc",
      }),
      Plot.text(lines.filter((l) => l.kind === "header"), {
        x: 0,
        y: "y",
        text: "label",
        textAnchor: "start",
        dx: 6 - marginLeft,
        fontWeight: "bold",
        fontSize: 12,
      }),
      Plot.text(lines.filter((l) => l.kind !== "header"), {
        x: 0,
        y: "y",
        text: "label",
        textAnchor: "end",
        dx: -8,
        fill: (l: Line) => l.kind === "published" ? "#222" : "#555",
        title: "title",
      }),
      Plot.text(lines.filter((l) => l.kind !== "header"), {
        x: 1,
        y: "y",
        text: "right",
        textAnchor: "start",
        dx: 8,
        fill: (l: Line) => l.kind === "published" ? "#222" : "#555",
      }),
      Plot.ruleY(lines.filter((l) => l.kind === "published" && ranged(l)), {
        y: "y",
        x1: "low",
        x2: "high",
        stroke: COLORS.publishedInterval,
        strokeWidth: 5,
        strokeOpacity: 0.7,
      }),
      Plot.dot(lines.filter((l) => l.kind === "published" && drawn(l)), {
        x: "x",
        y: "y",
        symbol: "diamond",
        r: 5,
        fill: COLORS.published,
        title: "title",
        className: "forest-published",
      }),
      ...(["own", "stand-in"] as const).flatMap((kind) => [
        Plot.ruleY(lines.filter((l) => l.kind === kind && ranged(l)), {
          y: "y",
          x1: "low",
          x2: "high",
          stroke: COLORS[kind],
          strokeWidth: 2,
        }),
        Plot.dot(lines.filter((l) => l.kind === kind && drawn(l)), {
          x: "x",
          y: "y",
          r: 4,
          fill: COLORS[kind],
          stroke: "white",
          title: "title",
          href: "href",
          className: "forest-ours",
        }),
      ]),
    ],
  });
  return (plot as unknown as { outerHTML: string }).outerHTML;
}

/**
 * The report's "at a glance" part: the forest plot of every published
 * number a run of ours matches, with a legend; empty when no published
 * number has a matching run (in particular, when there are no runs).
 * `svgId` gives the prefix that keeps the SVG's ids unique in the page.
 */
export function forestSection(
  runs: ReportRun[],
  svgId: () => string,
): string {
  const rows = forestRows(runs);
  if (!rows.length) return "";
  const studies = new Set(rows.map((r) => r.study)).size;
  const swatch = (color: string, symbol: string) =>
    `<span style="color:${color}">${symbol}</span>`;
  return `<section id="at-a-glance"><h2>At a glance: published beside ours</h2>
<figure class="forest">${
    prefixSvgIds(forestPlotSvg(rows), svgId())
  }<figcaption>${rows.length} published number${
    rows.length === 1 ? "" : "s"
  } of ${studies} stud${
    studies === 1 ? "y" : "ies"
  } with a matching run of ours, one row each: ${
    swatch(COLORS.published, "◆")
  } the published value with its 95% interval (grey bar: the study's own where it gives one, else Wilson from the study's n), ${
    swatch(COLORS.own, "●")
  } ours on the study's own data and ${
    swatch(COLORS["stand-in"], "●")
  } ours on a stand-in (not a reproduction of the published number), each with its 95% Wilson interval on our test images (a multi-output average and points have none). Points are drawn as a share of the maximum; the study does not state its maximum, so its points are written beside the row. Each of our dots links to its run below; hover for the counts. Published numbers without a matching run are in each study's table.</figcaption></figure></section>`;
}
