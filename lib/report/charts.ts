/**
 * Charts rendered to SVG strings without a browser: Observable Plot with
 * linkedom standing in for the DOM.
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

/**
 * A confusion matrix as a heat map: one cell per (true, predicted) pair,
 * coloured by the row-normalised share and labelled with the count.
 */
export function confusionMatrixSvg(
  matrix: number[][],
  classNames: string[],
): string {
  const cells = matrix.flatMap((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, p) => ({
      true: classNames[t],
      predicted: classNames[p],
      count,
      share: total ? count / total : 0,
    }));
  });
  const side = Math.max(160, 28 * classNames.length);
  return svgOf(Plot.plot({
    document: documentForPlot(),
    width: side + 240,
    height: side + 110,
    marginLeft: 230,
    marginBottom: 100,
    x: { label: "predicted", domain: classNames, tickRotate: -40 },
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
      }),
      Plot.text(cells, {
        x: "predicted",
        y: "true",
        text: (d: { count: number }) => String(d.count),
        fill: (d: { share: number }) => (d.share > 0.5 ? "white" : "black"),
      }),
    ],
  }));
}

/** Loss (and validation loss) per epoch as lines. */
export function trainingCurveSvg(history: Record<string, number>[]): string {
  const points = history.flatMap((epoch, i) =>
    ["loss", "val_loss"].filter((k) => Number.isFinite(epoch[k])).map((k) => ({
      epoch: i + 1,
      series: k === "loss" ? "training" : "validation",
      loss: epoch[k],
    }))
  );
  return svgOf(Plot.plot({
    document: documentForPlot(),
    width: 360,
    height: 200,
    x: { label: "epoch", ticks: Math.min(history.length, 10), tickFormat: "d" },
    y: { label: "loss", grid: true },
    color: { legend: true, domain: ["training", "validation"] },
    marks: [
      Plot.line(points, {
        x: "epoch",
        y: "loss",
        stroke: "series",
        z: "series",
      }),
      Plot.dot(points, { x: "epoch", y: "loss", fill: "series", r: 2.5 }),
    ],
  }));
}
