/**
 * Search sections: a successive-halving search's trial table shows the rung
 * each trial stopped at (and the rungs above it); an exhaustive search's
 * table has no such column; a grid of ours says so; one search run both
 * ways is compared.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import type { ReportRun } from "./report_runs.ts";
import { groupSearches, strategyPairs } from "./searches.ts";
import { strategyComparisonHtml, strategyCost } from "./strategy_comparison.ts";
import { searchSection } from "./search_section.ts";

function fakeRun(
  name: string,
  params: Record<string, unknown>,
  metrics: Record<string, unknown>,
  historyLength = 0,
): ReportRun {
  const id = `${name.replaceAll(/\W+/g, "-")}-${
    Object.values(params).join("-")
  }`;
  return {
    dir: `runs/${id}`,
    metrics,
    history: Array.from({ length: historyLength }, (_, epoch) => ({ epoch })),
    run: {
      id,
      name,
      params,
      seed: 5,
      dataset: { id: "d", fingerprint: "f" },
      splits: {},
      backend: { name: "cpu", device: "CPU" },
      tags: { study: "000", profile: "full" },
      status: "complete",
      versions: {},
      startedAt: "",
      files: [],
    },
  };
}

/** The trial table of a section: header cells and rows of cell texts (tags stripped). */
function tableOf(html: string): { header: string[]; rows: string[][] } {
  const table = html.match(/<table[^>]*>.*?<\/table>/s)![0];
  const text = (cell: string) => cell.replace(/<[^>]+>/g, "");
  const cells = (row: string, tag: string) =>
    [...row.matchAll(new RegExp(`<${tag}[^>]*>(.*?)</${tag}>`, "gs"))].map((
      m,
    ) => text(m[1]));
  const body = table.match(/<tbody>(.*)<\/tbody>/s)![1];
  return {
    header: cells(table.match(/<thead>(.*)<\/thead>/s)![1], "th"),
    rows: [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map((m) =>
      cells(m[1], "td")
    ),
  };
}

let svg = 0;
const svgId = () => `s${svg++}`;

Deno.test("search section: a halving search's table shows the rung each trial stopped at", async () => {
  const halving = { search: "halving", halvingEta: 2, halvingMinEpochs: 1 };
  const trial = (k: number, rungs: number[]) =>
    fakeRun("H trial", { k, ...halving }, {
      valAccuracy: rungs.at(-1),
      stoppedAtRung: rungs.length - 1,
      rungEpochs: [1, 2].slice(0, rungs.length),
      rungValAccuracy: rungs,
    }, rungs.length);
  // k 1 and k 2 dropped after rung 0 (k 2 with the highest rung-0 accuracy
  // of the dropped, still below both kept), k 3 and k 4 went on.
  const trials = [
    trial(1, [0.3]),
    trial(2, [0.45]),
    trial(3, [0.5, 0.55]),
    trial(4, [0.6, 0.7]),
  ];
  const test = fakeRun("H test", {
    k: 4,
    selectedFrom: trials[3].run.id,
    candidates: 4,
    search: "halving",
  }, { testAccuracy: 0.6, valAccuracy: 0.7 });
  const [group] = groupSearches([...trials, test]);
  assertEquals(group.halving, { rungEpochs: [1, 2], trialsPerRung: [4, 2] });
  assertEquals(group.trials.map((t) => t.params.k), [4, 3, 2, 1]);
  assertEquals(group.trials.map((t) => t.stoppedAtRung), [1, 1, 0, 0]);
  assertEquals(group.chosenId, trials[3].run.id);
  const html = await searchSection(group, "reports", svgId);
  const { header, rows } = tableOf(html);
  assertEquals(header, [
    "rank",
    "k",
    "validation accuracy",
    "stopped at rung",
    "epochs",
    "seconds",
    "trial record",
  ]);
  assertEquals(rows.map((r) => r[3]), [
    "1 (2 epochs)",
    "1 (2 epochs)",
    "0 (1 epoch)",
    "0 (1 epoch)",
  ]);
  assertEquals(rows.map((r) => r[4]), ["2", "2", "1", "1"]);
  assert(rows[0][6].startsWith("chosen"), rows[0][6]);
  assert(
    html.includes(
      "Successive halving: rung 0 at 1 epoch (4 trials), rung 1 at 2 epochs (2 trials)",
    ),
    "the rungs above the table",
  );
});

Deno.test("search section: an exhaustive search's table has no rung column", async () => {
  const trials = [
    fakeRun("E trial", { k: 1 }, { valAccuracy: 0.4 }, 3),
    fakeRun("E trial", { k: 2 }, { valAccuracy: 0.6 }, 3),
  ];
  const [group] = groupSearches(trials);
  assertEquals(group.halving, undefined);
  assert(group.trials.every((t) => !("stoppedAtRung" in t)));
  const html = await searchSection(group, "reports", svgId);
  assertEquals(tableOf(html).header, [
    "rank",
    "k",
    "validation accuracy",
    "epochs",
    "seconds",
    "trial record",
  ]);
  assert(!html.includes("halving"), "no halving line");
});

Deno.test("search section: a grid of ours says so, with the study's published setting", async () => {
  const ours = (k: number, acc: number) => {
    const run = fakeRun("M trial", { k }, { valAccuracy: acc }, 2);
    run.run.tags = { ...run.run.tags, grid: "ours", studySetting: "kernel 3" };
    return run;
  };
  const [group] = groupSearches([ours(3, 0.5), ours(5, 0.7)]);
  assertEquals(group.ours, { studySetting: "kernel 3" });
  const html = await searchSection(group, "reports", svgId);
  assert(
    html.includes(
      "The grid is ours: the study publishes the setting it chose (kernel 3)",
    ),
    html,
  );
  const [studyGrid] = groupSearches([
    fakeRun("S trial", { k: 3 }, { valAccuracy: 0.5 }, 2),
  ]);
  assertEquals(studyGrid.ours, undefined);
  assert(
    !(await searchSection(studyGrid, "reports", svgId)).includes(
      "grid is ours",
    ),
  );
});

Deno.test("one search run both ways makes two groups, paired, with winners and costs compared", () => {
  const exhaustive = [
    fakeRun("G trial", { k: 3 }, { valAccuracy: 0.5 }, 10),
    fakeRun("G trial", { k: 5 }, { valAccuracy: 0.7 }, 12),
  ];
  const halving = [
    fakeRun("G trial", { k: 3, search: "halving" }, {
      valAccuracy: 0.4,
      stoppedAtRung: 0,
      rungEpochs: [2],
    }, 2),
    fakeRun("G trial", { k: 5, search: "halving" }, {
      valAccuracy: 0.75,
      stoppedAtRung: 1,
      rungEpochs: [2, 6],
    }, 6),
  ];
  for (const r of [...exhaustive, ...halving]) r.run.durationSeconds = 10;
  const groups = groupSearches([...exhaustive, ...halving]);
  assertEquals(groups.map((g) => g.strategy).sort(), ["exhaustive", "halving"]);
  const pairs = strategyPairs(groups);
  assertEquals(pairs.length, 1);
  const html = strategyComparisonHtml(pairs[0]);
  assert(html.includes("Both chose the same setting"), html);
  assert(html.includes("trained 36% of the plain grid's epochs"), html);
  const [plain, halved] = [pairs[0].exhaustive, pairs[0].halving].map((g) =>
    strategyCost(g, ["k"])
  );
  assertEquals([plain.epochs, halved.epochs], [22, 8]);
  assertEquals([plain.chosen, halved.chosen], ["k 5", "k 5"]);
  assertEquals(plain.seconds, 20);
});
