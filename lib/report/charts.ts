/**
 * Charts rendered to SVG strings without a browser: Observable Plot with
 * linkedom standing in for the DOM. Each function returns HTML text (an
 * `<svg>`, or a `<figure>` holding a legend and its `<svg>`); the output
 * depends only on its arguments.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";

/** A server-side DOM document for Plot's `document` option. */
function documentForPlot(): Plot.PlotOptions["document"] {
  const window = parseHTML(
    "<!doctype html><html><body></body></html>",
  ) as unknown as {
    document: Plot.PlotOptions["document"];
  };
  return window.document;
}

function svgOf(node: unknown): string {
  return (node as { outerHTML: string }).outerHTML;
}

/** One cell of a confusion matrix with its count and row-normalised share. */
export interface ConfusionCell {
  /** True class name. */
  true: string;
  /** Predicted class name. */
  predicted: string;
  /** Test images with this (true, predicted) pair. */
  count: number;
  /** `count` as a share of the true class's images (0 when the row is empty). */
  share: number;
}

/**
 * The cells of a confusion matrix (`matrix[true][predicted]` counts) with
 * each count's share of its row.
 *
 * @example
 * ```ts
 * confusionCells([[3, 1], [0, 4]], ["a", "b"])[1];
 * // { true: "a", predicted: "b", count: 1, share: 0.25 }
 * ```
 */
export function confusionCells(
  matrix: number[][],
  classNames: string[],
): ConfusionCell[] {
  if (matrix.length !== classNames.length) {
    throw new Error(
      `confusion matrix has ${matrix.length} rows but ${classNames.length} class names`,
    );
  }
  return matrix.flatMap((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, p) => ({
      true: classNames[t],
      predicted: classNames[p],
      count,
      share: total ? count / total : 0,
    }));
  });
}

/**
 * A confusion matrix as a heat map: one cell per (true, predicted) pair,
 * coloured by the row-normalised share and labelled with the count and that
 * share in percent (empty cells just `0`).
 */
export function confusionMatrixSvg(
  matrix: number[][],
  classNames: string[],
): string {
  const cells = confusionCells(matrix, classNames);
  const longest = Math.max(...classNames.map((c) => c.length), 4);
  const margin = Math.min(260, 30 + 6.5 * longest);
  const side = Math.max(160, 46 * classNames.length);
  return svgOf(Plot.plot({
    document: documentForPlot(),
    width: side + margin + 20,
    height: side + margin * 0.75 + 30,
    marginLeft: margin,
    marginBottom: margin * 0.75,
    style: { fontSize: "11px" },
    x: { label: "predicted", domain: classNames, tickRotate: -35 },
    y: { label: "true", domain: classNames },
    color: {
      scheme: "blues",
      domain: [0, 1],
      label: "share of the true class",
    },
    marks: [
      Plot.cell(cells, {
        x: "predicted",
        y: "true",
        fill: "share",
        inset: 0.5,
        title: (d: ConfusionCell) =>
          `true ${d.true}, predicted ${d.predicted}: ${d.count} (${
            (100 * d.share).toFixed(1)
          }% of ${d.true})`,
      }),
      Plot.text(cells, {
        x: "predicted",
        y: "true",
        text: (d: ConfusionCell) =>
          d.count ? `${d.count}\n${(100 * d.share).toFixed(0)}%` : "0",
        fill: (d: ConfusionCell) => (d.share > 0.5 ? "white" : "black"),
        lineHeight: 1.1,
      }),
    ],
  }));
}

/** A point of a training curve. */
interface CurvePoint {
  epoch: number;
  series: string;
  value: number;
  panel: string;
}

/**
 * The history keys a training curve draws, as `[key, panel, series]`:
 * loss and accuracy, training and validation, and for a multi-output model
 * each head's accuracy (`<head>_acc`, `val_<head>_acc`).
 */
export function curveSeries(
  history: Record<string, number>[],
): [string, string, string][] {
  const keys = [...new Set(history.flatMap((e) => Object.keys(e)))].filter(
    (k) => history.some((e) => Number.isFinite(e[k])),
  );
  const series: [string, string, string][] = [];
  for (const key of keys.sort()) {
    const validation = key.startsWith("val_");
    const base = validation ? key.slice(4) : key;
    const split = validation ? "validation" : "training";
    if (base === "loss") series.push([key, "loss", split]);
    else if (base === "acc" || base === "accuracy") {
      series.push([key, "accuracy", split]);
    } else if (/_(acc|accuracy)$/.test(base)) {
      series.push([
        key,
        "accuracy",
        `${base.replace(/_(acc|accuracy)$/, "")} ${split}`,
      ]);
    }
  }
  return series;
}

/**
 * Loss and accuracy per epoch, training and validation, as lines: one chart
 * per quantity (loss; accuracy when the history has it), side by side.
 */
export function trainingCurveSvg(history: Record<string, number>[]): string {
  const series = curveSeries(history);
  const points: CurvePoint[] = history.flatMap((epoch, i) =>
    series.filter(([key]) => Number.isFinite(epoch[key])).map((
      [key, panel, name],
    ) => ({ epoch: i + 1, series: name, value: epoch[key], panel }))
  );
  const panels = [...new Set(series.map(([, panel]) => panel))];
  return panels.map((panel) => {
    const mine = points.filter((p) => p.panel === panel);
    const names = [...new Set(mine.map((p) => p.series))];
    return svgOf(Plot.plot({
      document: documentForPlot(),
      width: 340,
      height: 210,
      x: {
        label: "epoch",
        ticks: Math.min(history.length, 8),
        tickFormat: "d",
      },
      y: {
        label: panel,
        grid: true,
        ...(panel === "accuracy" ? { domain: [0, 1] } : {}),
      },
      color: { legend: true, domain: names },
      marks: [
        Plot.line(mine, {
          x: "epoch",
          y: "value",
          stroke: "series",
          z: "series",
        }),
        Plot.dot(mine, { x: "epoch", y: "value", fill: "series", r: 2.5 }),
      ],
    }));
  }).join("");
}
