/**
 * Study 000's model catalog on real product photos (10 per class): the
 * three combined Trousers&Jeans models differ exactly as the study says,
 * runs are tagged with study, profile, model and level, and notebook 08's
 * re-test finds a trained model's record, predicts its test set again
 * without training, and lists untrained models with their notebook.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { selectBackend } from "../../backend.ts";
import { readRun } from "../../runs/record.ts";
import { scanRuns } from "../../runs/run_index.ts";
import { loadLevel } from "./data.ts";
import { specParams, trainStudyModel } from "./train.ts";
import {
  STUDY_000_BEST,
  TROUSERS_JEANS_COMBINED,
  WIDE_DENSE_LEARNING_RATE,
} from "./specs.ts";
import { categoryModels, STUDY_000_CATALOG } from "./catalog.ts";
import { resultsTable, testAllModels } from "./test_all.ts";
import { smallShopSource, tinyProfile } from "../../testing/s000_fixture.ts";
import { temporaryDir } from "../../testing/temp_dir.ts";

const backend = await selectBackend();

Deno.test("the three combined Trousers&Jeans models: same base, L2 1e-5 or dropout 0.4, distinct run parameters", () => {
  const { All, All_L2, All_Dropout } = TROUSERS_JEANS_COMBINED;
  const params = [All, All_L2, All_Dropout].map((s) =>
    JSON.stringify(specParams(s))
  );
  assertEquals(new Set(params).size, 3);
  for (const spec of [All, All_L2, All_Dropout]) {
    assertEquals(spec.options.kernelSize, 7);
    assertEquals(spec.options.kernelSize2, 3);
    assertEquals(spec.options.filters, 96);
    assertEquals(spec.options.denseSize, 512);
    assertEquals(spec.learningRate, WIDE_DENSE_LEARNING_RATE);
  }
  assertEquals(All.options.l2, undefined);
  assertEquals(All_L2.options.l2, 1e-5);
  assertEquals(All_Dropout.options.architecture, "dense-dropout");
  assertEquals(All_Dropout.options.dropout, 0.4);
  assertEquals(
    categoryModels("Trousers & Jeans").map((m) => `${m.spec.name}/${m.level}`),
    [
      "Trousers&Jeans_All/All",
      "Trousers&Jeans_All_L2/All",
      "Trousers&Jeans_All_Dropout/All",
      "Trousers&Jeans_Gender/Gender",
      "Trousers&Jeans_Male/Male",
      "Trousers&Jeans_Female/Female",
    ],
  );
  assertEquals(
    new Set(STUDY_000_CATALOG.map((e) => `${e.study}/${e.model}`)).size,
    STUDY_000_CATALOG.length,
  );
});

Deno.test({
  name:
    "a trained model is tagged and re-tested from its record without training; untrained ones name their notebook",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await using rootDir = await temporaryDir("runs_");
    const root = rootDir.path;
    const source = await smallShopSource();
    const profile = tinyProfile();
    const context = { profile, backend, seed: 9 };
    const spec = STUDY_000_BEST["Trousers & Jeans"].Male;
    const data = await loadLevel(
      source,
      "Trousers & Jeans",
      "Male",
      profile,
      9,
    );
    const trained = await trainStudyModel(context, {
      spec,
      level: "Male",
      data,
      source,
      category: "Trousers&Jeans",
      runsRoot: root,
    });
    const run = await readRun(trained.dir);
    assertEquals(run?.tags, {
      study: "000",
      profile: "smoke",
      standIn: source.standIn!,
      model: "Trousers&Jeans_Male",
      level: "Male",
      category: "Trousers&Jeans",
    });
    assertEquals(run?.params.learningRate, 1e-4);

    const before = (await scanRuns(root)).runs.length;
    const rows = await testAllModels(source, profile, STUDY_000_CATALOG, root);
    assertEquals((await scanRuns(root)).runs.length, before, "no new runs");
    const male = rows.find((r) => r.model === "Trousers&Jeans_Male")!;
    assertEquals(male.runId, trained.runId);
    assertEquals(male.metrics!.n, data.test.labels.length);
    assertEquals(male.metrics!.accuracy, trained.metrics.accuracy);
    assertEquals(male.agreeing, male.metrics!.n);
    assertEquals(male.published, 0.872);
    const others = rows.filter((r) => r !== male);
    assertEquals(others.length, STUDY_000_CATALOG.length - 1);
    assert(others.every((r) => r.metrics === undefined && r.notebook));
    assertEquals(
      rows.find((r) => r.model === "Trousers&Jeans_All")!.notebook,
      "05_trousers_jeans",
    );
    // Another profile's table does not pick up this run.
    const course = await testAllModels(
      source,
      { ...profile, name: "course" },
      STUDY_000_CATALOG,
      root,
    );
    assert(course.every((r) => r.metrics === undefined));
    const table = resultsTable(rows);
    assert(table.includes(trained.runId) && table.includes("87.20%"));
  },
});
