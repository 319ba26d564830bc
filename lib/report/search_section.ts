/**
 * A hyperparameter search in the report: the sortable trial table with the
 * chosen trial marked and its test result, and Vega-Lite views of
 * validation accuracy against each hyperparameter. A successive-halving
 * search also gets its rungs in a line above the table and a "stopped at
 * rung" column (exhaustive searches' sections are as they were).
 *
 * @module
 */
import type { ClassifierMetrics } from "../runs/classifier_metrics.ts";
import { formatPercent as percent } from "../eval/format.ts";
import {
  parallelCoordinatesSpec,
  trialScatterSpec,
  vegaLiteSvg,
} from "./vega_charts.ts";
import type { SearchGroup } from "./searches.ts";
import { formatSeedSpread, seedSpread } from "../eval/seed_spread.ts";
import { heads, type ReportRun, runKind } from "./report_runs.ts";
import {
  dataText,
  escape,
  folderHref,
  prefixSvgIds,
  runLink,
  table,
} from "./html.ts";
import { accuracyDetail } from "./published_beside.ts";

// ----------------------------------------------------------- searches

/** "1 epoch", "6 epochs". */
function epochsText(n: number): string {
  return `${n} epoch${n === 1 ? "" : "s"}`;
}

/** One hyperparameter search: sortable trial table, chosen trial, test result and Vega-Lite views. */
export async function searchSection(
  group: SearchGroup,
  reportDir: string,
  svgId: () => string,
): Promise<string> {
  const chosen = group.trials.find((t) => t.run.run.id === group.chosenId);
  const columns = group.varying;
  const halving = group.halving;
  const rungCell = (r: number | undefined) => {
    if (r === undefined) return { html: "–", sort: -1 };
    const epochs = halving?.rungEpochs[r];
    return {
      html: epochs === undefined ? String(r) : `${r} (${epochsText(epochs)})`,
      sort: r,
    };
  };
  const rows = group.trials.map((t, i) => [
    { html: String(i + 1), sort: i + 1 },
    ...columns.map((k) => {
      const v = t.params[k];
      return typeof v === "number"
        ? { html: escape(v), sort: v }
        : { html: escape(v ?? "–") };
    }),
    { html: percent(t.valAccuracy), sort: t.valAccuracy },
    ...(halving ? [rungCell(t.stoppedAtRung)] : []),
    { html: String(t.run.history.length), sort: t.run.history.length },
    t.run.run.durationSeconds === undefined ? { html: "–", sort: -1 } : {
      html: t.run.run.durationSeconds.toFixed(1),
      sort: t.run.run.durationSeconds,
    },
    {
      html: `${
        t.run.run.id === group.chosenId ? "<b>chosen</b> · " : ""
      }<a href="${escape(folderHref(t.run, reportDir))}/">${
        escape(t.run.run.id)
      }</a>`,
      sort: t.run.run.id === group.chosenId ? 0 : 1,
    },
  ]);
  const constant = Object.entries(group.constant).map(([k, v]) =>
    `${escape(k)} ${escape(v)}`
  ).join(", ");
  const test = group.test;
  const testLine = test
    ? (() => {
      const kind = runKind(test);
      const result = kind === "classifier"
        ? `test accuracy <b>${
          percent((test.metrics as unknown as ClassifierMetrics).accuracy)
        }</b> (${accuracyDetail(test.metrics as unknown as ClassifierMetrics)})`
        : kind === "multi-head"
        ? heads(test).map(([h, m]) => `${escape(h)} ${percent(m.accuracy)}`)
          .join(", ")
        : "evaluated";
      return `<p>Chosen by validation accuracy alone, then tested once: ${result}; see ${
        runLink(test)
      }.</p>${seedsLine(test, group.seedTests)}`;
    })()
    : `<p>No test record yet: the search has not finished. The best trial so far is marked.</p>`;
  const halvingLine = halving
    ? `<p>Successive halving: ${
      halving.trialsPerRung.map((n, r) =>
        `rung ${r} ${
          halving.rungEpochs[r] === undefined
            ? ""
            : `at ${epochsText(halving.rungEpochs[r])} `
        }(${n} trial${n === 1 ? "" : "s"})`
      ).join(", ")
    }; each rung kept its best trials by validation accuracy, and the last rung's best was chosen. Trials are ranked by the rung they reached, then validation accuracy.</p>\n`
    : "";
  const oursLine = group.ours
    ? `<p>The grid is ours: the study publishes the setting it chose${
      group.ours.studySetting ? ` (${escape(group.ours.studySetting)})` : ""
    }, not the values it searched.</p>\n`
    : "";
  const points = group.trials.map((t) => ({
    params: t.params,
    valAccuracy: t.valAccuracy,
    chosen: t.run.run.id === group.chosenId,
  }));
  let charts = "";
  if (columns.length && group.trials.length > 1) {
    charts += `<figure>${
      prefixSvgIds(
        await vegaLiteSvg(trialScatterSpec(points, columns)),
        svgId(),
      )
    }<figcaption>Validation accuracy against each hyperparameter (red: the chosen trial)</figcaption></figure>`;
    if (columns.length > 1) {
      charts += `<figure>${
        prefixSvgIds(
          await vegaLiteSvg(parallelCoordinatesSpec(points, columns)),
          svgId(),
        )
      }<figcaption>Parallel coordinates: one line per trial, coloured by validation accuracy (thick: chosen)</figcaption></figure>`;
    }
  }
  return `<section class="search"><h4>Search: ${
    escape(group.name)
  } <small>(${group.trials.length} trials; profile ${
    escape(group.profile || "?")
  }; ${escape(group.dataset)}; seed ${group.seed})</small></h4>
<p>${
    chosen
      ? `Chosen: ${
        columns.map((k) => `${escape(k)} ${escape(chosen.params[k])}`).join(
          ", ",
        ) || "the only candidate"
      } at ${percent(chosen.valAccuracy)} validation accuracy. `
      : ""
  }${constant ? `Every trial: ${constant}.` : ""} Data: ${
    dataText(group.trials[0].run)
  }; ${escape(group.trials[0].run.run.backend.name)} on ${
    escape(group.trials[0].run.run.backend.device)
  }.</p>
${testLine}
${oursLine}${halvingLine}${
    table(
      [
        "rank",
        ...columns,
        "validation accuracy",
        ...(halving ? ["stopped at rung"] : []),
        "epochs",
        "seconds",
        "trial record",
      ],
      rows,
      {
        sortable: true,
        rowClass: (i) =>
          group.trials[i].run.run.id === group.chosenId ? "chosen" : "",
      },
    )
  }
<p class="note">Click a column header to sort (the table reads the same without script).</p>
<div class="charts">${charts}</div></section>`;
}

/**
 * The chosen configuration's further seeds (a classifier's): each seed's
 * test accuracy and the spread over all of them; empty without any.
 */
function seedsLine(test: ReportRun, seedTests: ReportRun[]): string {
  const all = [test, ...seedTests];
  if (!seedTests.length || !all.every((r) => runKind(r) === "classifier")) {
    return "";
  }
  const accuracy = (r: ReportRun) =>
    (r.metrics as unknown as ClassifierMetrics).accuracy;
  return `\n<p>The chosen configuration trained again from scratch with seed${
    seedTests.length === 1 ? "" : "s"
  } ${seedTests.map((r) => r.run.seed).join(", ")} and tested: ${
    seedTests.map((r) => `${percent(accuracy(r))} (${runLink(r)})`).join(", ")
  }; over the ${all.length} seeds ${
    escape(formatSeedSpread(seedSpread(all.map(accuracy))))
  }. Nothing was chosen by them.</p>`;
}
