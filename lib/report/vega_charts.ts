/**
 * Vega-Lite charts rendered to SVG without a browser: the spec is compiled
 * to Vega, run in a headless `View` (no renderer, a loader that refuses
 * every request) and serialised with `toSVG()`. Data is always inline, so
 * nothing is fetched; SVG definition ids are reset before every render, so
 * the same spec gives the same bytes.
 *
 * Used for the hyperparameter-search views: validation accuracy against
 * each hyperparameter, and a parallel-coordinates view of all of them.
 *
 * @module
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** A hyperparameter value as run records store it. */
export type HyperValue = number | string | boolean;

/** One trial as the charts read it. */
export interface TrialPoint {
  /** Hyperparameters of the trial. */
  params: Record<string, HyperValue>;
  /** Its validation accuracy. */
  valAccuracy: number;
  /** Whether the search chose this trial. */
  chosen: boolean;
}

const refuse = () =>
  Promise.reject(
    new Error("the report's charts load nothing: give data inline"),
  );

/** A Vega loader that never touches the network or the file system. */
const OFFLINE_LOADER = {
  load: refuse,
  sanitize: refuse,
  http: refuse,
  file: refuse,
} as unknown as vega.Loader;

/**
 * Renders a Vega-Lite spec to an SVG string, offline and deterministically.
 *
 * @example
 * ```ts
 * const svg = await vegaLiteSvg({
 *   data: { values: [{ x: 1, y: 2 }] },
 *   mark: "point",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
 * });
 * ```
 */
export async function vegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  vega.resetSVGDefIds();
  const view = new vega.View(vega.parse(compiled), {
    renderer: "none",
    loader: OFFLINE_LOADER,
    logLevel: vega.Error,
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Distinct values of a hyperparameter, numbers ascending, others as text. */
export function orderedValues(values: HyperValue[]): (number | string)[] {
  const plain = values.map((v) => typeof v === "boolean" ? String(v) : v);
  if (plain.every((v) => typeof v === "number")) {
    return [...new Set(plain as number[])].sort((a, b) => a - b);
  }
  return [...new Set(plain.map(String))].sort();
}

function plainValue(
  v: HyperValue | undefined,
  numeric: boolean,
): number | string {
  if (v === undefined) return "–";
  if (numeric && typeof v === "number") return v;
  return String(v);
}

const ACCURACY_AXIS = {
  field: "valAccuracy",
  type: "quantitative",
  title: "validation accuracy",
  scale: { zero: false },
  axis: { format: ".0%" },
} as const;

const CHOSEN_COLOR = {
  field: "trial",
  type: "nominal",
  title: null,
  scale: { domain: ["chosen", "other"], range: ["#d62728", "#4c78a8"] },
} as const;

/**
 * Validation accuracy against each hyperparameter in `keys`: one small
 * scatter per hyperparameter (its values in order on x), the chosen trial
 * in red.
 */
export function trialScatterSpec(
  trials: TrialPoint[],
  keys: string[],
): TopLevelSpec {
  const numeric = keys.map((k) =>
    trials.every((t) => typeof t.params[k] === "number")
  );
  const values = trials.map((t) => ({
    ...Object.fromEntries(
      keys.map((k, i) => [`p${i}`, plainValue(t.params[k], numeric[i])]),
    ),
    valAccuracy: t.valAccuracy,
    trial: t.chosen ? "chosen" : "other",
  }));
  return {
    data: { values },
    config: { font: "sans-serif", view: { stroke: "#ddd" } },
    hconcat: keys.map((k, i) => ({
      width: Math.max(
        90,
        28 * orderedValues(trials.map((t) => t.params[k]))
          .length,
      ),
      height: 160,
      mark: { type: "point", filled: true, size: 55, opacity: 0.8 },
      encoding: {
        x: {
          field: `p${i}`,
          type: "ordinal",
          title: k,
          scale: {
            domain: orderedValues(
              trials.map((t) => t.params[k] ?? "–"),
            ),
          },
          axis: { labelAngle: 0 },
        },
        y: i === 0 ? ACCURACY_AXIS : { ...ACCURACY_AXIS, title: null },
        color: CHOSEN_COLOR,
        order: { field: "trial", sort: "descending" },
      },
    })),
  } as TopLevelSpec;
}

/**
 * Parallel coordinates: one vertical axis per hyperparameter (its distinct
 * values evenly spaced, in order) and a last one for validation accuracy;
 * one line per trial, coloured by validation accuracy, the chosen trial
 * drawn thicker.
 */
export function parallelCoordinatesSpec(
  trials: TrialPoint[],
  keys: string[],
): TopLevelSpec {
  const accuracyAxis = "validation accuracy";
  const axes = [...keys, accuracyAxis];
  const lows = Math.min(...trials.map((t) => t.valAccuracy));
  const highs = Math.max(...trials.map((t) => t.valAccuracy));
  const lines: Record<string, unknown>[] = [];
  const labels = new Map<string, Record<string, unknown>>();
  for (const [index, t] of trials.entries()) {
    for (const axis of axes) {
      let position: number;
      let label: string;
      if (axis === accuracyAxis) {
        position = highs > lows ? (t.valAccuracy - lows) / (highs - lows) : 0.5;
        label = `${(100 * t.valAccuracy).toFixed(1)}%`;
      } else {
        const order = orderedValues(trials.map((u) => u.params[axis] ?? "–"))
          .map(String);
        const value = String(t.params[axis] ?? "–");
        position = order.length > 1
          ? order.indexOf(value) / (order.length - 1)
          : 0.5;
        label = value;
      }
      lines.push({
        index,
        axis,
        position,
        valAccuracy: t.valAccuracy,
        width: t.chosen ? 3 : 1.2,
      });
      const show = axis !== accuracyAxis || t.valAccuracy === lows ||
        t.valAccuracy === highs;
      if (show) labels.set(`${axis}|${label}`, { axis, position, label });
    }
  }
  const x = {
    field: "axis",
    type: "nominal",
    title: null,
    scale: { domain: axes },
    axis: {
      labelAngle: 0,
      orient: "bottom",
      domain: false,
      ticks: false,
      labelPadding: 8,
      labelFontWeight: "bold",
    },
  };
  const y = {
    field: "position",
    type: "quantitative",
    scale: { domain: [-0.06, 1.06] },
    axis: null,
  };
  return {
    width: Math.max(240, 110 * axes.length),
    height: 180,
    config: { font: "sans-serif", view: { stroke: null } },
    layer: [
      {
        data: { values: axes.map((axis) => ({ axis })) },
        mark: { type: "rule", color: "#999" },
        encoding: {
          x,
          y: { datum: 0, type: "quantitative", scale: y.scale, axis: null },
          y2: { datum: 1 },
        },
      },
      {
        data: { values: lines },
        mark: { type: "line", opacity: 0.85 },
        encoding: {
          x,
          y,
          detail: { field: "index", type: "nominal" },
          color: {
            field: "valAccuracy",
            type: "quantitative",
            title: "validation accuracy",
            scale: { scheme: "viridis" },
            legend: { format: ".0%" },
          },
          strokeWidth: { field: "width", type: "quantitative", legend: null },
        },
      },
      {
        data: { values: [...labels.values()] },
        mark: { type: "text", align: "left", dx: 4, fontSize: 10 },
        encoding: { x, y, text: { field: "label" } },
      },
    ],
  } as TopLevelSpec;
}
