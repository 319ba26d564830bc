/**
 * The report's table of photo checks: one row per checked model; a model
 * name with several rows says each row's profile (and cap of training
 * photos, where the run has one of its own) and seed, and a model
 * trained with several seeds at one profile gets a row of its mean,
 * standard deviation and range over the seeds.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { photoChecksSummary } from "./photo_checks.ts";
import type { ReportRun } from "./report_runs.ts";

function model(
  id: string,
  name: string,
  seed: number,
  profile: string,
  accuracy: number,
  params: Record<string, unknown> = {},
): ReportRun {
  return {
    run: {
      id,
      name,
      seed,
      params,
      tags: { profile },
      dataset: { id: "stand-in" },
    },
    dir: id,
    metrics: { accuracy, n: 148 },
    history: [],
  } as unknown as ReportRun;
}

function check(modelRunId: string, correct: number): ReportRun {
  return {
    run: {
      id: `${modelRunId}-shop`,
      name: `${modelRunId} on shop`,
      dataset: { id: "fashion-shop-samples" },
    },
    dir: `${modelRunId}-shop`,
    metrics: {
      modelRunId,
      accuracy: correct / 10,
      n: 10,
      wilson95: { low: 0.6, high: 0.98 },
      perClass: [
        { className: "Shoes", n: 10, correct },
        { className: "Glasses", n: 0, correct: 0 },
      ],
    },
    history: [],
  } as unknown as ReportRun;
}

Deno.test("photoChecksSummary: rows say profile and seed where a name repeats, and a mean row per model with several seeds", () => {
  const runs = [
    model("robust-s42", "Primary variant robust", 42, "course", 0.99),
    model("robust-s43", "Primary variant robust", 43, "course", 0.97),
    model("robust-full-s42", "Primary variant robust", 42, "full", 1),
    model("study-s42", "Primary variant study", 42, "course", 0.98),
  ];
  const checks = [
    check("robust-s42", 8),
    check("robust-s43", 6),
    check("robust-full-s42", 9),
    check("study-s42", 5),
  ];
  const html = photoChecksSummary(checks, runs);
  assertEquals(html.match(/<tr/g)?.length, 1 + 4 + 1); // header, 4 models, 1 mean
  assert(html.includes(">Primary variant robust (course, seed 42)</a>"), html);
  assert(html.includes(">Primary variant robust (course, seed 43)</a>"), html);
  assert(html.includes(">Primary variant robust (full, seed 42)</a>"), html);
  assert(html.includes(">Primary variant study</a>"), html);
  assert(
    html.includes(
      "<i>Primary variant robust (course): mean over 2 seeds</i>",
    ),
    html,
  );
  // Stand-in 99% and 97%: mean 98.0%, sd 1.4 points; shop 80% and 60%.
  assert(html.includes("98.0% <small>(sd 1.4 points; 97.0%–99.0%)"), html);
  assert(
    html.includes(
      "70.0% <small>(sd 14.1 points; 60.0%–80.0%)<br>Shoes 6–8/10</small>",
    ),
    html,
  );
  assert(!html.includes("Glasses 0"), "a class without photos is left out");
  const same = photoChecksSummary(
    [check("robust-s42", 8), check("robust-s43", 8)],
    runs,
  );
  assert(
    same.includes("<br>Shoes 8/10</small>"),
    "one count where all seeds agree",
  );
  assert(!html.includes("study (course"), html);
  assert(!html.includes("(full): mean"), "one seed at full: no mean row");
  // A run of the data curve (its own cap of training photos) is a row of
  // its own and stays out of the mean of the runs at the profile's cap.
  const capped = model(
    "robust-200-s42",
    "Primary variant robust",
    42,
    "course",
    0.5,
    {
      trainPerClass: 200,
    },
  );
  const withCap = photoChecksSummary(
    [...checks, check("robust-200-s42", 1)],
    [...runs, capped],
  );
  assert(
    withCap.includes(
      ">Primary variant robust (course, at most 200 per class, seed 42)</a>",
    ),
    withCap,
  );
  assert(
    withCap.includes("98.0% <small>(sd 1.4 points; 97.0%–99.0%)"),
    withCap,
  );
});
