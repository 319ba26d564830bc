import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { writeSampleRecords } from "../testing/sample_records.ts";
import { PUBLISHED } from "../published/published.ts";
import { oursFor } from "./published_beside.ts";
import { readRunRecords } from "./report_runs.ts";
import { temporaryDir } from "../testing/temp_dir.ts";

Deno.test("a run made with several seeds is one number beside the published one, with the seeds' spread", async () => {
  await using rootDir = await temporaryDir("test_");
  const root = rootDir.path;
  const ids = await writeSampleRecords(root);
  // The same run with seed 2: another folder, another accuracy.
  const twin = ids.classifier.replace(/-s\d+$/, "-s2");
  await Deno.mkdir(join(root, twin));
  for (const f of ["history.json", "predictions.json"]) {
    await Deno.copyFile(join(root, ids.classifier, f), join(root, twin, f))
      .catch(() => {});
  }
  const run = JSON.parse(
    await Deno.readTextFile(join(root, ids.classifier, "run.json")),
  );
  await Deno.writeTextFile(
    join(root, twin, "run.json"),
    JSON.stringify({ ...run, id: twin, seed: 2 }),
  );
  const metrics = JSON.parse(
    await Deno.readTextFile(join(root, ids.classifier, "metrics.json")),
  );
  await Deno.writeTextFile(
    join(root, twin, "metrics.json"),
    JSON.stringify(metrics),
  );
  const { runs } = await readRunRecords(root);
  const published = PUBLISHED.find((p) =>
    p.study === "004" && p.metric === "test accuracy"
  )!;
  const ours = oursFor(published, runs);
  assertEquals(ours.length, 1);
  assertEquals(ours[0].run.run.seed, 1);
  assertEquals(ours[0].seeds?.n, 2);
  assert(ours[0].detail.includes("seeds 1, 2: mean"), ours[0].detail);
});

Deno.test("two runs that name each other as a pair get one more number: their mean, without an interval", async () => {
  await using rootDir = await temporaryDir("test_");
  const root = rootDir.path;
  const ids = await writeSampleRecords(root);
  const run = JSON.parse(
    await Deno.readTextFile(join(root, ids.classifier, "run.json")),
  );
  const metrics = JSON.parse(
    await Deno.readTextFile(join(root, ids.classifier, "metrics.json")),
  );
  const halves = ["half-a-s1", "half-b-s1"];
  for (const [k, id] of halves.entries()) {
    await Deno.mkdir(join(root, id));
    await Deno.writeTextFile(
      join(root, id, "run.json"),
      JSON.stringify({
        ...run,
        id,
        tags: { ...run.tags, pairedRun: halves[1 - k] },
      }),
    );
    await Deno.writeTextFile(
      join(root, id, "metrics.json"),
      JSON.stringify({ ...metrics }),
    );
  }
  const { runs } = await readRunRecords(root);
  const published = PUBLISHED.find((p) =>
    p.study === "004" && p.metric === "test accuracy"
  )!;
  const ours = oursFor(
    published,
    runs.filter((r) => halves.includes(r.run.id)),
  ).map((o) => ({ label: o.label, share: o.share, wilson: o.wilson }));
  assertEquals(ours.length, 3);
  assertEquals(ours[2].label, `${run.name}: mean of the two swapped halves`);
  assert(Math.abs(ours[2].share - metrics.accuracy) < 1e-12);
  assertEquals(ours[2].wilson, null);
});
