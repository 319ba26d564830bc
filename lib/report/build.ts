/**
 * The static HTML results report, built from the run records. At the top,
 * every published number beside ours in one forest plot (`forest.ts`). Per
 * study:
 * the published numbers beside ours (with n and 95% intervals, the data
 * actually used and any stand-in, profile, backend and device); the
 * hyperparameter searches (sortable trial tables, validation accuracy
 * against the hyperparameters as Vega-Lite SVG); the combined vs
 * hierarchical comparisons with McNemar's test; and every run in detail:
 * confusion matrices (counts and row-normalised shares), per-class
 * precision / recall / F1, training curves (Observable Plot SVG), each head
 * of a multi-output run; trained models checked on photos from outside
 * their data (per-class accuracy, confusion, misclassified photos). Then the
 * notebooks and the environment. Run records that fail the record format's
 * checks (`lib/runs/validate.ts`) are left out and listed, folder, file and
 * reason, in a "Records not shown" section near the top.
 *
 * Self-contained: inline CSS, inline SVG, one small inline script (table
 * sorting; everything reads the same without it), no network request.
 * Deterministic: the same records give the same bytes.
 *
 * The parts: reading the runs (`report_runs.ts`), small HTML pieces
 * (`html.ts`), published numbers beside ours (`published_beside.ts`), run
 * sections (`run_sections.ts`), searches (`search_section.ts`); this module
 * puts the page together.
 *
 * @module
 */
import { STUDY_TITLES } from "../published/published.ts";
import { groupSearches, strategyPairs } from "./searches.ts";
import { strategyComparisonHtml } from "./strategy_comparison.ts";
import type { NotebookLink } from "./notebooks.ts";
import { SORTABLE_SCRIPT } from "./sortable.ts";
import {
  type NotShown,
  readCompleteRuns,
  readRunRecords,
  type ReportRun,
  runKind,
  type RunRecords,
} from "./report_runs.ts";
import { escape, table } from "./html.ts";
import { relative } from "node:path";
import {
  dataUsed,
  publishedBesideOurs,
  reproduces,
} from "./published_beside.ts";
import {
  classifierSection,
  comparisonSection,
  multiHeadSection,
  otherSection,
  oursSummary,
} from "./run_sections.ts";
import { searchSection } from "./search_section.ts";
import { photoCheckSection, photoChecksSummary } from "./photo_checks.ts";
import { forestSection } from "./forest.ts";

export {
  type NotShown,
  readCompleteRuns,
  readRunRecords,
  type ReportRun,
  reproduces,
  runKind,
  type RunRecords,
};

/** Options of {@linkcode buildReportHtml}. */
export interface ReportOptions {
  /** The notebooks to link (see `findNotebooks`). */
  notebooks?: NotebookLink[];
  /**
   * The files of run records that cannot be used (see `readRunRecords`):
   * listed in a "Records not shown" section (none when empty, and then the
   * page is as without this option).
   */
  notShown?: NotShown[];
}

/**
 * How many complete runs a report built by {@linkcode buildReportHtml}
 * says it holds, or null when `html` is not such a report.
 */
export function reportRunCount(html: string): number | null {
  const m = html.match(/<p>(\d+) complete run records? from <code>/);
  return m ? Number(m[1]) : null;
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

/** `1 record` / `2 records`. */
const records = (n: number) => `${n} record${n === 1 ? "" : "s"}`;

/**
 * The records left out, one row per file at fault: folder (linked), file
 * and reason. Empty when there are none, so a sound set of records gives
 * the page it always gave.
 */
function notShownSection(notShown: NotShown[], reportDir: string): string {
  if (!notShown.length) return "";
  const folders = new Set(notShown.map((p) => p.folder)).size;
  const href = (p: NotShown) =>
    relative(reportDir, p.dir).split("\\").join("/");
  return `<section id="not-shown" style="border:2px solid #c0392b;padding:0 1rem .5rem;margin-top:1.5rem"><h2 style="margin-top:1rem">Records not shown</h2>
<p>${records(folders)} under <code>reports/runs/</code> could not be used and ${
    folders === 1 ? "is" : "are"
  } left out of every table and chart below: the file named is missing or does not hold what the record format says. Repair or delete the folder (or rerun the run), then <code>deno task report</code> again.</p>${
    table(
      ["folder", "file", "reason"],
      notShown.map((p) => [
        `<a href="${escape(href(p))}/"><code>${escape(p.folder)}/</code></a>`,
        `<code>${escape(p.file)}</code>`,
        escape(p.reason),
      ]),
    )
  }</section>`;
}

const STYLE =
  `body{font:15px/1.45 system-ui,sans-serif;max-width:1200px;margin:2rem auto;padding:0 1rem;color:#222}
h2{border-bottom:2px solid #333;margin-top:2.5rem}h4{margin-bottom:.3rem}h5{margin:.5rem 0 .2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:14px}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}table.sortable th{cursor:pointer;user-select:none}
table.sortable th[aria-sort=ascending]::after{content:" \\25B2"}table.sortable th[aria-sort=descending]::after{content:" \\25BC"}
tr.chosen td{background:#fdecea}.standin{background:#fff3cd;padding:0 .3rem}.charts{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
figure{margin:.5rem 0}.perclass{max-width:440px}figcaption{font-size:12px;color:#555;max-width:520px}section.run,section.search{border-top:1px solid #ddd;margin-top:1.2rem}
small,.note,.facts{color:#555}.note{font-size:13px}.facts{font-size:13px}nav a{margin-right:.8rem}code{font-size:12px}
.ref{background:#e3f0ff;padding:0 .3rem}.gallery{display:flex;flex-wrap:wrap;gap:.6rem}.gallery figure{width:96px;margin:0}.gallery img{width:90px;height:120px;border:1px solid #ddd}.gallery figcaption{font-size:11px;word-break:break-all}`;

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
  const notShown = options.notShown ?? [];
  const notShownFolders = new Set(notShown.map((p) => p.folder)).size;
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
  const referenceCount = runs.filter((r) => r.reference).length;
  const profiles = [...new Set(runs.map((r) => r.run.tags?.profile ?? "?"))]
    .sort();
  parts.push(
    `<p>${runs.length} complete run record${runs.length === 1 ? "" : "s"}${
      referenceCount
        ? `: ${
          runs.length - referenceCount
        } from <code>reports/runs/</code> and ${referenceCount} <span class="ref">reference</span> record${
          referenceCount === 1 ? "" : "s"
        } from <code>reports/reference/</code> (committed with the workspace, shown where no local run has the same id; each names the machine it was made on)`
        : ` from <code>reports/runs/</code>`
    }${profiles.length ? ` (profiles: ${escape(profiles.join(", "))})` : ""}${
      notShownFolders
        ? `; <a href="#not-shown">${
          records(notShownFolders)
        } not shown</a>: damaged or incomplete`
        : ""
    }. Every number below links to the record it came from. Published numbers come from the study texts; where a study's data is not public, ours come from a named stand-in and are not a reproduction of the published figure.</p>`,
  );
  if (runs.length === 0 && notShownFolders) {
    parts.push(
      `<p>No run record could be shown: see <a href="#not-shown">Records not shown</a>.</p>`,
    );
  } else if (runs.length === 0) {
    parts.push(
      `<p>No complete runs yet. Run the notebooks (<code>deno task notebooks --profile course</code>) or a task such as <code>deno task train</code>, then <code>deno task report</code> again.</p>`,
    );
  }
  const forest = forestSection(runs, svgId);
  if (forest) parts.push(forest);
  parts.push(
    `<nav>${forest ? `<a href="#at-a-glance">At a glance</a>` : ""}${
      notShown.length ? `<a href="#not-shown">Records not shown</a>` : ""
    }${
      studies.map((s) => `<a href="#study-${s}">Study ${s}</a>`).join("")
    }<a href="#notebooks">Notebooks</a><a href="#environment">Environment</a></nav>`,
  );
  if (notShown.length) parts.push(notShownSection(notShown, reportDir));
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
    const mineNotShown = new Set(
      notShown.filter((p) => p.study === study).map((p) => p.folder),
    ).size;
    if (mineNotShown) {
      parts.push(
        `<p class="note"><b>${records(mineNotShown)} of this study ${
          mineNotShown === 1 ? "is" : "are"
        } not shown</b>: see <a href="#not-shown">Records not shown</a>.</p>`,
      );
    }
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
      for (const pair of strategyPairs(mySearches)) {
        parts.push(strategyComparisonHtml(pair));
      }
    }
    const comparisons = ours.filter((r) => runKind(r) === "comparison");
    if (comparisons.length) {
      parts.push(`<h3>Combined vs hierarchical</h3>`);
      for (const r of comparisons) parts.push(comparisonSection(r, reportDir));
    }
    const checks = ours.filter((r) => runKind(r) === "photo-check");
    if (checks.length) {
      parts.push(
        `<h3>Photos the models never saw</h3><p class="note">Trained models scored on photos from outside their data (never used for training or model selection), reported apart from the test sets above.</p>`,
      );
      parts.push(photoChecksSummary(checks, runs));
      for (const r of checks) {
        parts.push(photoCheckSection(r, runs, reportDir));
      }
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
