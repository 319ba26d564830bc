/**
 * The Markdown table of every published number beside ours per profile:
 * one row per published number, ours in the column of the run's profile
 * with count, Wilson interval (no t interval) and the stand-in marked, `—`
 * where a profile has no run.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { PUBLISHED } from "../published/published.ts";
import { writeSampleRecords } from "../testing/sample_records.ts";
import { readCompleteRuns } from "./build.ts";
import { publishedTable } from "./published_table.ts";
import { temporaryDir } from "../testing/temp_dir.ts";

Deno.test("published table: a row per published number, ours per profile with n and interval", async () => {
  await using rootDir = await temporaryDir("published_");
  const root = rootDir.path;
  await writeSampleRecords(root);
  const runs = await readCompleteRuns(root);
  const lines = publishedTable(runs, ["course", "smoke"]).split("\n");
  assertEquals(
    lines[0],
    "| study | model (metric) | published | ours, `course` | ours, `smoke` |",
  );
  assertEquals(lines.length, 2 + PUBLISHED.length);
  const cells = (model: string) =>
    lines.find((l) => l.includes(`| ${model} |`))!.split(" | ");
  const s004 = cells("Fashion-MNIST CNN (test accuracy)");
  assertEquals(s004[2], "89.0%");
  assertEquals(s004[3], "—");
  assertEquals(
    s004[4],
    "Study 004 Fashion-MNIST CNN: 83.5% (167 of 200; 95% Wilson 77.7%–88.0%) |",
  );
  const points = cells("Shoes combined (points)");
  assertEquals(points[2], "981");
  assert(points[4].includes("50 / 80") && points[4].includes("stand-in"));
  // A published number without any run of ours keeps its row.
  assertEquals(cells("Glasses&Sunglasses (test accuracy)").slice(3), [
    "—",
    "— |",
  ]);
  assert(!lines.some((l) => /, t \d/.test(l)), "no t intervals");
});
