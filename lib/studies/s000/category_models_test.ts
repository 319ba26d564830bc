/**
 * Study 000's category models train with each of the profile's seeds: one
 * run record per seed (same name and parameters), the context's seed
 * first, and the spread of their test accuracies. Handed to two local
 * worker processes as jobs, they leave the same records as trained here.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { selectBackend } from "../../backend.ts";
import { readRun } from "../../runs/record.ts";
import { seedGroup } from "../../runs/run_id.ts";
import { smallShopSource, tinyProfile } from "../../testing/s000_fixture.ts";
import { LocalWorkers } from "../../execute/local_workers.ts";
import { withSearchExecution } from "../../execute/search_runs.ts";
import { comparableRecords } from "../../testing/comparable_records.ts";
import { CATEGORY_MODEL_JOBS, trainCategoryModels } from "./category_models.ts";
import { temporaryDir } from "../../testing/temp_dir.ts";

const backend = await selectBackend();

Deno.test({
  name: "category models: one run per seed of the profile, with their spread",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await using rootDir = await temporaryDir("runs_");
    const root = rootDir.path;
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

Deno.test({
  name:
    "category models as jobs: two local workers leave the records of training here",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const source = await smallShopSource();
    const context = { profile: tinyProfile(), backend, seed: 7 };
    await using hereDir = await temporaryDir("runs_here_");
    const here = hereDir.path;
    await using jobsDir = await temporaryDir("runs_jobs_");
    const jobs = jobsDir.path;
    const trained = await trainCategoryModels(context, source, "Shoes", here);
    const lines: string[] = [];
    const viaJobs = await withSearchExecution(
      {
        executor: new LocalWorkers(2, (line) => lines.push(line)),
        searches: [CATEGORY_MODEL_JOBS],
      },
      () => trainCategoryModels(context, source, "Shoes", jobs),
    );
    assert(
      lines.some((l) => /4 job\(s\)/.test(l)),
      `one batch of the four models:\n${lines.join("\n")}`,
    );
    // The jobs trained every run (none was there to reuse).
    assert(viaJobs.every((m) => !m.run.reused));
    assertEquals(
      viaJobs.map((m) => m.run.metrics),
      trained.map((m) => m.run.metrics),
    );
    assertEquals(await comparableRecords(jobs), await comparableRecords(here));
  },
});
