/**
 * The report's table of photo checks: one row per checked model, and a
 * model trained with several seeds says which seed each row is.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { photoChecksSummary } from "./photo_checks.ts";
import type { ReportRun } from "./report_runs.ts";

function model(id: string, name: string, seed: number): ReportRun {
  return {
    run: { id, name, seed, dataset: { id: "stand-in" } },
    dir: id,
    metrics: { accuracy: 0.99, n: 148 },
    history: [],
  } as unknown as ReportRun;
}

function check(id: string, modelRunId: string): ReportRun {
  return {
    run: {
      id,
      name: `${modelRunId} on shop`,
      dataset: { id: "fashion-shop-samples" },
    },
    dir: id,
    metrics: {
      modelRunId,
      accuracy: 0.9,
      n: 10,
      wilson95: { low: 0.6, high: 0.98 },
      perClass: [{ className: "Shoes", n: 10, correct: 9 }],
    },
    history: [],
  } as unknown as ReportRun;
}

Deno.test("photoChecksSummary: a row per model, with the seed where one model has several", () => {
  const runs = [
    model("robust-s42", "Primary variant robust", 42),
    model("robust-s43", "Primary variant robust", 43),
    model("study-s42", "Primary variant study", 42),
  ];
  const checks = runs.map((r) => check(`${r.run.id}-shop`, r.run.id));
  const html = photoChecksSummary(checks, runs);
  assertEquals(html.match(/<tr/g)?.length, 4); // header + 3 models
  assert(html.includes(">Primary variant robust (seed 42)</a>"), html);
  assert(html.includes(">Primary variant robust (seed 43)</a>"), html);
  assert(html.includes(">Primary variant study</a>"), html);
  assert(!html.includes("study (seed"), html);
});
