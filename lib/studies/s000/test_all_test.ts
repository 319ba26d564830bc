import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { RunJson } from "../../runs/run_json.ts";
import { runId } from "../../runs/run_id.ts";
import type { CatalogEntry } from "./catalog.ts";
import { findModelRun } from "./test_all.ts";

/** A complete record of `name` with `params` and `seed`, finished at minute `minute`. */
function record(
  name: string,
  params: Record<string, unknown>,
  seed: number,
  minute: number,
  tags: Record<string, string> = {},
): { dir: string; run: RunJson } {
  const id = runId(name, params, seed);
  return {
    dir: `/runs/${id}`,
    run: {
      id,
      name,
      params,
      seed,
      status: "complete",
      dataset: { id: "d", fingerprint: "f" },
      splits: { train: 1, validation: 1, test: 1 },
      backend: { name: "cpu", device: "cpu" },
      tags: {
        study: "000",
        model: "Primary_Classification",
        profile: "full",
        ...tags,
      },
      versions: {},
      startedAt: "2026-11-30T10:00:00Z",
      finishedAt: `2026-11-30T11:${String(minute).padStart(2, "0")}:00Z`,
      files: ["model/model.json"],
    } as RunJson,
  };
}

const entry = (search: boolean): CatalogEntry => ({
  study: "000",
  model: "Primary_Classification",
  level: "Primary",
  notebook: "03",
  search,
  load: () => Promise.reject(new Error("not loaded here")),
});

Deno.test("the model re-tested is the first seed's: a search winner's further seeds and a model's later seeds are passed over", () => {
  const params = { kernelSize: 3, selectedFrom: "trial-s42" };
  const test = record("Primary_Classification test", params, 42, 1);
  // Trained later, so the latest by time, but each is a further seed.
  const replicates = [43, 44].map((seed, i) =>
    record("Primary_Classification test", params, seed, 2 + i, {
      seedReplicateOf: test.run.id,
    })
  );
  const trial = record(
    "Primary_Classification trial",
    { kernelSize: 3 },
    42,
    9,
  );
  assertEquals(
    findModelRun([trial, ...replicates, test], entry(true), "full")?.run.id,
    test.run.id,
  );
  // A model trained with three seeds (same name and parameters): the first.
  const seeds = [42, 43, 44].map((seed) =>
    record("Primary_Classification", { kernelSize: 3 }, seed, seed - 40)
  );
  assertEquals(
    findModelRun(seeds, entry(false), "full")?.run.id,
    seeds[0].run.id,
  );
  // Two different runs: the latest.
  const other = record("Primary_Classification", { kernelSize: 5 }, 42, 30);
  assertEquals(
    findModelRun([...seeds, other], entry(false), "full")?.run.id,
    other.run.id,
  );
  assertEquals(findModelRun(seeds, entry(false), "course"), undefined);
});
