/**
 * The report's charts, inline in a notebook: a run's training curves
 * (loss and accuracy per epoch, training and validation) and confusion
 * heatmaps (one per head of a multi-output run), and a search's trial views
 * (validation accuracy against each hyperparameter, parallel coordinates).
 * They are read from the run records and drawn by the report's own chart
 * code (`lib/report/charts.ts`, `lib/report/vega_charts.ts`), with the
 * report's captions, so a notebook and the report show the same pictures.
 *
 * A search's test record holds no epochs (it evaluates the chosen trial's
 * model once); its curves are those of the trial it names in
 * `selectedFrom`.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { DEFAULT_RUNS_ROOT } from "../runs/record.ts";
import type { RunJson } from "../runs/run_json.ts";
import { confusionMatrixSvg, trainingCurveSvg } from "../report/charts.ts";
import { heads, type ReportRun, runKind } from "../report/report_runs.ts";
import { groupSearches, type SearchGroup } from "../report/searches.ts";
import {
  parallelCoordinatesSpec,
  trialScatterSpec,
  vegaLiteSvg,
} from "../report/vega_charts.ts";
import { escape, prefixSvgIds } from "../report/html.ts";
import type { ClassifierMetrics } from "../runs/classifier_metrics.ts";
import { showHtml } from "./display.ts";

/**
 * A run to draw: a run result with its folder (`{ dir }`), a result with
 * its id (`{ runId }`, under the runs root), a folder path, or a run id.
 */
export type RunRef = string | { dir: string } | { runId: string };

/** Where run ids are looked up (default: the repository's `reports/runs`). */
export interface ChartOptions {
  /** The runs root that holds the records (default {@linkcode DEFAULT_RUNS_ROOT}). */
  root?: string;
}

/** One chart with its caption. */
export interface ChartFigure {
  /** The chart: HTML text holding an `<svg>`. */
  svg: string;
  /** What it shows, as the report captions it. */
  caption: string;
  /** A short name of it, for the plain-text view (`confusion matrix`). */
  label: string;
}

/** The charts of one run, with the run's name and id. */
export interface RunCharts {
  /** The run id. */
  id: string;
  /** The run's name (`run.json` `name`). */
  name: string;
  /** Its training curves and confusion heatmaps, curves first. */
  figures: ChartFigure[];
}

/** A search as the studies return it: its trials' run ids and its test record's. */
export interface SearchRef {
  /** The trials, each with its run id. */
  trials: { runId: string }[];
  /** The run id of the chosen trial's test record, once the search has one. */
  testRunId?: string;
}

/** The folder of a run. */
export function runDir(run: RunRef, options: ChartOptions = {}): string {
  const root = options.root ?? DEFAULT_RUNS_ROOT;
  if (typeof run === "object") {
    return "dir" in run ? run.dir : join(root, run.runId);
  }
  return run.includes("/") ? run : join(root, run);
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** A run record as the report reads it: `run.json`, `metrics.json` and `history.json` (empty when missing). */
async function readReportRun(dir: string): Promise<ReportRun> {
  let run: RunJson;
  try {
    run = await readJson(join(dir, "run.json")) as RunJson;
  } catch (error) {
    throw new Error(
      `No run record to draw in ${dir}: ${(error as Error).message}`,
    );
  }
  const metrics = await readJson(join(dir, "metrics.json")) as Record<
    string,
    unknown
  >;
  let history: Record<string, number>[] = [];
  try {
    history = await readJson(join(dir, "history.json")) as Record<
      string,
      number
    >[];
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return { run, dir, metrics, history };
}

const epochs = (n: number) => `${n} epoch${n === 1 ? "" : "s"}`;

const CONFUSION_CAPTION =
  "confusion matrix: each cell gives the count and its share of the true class (row); colour: that share";

/**
 * The charts of a run record, drawn as the report draws them: its training
 * curves (a search test's from the trial it names in `selectedFrom`) and
 * its confusion heatmap, one per head for a multi-output run. A run
 * without epochs or a confusion matrix (a comparison of pipelines) has
 * fewer figures, possibly none.
 */
export async function runCharts(
  run: RunRef,
  options: ChartOptions = {},
): Promise<RunCharts> {
  const dir = runDir(run, options);
  const r = await readReportRun(dir);
  const figures: ChartFigure[] = [];
  let history = r.history;
  let from = "";
  const selectedFrom = r.run.params.selectedFrom;
  if (!history.length && typeof selectedFrom === "string") {
    const trial = join(dirname(dir), selectedFrom);
    try {
      history = await readJson(join(trial, "history.json")) as Record<
        string,
        number
      >[];
      from = " of the chosen trial";
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  if (history.length) {
    figures.push({
      svg: trainingCurveSvg(history),
      caption: `Training curve${from} (${epochs(history.length)})`,
      label: `training curve${from} (${epochs(history.length)})`,
    });
  }
  const kind = runKind(r);
  if (kind === "classifier" || kind === "photo-check") {
    const m = r.metrics as unknown as ClassifierMetrics;
    figures.push({
      svg: confusionMatrixSvg(m.confusion, m.classNames),
      caption: CONFUSION_CAPTION,
      label: "confusion matrix",
    });
  } else if (kind === "multi-head") {
    for (const [head, m] of heads(r)) {
      figures.push({
        svg: confusionMatrixSvg(m.confusion, m.classNames),
        caption: `${head}: ${CONFUSION_CAPTION}`,
        label: `${head} confusion matrix`,
      });
    }
  }
  return { id: r.run.id || basename(dir), name: r.run.name, figures };
}

/** Figures side by side, wrapping, each with its caption below. */
function figuresHtml(figures: ChartFigure[]): string {
  return `<div style="display:flex;flex-wrap:wrap;gap:12px 24px;align-items:flex-start">${
    figures.map((f) =>
      `<figure style="margin:0"><div style="display:flex;flex-wrap:wrap;gap:8px">${f.svg}</div><figcaption style="font-size:12px;color:#555;max-width:640px">${
        escape(f.caption)
      }</figcaption></figure>`
    ).join("")
  }</div>`;
}

/** The HTML of a run's charts under a heading with its name (or `title`) and id. */
export function runChartsHtml(charts: RunCharts, title?: string): string {
  return `<div><p style="margin:8px 0 4px"><b>${
    escape(title ?? charts.name)
  }</b> <code>${escape(charts.id)}</code></p>${
    charts.figures.length
      ? figuresHtml(charts.figures)
      : "<p>No curves or confusion matrix in this record.</p>"
  }</div>`;
}

/** One line per run naming its charts, for terminals and the plain-text view. */
function chartsPlain(charts: RunCharts, title?: string): string {
  return `${title ?? charts.name} (${charts.id}): ${
    charts.figures.map((f) => f.label).join("; ") ||
    "no charts"
  }`;
}

/**
 * Shows the charts of one or more runs (each under its name, or `title`)
 * in the notebook: training curves and confusion heatmaps, as the report
 * draws them.
 *
 * @example
 * ```ts
 * await showRunCharts(result); // a run result with `dir` or `runId`
 * await showRunCharts(model.seedRuns, { title: model.spec.name });
 * ```
 */
export async function showRunCharts(
  runs: RunRef | RunRef[],
  options: ChartOptions & { title?: string } = {},
): Promise<void> {
  const list = Array.isArray(runs) ? runs : [runs];
  const drawn = await Promise.all(list.map((r) => runCharts(r, options)));
  await showHtml(
    drawn.map((c) => runChartsHtml(c, options.title)).join(""),
    drawn.map((c) => chartsPlain(c, options.title)).join("\n"),
  );
}

/**
 * A search's trial views, drawn as the report draws them from its trial
 * records: validation accuracy against each hyperparameter that varies
 * (the chosen trial in red) and, with more than one such hyperparameter,
 * parallel coordinates. Empty with a single trial or nothing varied.
 */
export async function searchCharts(
  search: SearchRef,
  options: ChartOptions = {},
): Promise<{ group: SearchGroup; figures: ChartFigure[] }> {
  const ids = [
    ...search.trials.map((t) => t.runId),
    ...(search.testRunId ? [search.testRunId] : []),
  ];
  const runs = await Promise.all(
    ids.map((id) => readReportRun(runDir(id, options))),
  );
  const first = search.trials[0]?.runId;
  const group = groupSearches(runs).find((g) =>
    g.trials.some((t) => t.run.run.id === first)
  );
  if (!group) {
    throw new Error(
      `No search trials among ${ids.join(", ") || "no runs"}`,
    );
  }
  const columns = group.varying;
  const points = group.trials.map((t) => ({
    params: t.params,
    valAccuracy: t.valAccuracy,
    chosen: t.run.run.id === group.chosenId,
  }));
  const figures: ChartFigure[] = [];
  if (columns.length && group.trials.length > 1) {
    figures.push({
      svg: prefixSvgIds(
        await vegaLiteSvg(trialScatterSpec(points, columns)),
        `${group.chosenId}-scatter-`,
      ),
      caption:
        "Validation accuracy against each hyperparameter (red: the chosen trial)",
      label: "validation accuracy against each hyperparameter",
    });
    if (columns.length > 1) {
      figures.push({
        svg: prefixSvgIds(
          await vegaLiteSvg(parallelCoordinatesSpec(points, columns)),
          `${group.chosenId}-parallel-`,
        ),
        caption:
          "Parallel coordinates: one line per trial, coloured by validation accuracy (thick: chosen)",
        label: "parallel coordinates",
      });
    }
  }
  return { group, figures };
}

/**
 * Shows a search's trial views in the notebook (see
 * {@linkcode searchCharts}); with a single trial, or nothing varied, a line
 * saying there is nothing to compare.
 *
 * @example
 * ```ts
 * const primary = await runPrimarySearch(lab, source);
 * await showSearchCharts(primary);
 * ```
 */
export async function showSearchCharts(
  search: SearchRef,
  options: ChartOptions = {},
): Promise<void> {
  const { group, figures } = await searchCharts(search, options);
  const heading = `Search: ${group.name} (${group.trials.length} trial${
    group.trials.length === 1 ? "" : "s"
  }; chosen ${group.chosenId})`;
  const none = group.trials.length > 1
    ? "Every trial has the same hyperparameters: nothing to compare."
    : "One trial: nothing to compare (the profile tries a single candidate).";
  await showHtml(
    `<div><p style="margin:8px 0 4px"><b>${escape(heading)}</b></p>${
      figures.length ? figuresHtml(figures) : `<p>${escape(none)}</p>`
    }</div>`,
    `${heading}: ${
      figures.length ? figures.map((f) => f.label).join("; ") : none
    }`,
  );
}
