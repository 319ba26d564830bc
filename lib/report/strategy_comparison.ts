/**
 * One search run both ways in the report: the studies' plain grid
 * (exhaustive: every candidate to the profile's epochs) beside successive
 * halving (short rungs, the best third trained on). Whether they chose the
 * same setting, how each chosen model tested, and what each cost: trials,
 * epochs trained (the trials' history lengths; a halving trial's history
 * spans its rungs) and training seconds (the trials' recorded wall time).
 *
 * @module
 */
import type { ClassifierMetrics } from "../runs/classifier_metrics.ts";
import { formatPercent as percent } from "../eval/format.ts";
import type { SearchGroup, StrategyPair } from "./searches.ts";
import { escape, runLink, table } from "./html.ts";

/** What a search chose and what it cost. */
export interface StrategyCost {
  strategy: "exhaustive" | "halving";
  trials: number;
  /** Epochs trained over all trials. */
  epochs: number;
  /** Training wall time over all trials, seconds. */
  seconds: number;
  /** The chosen trial's varying hyperparameters, e.g. `kernelSize 5, filters 96`. */
  chosen: string;
  /** The chosen trial's validation accuracy. */
  valAccuracy: number;
  /** The chosen configuration's test accuracy (null before its test). */
  testAccuracy: number | null;
}

/** The cost and choice of one search group. */
export function strategyCost(
  group: SearchGroup,
  dimensions: string[],
): StrategyCost {
  const chosen = group.trials.find((t) => t.run.run.id === group.chosenId) ??
    group.trials[0];
  const test = group.test?.metrics as unknown as ClassifierMetrics | undefined;
  return {
    strategy: group.strategy,
    trials: group.trials.length,
    epochs: group.trials.reduce((sum, t) => sum + t.run.history.length, 0),
    seconds: group.trials.reduce(
      (sum, t) => sum + (t.run.run.durationSeconds ?? 0),
      0,
    ),
    chosen: dimensions.map((k) => `${k} ${chosen.params[k]}`).join(", "),
    valAccuracy: chosen.valAccuracy,
    testAccuracy: typeof test?.accuracy === "number" ? test.accuracy : null,
  };
}

/** Both ways of one search: a sentence on the winners and a table of choices and costs. */
export function strategyComparisonHtml(pair: StrategyPair): string {
  const dimensions = [
    ...new Set([...pair.exhaustive.varying, ...pair.halving.varying]),
  ].filter((k) => k !== "search" && !k.startsWith("halving"));
  const costs = [pair.exhaustive, pair.halving].map((g) =>
    strategyCost(g, dimensions)
  );
  const [plain, halving] = costs;
  const same = plain.chosen === halving.chosen;
  const ratio = plain.epochs > 0 ? halving.epochs / plain.epochs : NaN;
  const rows = costs.map((c, i) => {
    const group = i === 0 ? pair.exhaustive : pair.halving;
    return [
      escape(c.strategy),
      String(c.trials),
      String(c.epochs),
      c.seconds.toFixed(0),
      escape(c.chosen || "the only candidate"),
      percent(c.valAccuracy),
      group.test
        ? `${percent(c.testAccuracy)} (${runLink(group.test)})`
        : "not tested yet",
    ];
  });
  return `<section class="search"><h4>${
    escape(pair.exhaustive.name)
  }: the plain grid beside successive halving <small>(profile ${
    escape(pair.exhaustive.profile)
  }; seed ${pair.exhaustive.seed})</small></h4>
<p>${
    same ? "Both chose the same setting" : "They chose different settings"
  }; successive halving trained ${
    plain.epochs > 0 ? `${(ratio * 100).toFixed(0)}%` : "–"
  } of the plain grid's epochs.</p>
${
    table([
      "strategy",
      "trials",
      "epochs trained",
      "training seconds",
      "chosen",
      "validation",
      "test",
    ], rows)
  }</section>`;
}
