/**
 * Small HTML pieces of the report: escaping, tables (sortable where asked),
 * links to runs and their folders, the data a run used, intervals, and SVG
 * ids made unique per chart.
 *
 * @module
 */
import { relative } from "node:path";
import { type Interval, tInterval, wilsonInterval } from "../eval/intervals.ts";
import { formatPercent as percent } from "../eval/format.ts";
import type { ReportRun } from "./report_runs.ts";

/** Text escaped for HTML content and attribute values. */
export const escape = (text: unknown) =>
  String(text).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(
    ">",
    "&gt;",
  ).replaceAll('"', "&quot;");
/** An interval as `81.2%–92.0%`. */
export const range = (i: { low: number; high: number }) =>
  `${percent(i.low)}–${percent(i.high)}`;
/** The element id of a run's section. */
export const anchor = (id: string) => `run-${id}`;

// ------------------------------------------------------------ small pieces

/** A table cell: its HTML and, for sortable tables, the value it sorts by. */
export interface Cell {
  html: string;
  sort?: string | number;
}

/** An HTML table from a header and rows of cells or plain values; sortable on request. */
export function table(
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

/** A link to a run's section in the report. */
export function runLink(r: ReportRun, label = r.run.name): string {
  return `<a href="#${escape(anchor(r.run.id))}">${escape(label)}</a>`;
}

/**
 * A run's profile for a table cell; a reference record (not run here) is
 * marked so, with its machine and date in the tooltip.
 */
export function profileText(r: ReportRun): string {
  const profile = escape(r.run.tags?.profile ?? "?");
  const ref = r.reference;
  if (!ref) return profile;
  return `${profile} <span class="ref" title="${
    escape(
      `reference record from reports/reference/${ref.profile}: ${ref.machine}; finished ${ref.finishedAt}; ${
        ref.durationSeconds.toFixed(0)
      } s`,
    )
  }">reference</span>`;
}

/** For a reference record: where it is kept and what made it. */
export function referenceFacts(r: ReportRun): string {
  const ref = r.reference;
  if (!ref) return "";
  return ` (<span class="ref">reference record</span> in <code>reports/reference/${
    escape(ref.profile)
  }/</code>, not run here: made on ${escape(ref.machine)}, finished ${
    escape(ref.finishedAt.slice(0, 10))
  }, ${(ref.durationSeconds / 60).toFixed(1)} min wall time)`;
}

/** The run folder as a link relative to the report. */
export function folderHref(r: ReportRun, reportDir: string): string {
  return relative(reportDir, r.dir).split("\\").join("/");
}

/** The dataset a run read, short: its id and, for a stand-in, that it is one. */
export function dataText(r: ReportRun): string {
  const standIn = r.run.tags?.standIn;
  return `${escape(r.run.dataset.id)}${
    standIn
      ? ` <span class="standin" title="${escape(standIn)}">stand-in</span>`
      : ""
  }`;
}

/** The dataset a run read, with the whole stand-in note where there is one. */
export function dataLong(r: ReportRun): string {
  const standIn = r.run.tags?.standIn;
  return `${escape(r.run.dataset.id)}${
    standIn ? ` <span class="standin">stand-in: ${escape(standIn)}</span>` : ""
  }`;
}

/** 95% Wilson and t intervals of an accuracy `rate` on `n` images (null without a rate or images). */
export function countInterval(rate: number, n: number): {
  wilson: Interval;
  t: Interval;
} | null {
  if (!Number.isFinite(rate) || !(n > 0)) return null;
  const correct = Math.min(n, Math.max(0, Math.round(rate * n)));
  return { wilson: wilsonInterval(correct, n), t: tInterval(correct, n) };
}

/** Makes the ids inside one SVG unique in the page by prefixing them. */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = [...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  let out = svg;
  for (const id of new Set(ids)) {
    out = out.replaceAll(`id="${id}"`, `id="${prefix}${id}"`)
      .replaceAll(`url(#${id})`, `url(#${prefix}${id})`)
      .replaceAll(`href="#${id}"`, `href="#${prefix}${id}"`);
  }
  return out;
}
