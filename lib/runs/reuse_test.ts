/** A complete run is reused only for the data it was made from. */
import {
  deepStrictEqual as assertEquals,
  rejects as assertRejects,
} from "node:assert/strict";
import { completeRunMetrics, RunRecord } from "./record.ts";
import { temporaryDir } from "../testing/temp_dir.ts";

Deno.test("completeRunMetrics reuses a run of the same data and refuses one made from other data", async () => {
  await using rootDir = await temporaryDir("test_");
  const root = rootDir.path;
  const dataset = { id: "fashion-product-images", fingerprint: "a".repeat(64) };
  const run = await RunRecord.start({
    name: "reuse",
    params: { k: 1 },
    seed: 1,
    dataset,
    splits: { test: 2 },
    backend: { name: "cpu", device: "CPU" },
  }, { root });
  await run.writeMetrics({ accuracy: 0.5 });
  await run.complete();
  assertEquals(await completeRunMetrics(run.dir), { accuracy: 0.5 });
  assertEquals(await completeRunMetrics(run.dir, dataset), { accuracy: 0.5 });
  await assertRejects(
    () =>
      completeRunMetrics(run.dir, { ...dataset, fingerprint: "b".repeat(64) }),
    /run made from other data \(fashion-product-images aaaaaaaaaaaaaaaa\) than this run's \(fashion-product-images bbbbbbbbbbbbbbbb\)/,
  );
  assertEquals(await completeRunMetrics(`${root}/none`, dataset), null);
});
