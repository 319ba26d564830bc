/**
 * The per-model searches of notebooks 05 and 06 as one Markdown table: each
 * model's published setting beside the setting our search chose, with the
 * chosen one's validation and test accuracy (n, 95% Wilson interval) and
 * the study's published test accuracy.
 *
 * @module
 */
import { formatPercent as percent } from "../../eval/format.ts";
import { publishedTestAccuracy } from "./catalog.ts";
import { formatSetting, type ModelSearchRun } from "./model_searches.ts";

/** The Markdown table of a category's searches (see the module notes). */
export function modelSearchTable(searches: ModelSearchRun[]): string {
  const header = [
    "model",
    "study's setting",
    "our search's choice",
    "candidates trained",
    "validation (choice)",
    "test (choice)",
    "95% Wilson",
    "published test",
    "test run",
  ];
  const line = (cells: (string | number)[]) =>
    `| ${cells.map((c) => String(c).replaceAll("|", "\\|")).join(" | ")} |`;
  return [
    line(header),
    line(header.map(() => "---")),
    ...searches.map((s) => {
      const dims = Object.keys(s.space);
      const m = s.result.metrics;
      const same = dims.every((k) =>
        s.result.best.params[k] === s.published[k]
      );
      return line([
        s.spec.name,
        formatSetting(dims, s.published, s.unpublished),
        same ? "the same" : formatSetting(dims, s.result.best.params),
        s.result.trials.length,
        percent(s.result.best.valAccuracy),
        `${percent(m.accuracy)} (${m.correct}/${m.n})`,
        `${percent(m.wilson95.low)}–${percent(m.wilson95.high)}`,
        percent(publishedTestAccuracy("000", s.spec.name), 2),
        s.result.testRunId,
      ]);
    }),
  ].join("\n");
}
