/**
 * Study 000's category models train with each of the profile's seeds: one
 * run record per seed (same name and parameters), the context's seed
 * first, and the spread of their test accuracies.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { selectBackend } from "../../backend.ts";
import { readRun } from "../../runs/record.ts";
import { seedGroup } from "../../runs/run_id.ts";
import { smallShopSource, tinyProfile } from "../../testing/s000_fixture.ts";
import { trainCategoryModels } from "./category_models.ts";

const backend = await selectBackend();

Deno.test({
  name: "category models: one run per seed of the profile, with their spread",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "runs_" });
    const source = await smallShopSource();
    const context = {
      profile: tinyProfile({ seedReplicates: 2 }),
      backend,
      seed: 7,
    };
    const models = await trainCategoryModels(
      context,
      source,
      "Trousers & Jeans",
      root,
    );
    for (const m of models) {
      assertEquals(m.seedRuns.length, 2);
      assertEquals(m.run, m.seedRuns[0]);
      const runs = await Promise.all(m.seedRuns.map((r) => readRun(r.dir)));
      assertEquals(runs.map((r) => r?.seed), [7, 8]);
      assertEquals(runs[0]?.params, runs[1]?.params);
      assertEquals(
        seedGroup(m.seedRuns[0].runId),
        seedGroup(m.seedRuns[1].runId),
      );
      assertEquals(m.seeds.n, 2);
      assert(m.seeds.min <= m.seeds.max);
    }
  },
});
