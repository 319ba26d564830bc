/**
 * Study 003 on the real product photos (dataset mirror) at smoke size: the
 * label rule, the stratified seeded split and its caps, decoding and the
 * cache, the run record with three heads, and the tuning search (kernel
 * size x filters x dense units x BatchNorm x dropout, a grid of ours): its
 * candidates per profile, every value reaching the trained network and its
 * record, and the choice by validation accuracy.
 */
import { LocalWorkers } from "../../execute/local_workers.ts";
import { withSearchExecution } from "../../execute/search_runs.ts";
import { comparableRecords } from "../../testing/comparable_records.ts";
import { STUDY_003_RUN_NAME } from "./run_jobs.ts";
import { join } from "node:path";
import { selectBackend } from "../../backend.ts";
import { getProfile, type Profile } from "../../profiles.ts";
import { datasetDir } from "../../testing/mirror.ts";
import { decodeToRgb } from "../../data/images/decode.ts";
import { readRun } from "../../runs/record.ts";
import {
  applyStudy003LabelRule,
  headCounts,
  type ProductLabels,
  readStudy003Catalogue,
} from "./labels.ts";
import {
  cleanValidationLogs,
  type MultiOutputMetrics,
  multiOutputMetrics,
} from "./train.ts";
import {
  loadStudy003Data,
  majorityBaseline,
  planStudy003Splits,
  sampleIndices,
  study003Stratum,
  STUDY_003_INPUT,
} from "./data.ts";
import { MULTI_OUTPUT_HEADS } from "../../models/multi_output.ts";
import { runStudy003 } from "./runs.ts";
import {
  STUDY_003_ONE_SETTING,
  STUDY_003_TUNED,
  STUDY_003_TUNING_SPACE,
  tuneStudy003,
  tuningCandidates,
} from "./tuning.ts";
import { loadModel } from "../../models/model_files.ts";
import { gridSearch } from "../../train/search.ts";
import { STUDY_FILES } from "../../published/published.ts";

const DIR = datasetDir("fashion-product-images");
const smoke = getProfile("smoke");
/** Smaller than smoke, for the tests that train. */
const tiny: Profile = { ...smoke, maxTrainPerClass: 8, maxEvalPerClass: 4 };

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function assertEquals(actual: unknown, expected: unknown, message: string) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message}: got ${a}, expected ${e}`);
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;

Deno.test("label rule: drops rare masterCategories, pools rare subCategories per masterCategory, names every decision", () => {
  const rows: ProductLabels[] = [];
  const add = (n: number, m: string, s: string, g: string) => {
    for (let i = 0; i < n; i++) {
      rows.push({
        id: String(rows.length),
        masterCategory: m,
        subCategory: s,
        gender: g,
      });
    }
  };
  add(6, "Apparel", "Topwear", "Men");
  add(2, "Apparel", "Saree", "Women");
  add(2, "Apparel", "Apparel Set", "Women");
  add(5, "Footwear", "Shoes", "Women");
  add(1, "Footwear", "Shoe Accessories", "Men");
  add(2, "Free Items", "Free Gifts", "Men");
  add(1, "Apparel", "Topwear", "Girls");
  const { items, decisions, classNames } = applyStudy003LabelRule(rows, 4);
  const decision = (head: string, name: string) =>
    decisions.find((d) => d.head === head && d.className === name);
  assertEquals(
    decision("masterCategory", "Free Items")?.action,
    "dropped",
    "Free Items (2 < 4)",
  );
  assertEquals(decision("gender", "Girls")?.action, "dropped", "Girls (1)");
  assertEquals(
    decision("subCategory", "Saree"),
    {
      head: "subCategory",
      className: "Saree",
      count: 2,
      action: "merged",
      into: "Other Apparel",
    },
    "Saree pooled with Apparel Set (2 + 2 >= 4)",
  );
  // One rare Footwear subCategory alone is still too small: dropped.
  assertEquals(
    decision("subCategory", "Shoe Accessories")?.action,
    "dropped",
    "Shoe Accessories",
  );
  assertEquals(
    classNames.subCategory,
    ["Other Apparel", "Shoes", "Topwear"],
    "subCategory classes",
  );
  assertEquals(classNames.masterCategory, ["Apparel", "Footwear"], "masters");
  assertEquals(classNames.gender, ["Men", "Women"], "genders");
  assertEquals(items.length, 6 + 4 + 5, "items kept");
});

Deno.test("label rule on the real catalogue: every class of every head has at least minClassSize photos", async () => {
  const catalogue = await readStudy003Catalogue(DIR, 40);
  assert(catalogue.items.length > 11_000, `${catalogue.items.length} items`);
  assertEquals(catalogue.missingImages, [], "styles.csv rows without photo");
  const counts = headCounts(catalogue.items);
  for (const h of MULTI_OUTPUT_HEADS) {
    for (const [name, n] of Object.entries(counts[h])) {
      assert(n >= 40, `${h} ${name} has ${n} photos`);
    }
  }
  for (const item of catalogue.items) {
    if (item.subCategory.startsWith("Other ")) {
      assertEquals(
        item.subCategory,
        `Other ${item.masterCategory}`,
        `pooled class of ${item.id}`,
      );
    }
  }
  const merged = catalogue.decisions.filter((d) => d.action === "merged");
  assert(merged.length > 0, "some rare subCategories are merged");
});

Deno.test("split: stratified by subCategory x gender, seeded, independent of input order; caps per subCategory", async () => {
  const { items } = await readStudy003Catalogue(DIR);
  const full = getProfile("full");
  const plan = planStudy003Splits(items, full, 42);
  const all = [...plan.train, ...plan.validation, ...plan.test].map((i) =>
    i.id
  );
  assertEquals(all.length, items.length, "every item in exactly one split");
  assertEquals(new Set(all).size, items.length, "splits are disjoint");
  const strata = new Map<string, number>();
  for (const i of items) {
    strata.set(study003Stratum(i), (strata.get(study003Stratum(i)) ?? 0) + 1);
  }
  const count = (list: ProductLabels[], s: string) =>
    list.filter((i) => study003Stratum(i) === s).length;
  for (const [s, n] of strata) {
    assertEquals(
      count(plan.validation, s),
      Math.round(n * 0.1),
      `validation of ${s} (${n})`,
    );
    assertEquals(
      count(plan.test, s),
      Math.min(n - Math.round(n * 0.1), Math.round(n * 0.1)),
      `test of ${s} (${n})`,
    );
  }

  const shuffled = [...items].reverse();
  const again = planStudy003Splits(shuffled, smoke, 42);
  const once = planStudy003Splits(items, smoke, 42);
  assertEquals(
    again.test.map((i) => i.id),
    once.test.map((i) => i.id),
    "same seed, other input order",
  );
  const other = planStudy003Splits(items, smoke, 7);
  assert(
    JSON.stringify(other.train.map((i) => i.id)) !==
      JSON.stringify(once.train.map((i) => i.id)),
    "another seed gives another sample",
  );
  const uncapped = headCounts(plan.train).subCategory;
  const capped = headCounts(once.train).subCategory;
  for (const [name, n] of Object.entries(uncapped)) {
    assertEquals(capped[name], Math.min(n, 24), `smoke train cap of ${name}`);
  }
  for (const split of [once.validation, once.test]) {
    for (const n of Object.values(headCounts(split).subCategory)) {
      assert(n <= 8, `smoke evaluation cap: ${n}`);
    }
  }
  // The capped sample is drawn from the uncapped split, never across splits.
  const testIds = new Set(plan.test.map((i) => i.id));
  assert(once.test.every((i) => testIds.has(i.id)), "capped test ⊂ test");
});

Deno.test("metrics: averaged accuracy is the mean of the heads'; measured validation accuracies join the logs", () => {
  const classNames = {
    masterCategory: ["a", "b"],
    subCategory: ["x", "y", "z"],
    gender: ["m", "w"],
  };
  const truth = {
    masterCategory: [0, 1, 1, 0],
    subCategory: [0, 1, 2, 2],
    gender: [0, 0, 1, 1],
  };
  const predicted = {
    masterCategory: [0, 1, 1, 0], // 4/4
    subCategory: [0, 2, 2, 1], // 2/4
    gender: [1, 0, 1, 0], // 2/4
  };
  const m = multiOutputMetrics(truth, predicted, classNames, null);
  assert(close(m.heads.masterCategory.accuracy, 1), "master");
  assert(close(m.heads.subCategory.accuracy, 0.5), "sub");
  assert(close(m.averageAccuracy, (1 + 0.5 + 0.5) / 3), "average");
  assertEquals(
    m.heads.subCategory.confusion,
    [[1, 0, 0], [0, 0, 1], [0, 1, 1]],
    "confusion",
  );

  const arrays = (labels: Record<string, number[]>) => ({
    images: new Uint8Array(0),
    shape: [1, 1, 3] as [number, number, number],
    labels: {
      masterCategory: Int32Array.from(labels.masterCategory),
      subCategory: Int32Array.from(labels.subCategory),
      gender: Int32Array.from(labels.gender),
    },
    ids: labels.gender.map(String),
  });
  // Training majorities: masterCategory 1, subCategory 2, gender 0.
  const baseline = majorityBaseline(
    arrays({
      masterCategory: [1, 1, 0],
      subCategory: [2, 2, 1],
      gender: [0, 1, 0],
    }),
    arrays(truth),
  );
  assertEquals(
    [baseline.masterCategory, baseline.subCategory, baseline.gender],
    [0.5, 0.5, 0.5],
    "majority baseline on the test labels",
  );
  assert(close(baseline.average, 0.5), "baseline average");
  // Rows of a picture grid: per masterCategory, subCategories taken in turn.
  assertEquals(
    sampleIndices(arrays(truth), "masterCategory", "subCategory", 3),
    [[0, 3], [1, 2]],
    "sample indices",
  );

  const aligned = {
    loss: 1,
    val_loss: 6,
    val_masterCategory_loss: 1,
    val_subCategory_loss: 3,
    val_gender_loss: 2,
    val_masterCategory_acc: 0.9,
  };
  const measured = {
    masterCategory: 0.5,
    subCategory: 0.25,
    gender: 0.75,
    average: 0.5,
  };
  const cleaned = cleanValidationLogs(aligned, measured);
  assertEquals(cleaned.val_loss, 6, "validation loss kept");
  assertEquals(cleaned.val_subCategory_acc, 0.25, "measured accuracy");
  assertEquals(cleaned.val_average_acc, 0.5, "average");
  assertEquals(cleanValidationLogs(aligned, undefined), aligned, "kept");
});

Deno.test({
  name:
    "data, run record and tuning search on real photos: three heads, every tuned value reaches the network and its record, choice by validation, test once",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const backend = await selectBackend();
    const cacheDir = await Deno.makeTempDir({ prefix: "study003_cache_" });
    const root = await Deno.makeTempDir({ prefix: "study003_runs_" });
    const jobsRoot = await Deno.makeTempDir({ prefix: "study003_jobs_" });
    try {
      const context = { profile: tiny, backend, seed: 42 };
      const data = await loadStudy003Data(context, {
        dir: DIR,
        fingerprint: "test",
        cacheDir,
      });
      const [h, w] = STUDY_003_INPUT;
      const n = data.train.ids.length;
      assertEquals(data.skipped, [], "undecodable photos");
      assertEquals(data.train.images.length, n * h * w * 3, "image bytes");
      for (const head of MULTI_OUTPUT_HEADS) {
        const k = data.classNames[head].length;
        assert(
          data.test.labels[head].every((l) => l >= 0 && l < k),
          `${head} labels in range`,
        );
      }
      // Row 0 of the test split is exactly that product's photo, decoded.
      const first = await decodeToRgb(
        join(DIR, "images", `${data.test.ids[0]}.jpg`),
        { width: w, height: h },
      );
      assertEquals(
        Array.from(data.test.images.subarray(0, first.length)),
        Array.from(first),
        "decoded row",
      );
      // Loading again reads the cache and gives the same arrays.
      const cached = await loadStudy003Data(context, {
        dir: DIR,
        fingerprint: "test",
        cacheDir,
      });
      assert(
        [...Deno.readDirSync(cacheDir)].some((e) => e.name.endsWith(".npy")),
        "cache written",
      );
      assertEquals(cached.dataKey, data.dataKey, "data key");
      assert(
        cached.train.images.every((v, i) => v === data.train.images[i]),
        "cached pixels",
      );

      // One run: a complete record with three heads' metrics.
      const run = await runStudy003(context, data, { runsRoot: root });
      const info = await readRun(run.dir);
      assertEquals(info?.status, "complete", "status");
      assertEquals(
        info?.tags,
        { study: "003", profile: "smoke", kind: "multi-output" },
        "tags",
      );
      for (const file of ["history.json", "predictions.json", "metrics.json"]) {
        assert(info?.files.includes(file), `run has ${file}`);
      }
      const written: MultiOutputMetrics = JSON.parse(
        await Deno.readTextFile(join(run.dir, "metrics.json")),
      );
      const testSize = data.test.ids.length;
      for (const head of MULTI_OUTPUT_HEADS) {
        const m = written.heads[head];
        assertEquals(m.n, testSize, `${head} n`);
        assertEquals(
          m.confusion.flat().reduce((a, b) => a + b, 0),
          testSize,
          `${head} confusion total`,
        );
        assertEquals(
          m.report.perClass.length,
          data.classNames[head].length,
          `${head} report rows`,
        );
        assert(
          m.wilson95.low <= m.accuracy && m.accuracy <= m.wilson95.high,
          `${head} Wilson interval`,
        );
      }
      const mean = MULTI_OUTPUT_HEADS.reduce(
        (a, head) => a + written.heads[head].accuracy,
        0,
      ) / 3;
      assert(close(written.averageAccuracy, mean), "averaged accuracy");
      assert(
        written.validation !== null &&
          close(
            written.validation.average,
            (written.validation.masterCategory +
              written.validation.subCategory + written.validation.gender) / 3,
          ),
        "validation average",
      );
      const history = JSON.parse(
        await Deno.readTextFile(join(run.dir, "history.json")),
      );
      assertEquals(history.length, tiny.epochs, "epochs");
      const h0 = history[0];
      assert(
        Math.abs(
          h0.val_loss -
            (h0.val_masterCategory_loss + h0.val_subCategory_loss +
              h0.val_gender_loss),
        ) < 1e-3 * Math.max(1, h0.val_loss),
        "history's validation losses line up",
      );
      const rerun = await runStudy003(context, data, { runsRoot: root });
      assert(rerun.reused, "a complete run is reused");
      assertEquals(rerun.seedRuns.length, 1, "one seed at this profile");

      // With two seeds: the first run reused, the second trained on the same splits.
      const seeded = { ...context, profile: { ...tiny, seedReplicates: 2 } };
      const twoSeeds = await runStudy003(seeded, data, { runsRoot: root });
      assertEquals(
        twoSeeds.seedRuns.map((r) => [r.reused, r.runId.replace(/-s\d+$/, "")]),
        [[true, run.runId.replace(/-s\d+$/, "")], [
          false,
          run.runId.replace(/-s\d+$/, ""),
        ]],
        "seed 42 reused, seed 43 trained, the same run otherwise",
      );
      const second = await readRun(twoSeeds.seedRuns[1].dir);
      assertEquals(second?.seed, 43, "second seed");
      assertEquals(second?.tags?.splitSeed, "42", "its splits' seed");
      assertEquals(twoSeeds.seeds.average.n, 2, "spread over two seeds");
      assert(
        close(
          twoSeeds.seeds.gender.mean,
          (twoSeeds.seedRuns[0].metrics.heads.gender.accuracy +
            twoSeeds.seedRuns[1].metrics.heads.gender.accuracy) / 2,
        ),
        "gender head's mean over the seeds",
      );
      // The same runs as jobs of a local worker process (one batch): the same records.
      const viaJob = await withSearchExecution(
        {
          executor: new LocalWorkers(1, () => {}),
          searches: [STUDY_003_RUN_NAME],
        },
        () =>
          runStudy003(seeded, data, {
            runsRoot: jobsRoot,
            dataOptions: { dir: DIR, fingerprint: "test", cacheDir },
          }),
      );
      assert(viaJob.seedRuns.every((r) => !r.reused), "the jobs trained them");
      assertEquals(viaJob.runId, run.runId, "the same run id");
      assertEquals(
        await comparableRecords(jobsRoot),
        await comparableRecords(root),
        "the jobs' records equal the ones trained here",
      );

      // Search: two candidates differing in all five tuned values, winner by
      // averaged validation accuracy.
      const candidates = [
        {
          kernelSize: 5,
          filters: 8,
          denseSize: 16,
          batchNorm: "none" as const,
          dropout: 0.5,
        },
        {
          kernelSize: 3,
          filters: 4,
          denseSize: 24,
          batchNorm: "both" as const,
          dropout: 0,
        },
      ];
      const tuned = await tuneStudy003(context, data, {
        runsRoot: root,
        candidates,
      });
      assertEquals(tuned.trials.length, 2, "trials");
      for (const [i, c] of candidates.entries()) {
        const trial = tuned.trials[i];
        assertEquals(
          {
            kernelSize: trial.kernelSize,
            filters: trial.filters,
            denseSize: trial.denseSize,
            batchNorm: trial.batchNorm,
            dropout: trial.dropout,
          },
          c,
          `trial ${i} returns its candidate`,
        );
        const record = await readRun(join(root, trial.runId));
        for (const key of Object.keys(c) as (keyof typeof c)[]) {
          assertEquals(
            record?.params[key],
            c[key],
            `trial ${i} records ${key}`,
          );
        }
        assertEquals(
          record?.tags,
          {
            study: "003",
            profile: "smoke",
            kind: "multi-output",
            space: "ours",
          },
          `trial ${i} tags: the grid is ours`,
        );
        // The saved network was built with the candidate's values.
        const model = await loadModel(join(root, trial.runId, "model"));
        try {
          const conv1 = model.getLayer("conv_1").getConfig();
          const conv2 = model.getLayer("conv_2").getConfig();
          assertEquals(
            conv1.kernelSize,
            [c.kernelSize, c.kernelSize],
            `trial ${i} kernel size`,
          );
          assertEquals(conv1.filters, c.filters, `trial ${i} filters`);
          assertEquals(
            conv2.filters,
            2 * c.filters,
            `trial ${i} second block doubles`,
          );
          assertEquals(
            model.getLayer("dense_shared").getConfig().units,
            c.denseSize,
            `trial ${i} dense units`,
          );
          assertEquals(
            model.layers.some((l) => l.name === "dropout"),
            c.dropout > 0,
            `trial ${i} dropout layer`,
          );
          assertEquals(
            model.layers.some((l) => l.name === "conv_1_bn") &&
              model.layers.some((l) => l.name === "dense_shared_bn"),
            c.batchNorm === "both",
            `trial ${i} BatchNorm placement`,
          );
        } finally {
          model.dispose();
        }
      }
      const best = tuned.trials.reduce((a, b) =>
        b.validation.average > a.validation.average ? b : a
      );
      assertEquals(tuned.best.runId, best.runId, "winner by validation");
      const testRun = await readRun(join(root, tuned.testRunId));
      assertEquals(testRun?.status, "complete", "test run complete");
      assert(
        testRun?.files.includes("search.json"),
        "test run has search.json",
      );
      assertEquals(
        testRun?.params.selectedFrom,
        best.runId,
        "test run names the winner",
      );
      assertEquals(
        tuned.testMetrics.validation,
        best.validation,
        "the tested model is the chosen one",
      );
      for (const head of MULTI_OUTPUT_HEADS) {
        assertEquals(tuned.testMetrics.heads[head].n, testSize, `${head} n`);
      }
      // Again: every trial reused, its validation measured from the saved model.
      const again = await tuneStudy003(context, data, {
        runsRoot: root,
        candidates,
      });
      assert(again.trials.every((t) => t.reused), "trials reused");
      assertEquals(
        again.trials.map((t) => t.validation),
        tuned.trials.map((t) => t.validation),
        "saved models give the same validation accuracies",
      );
      assertEquals(again.testRunId, tuned.testRunId, "test evaluated once");
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
      await Deno.remove(root, { recursive: true });
      await Deno.remove(jobsRoot, { recursive: true });
    }
  },
});

Deno.test("tuning candidates: the profile's share of the five-way grid, a seeded draw of oursGridTrials at full, the whole grid when that covers it", () => {
  const keys = STUDY_003_TUNED.map((h) => h.key);
  assertEquals(
    keys,
    ["kernelSize", "filters", "denseSize", "batchNorm", "dropout"],
    "the five hyperparameters the study names",
  );
  const size = STUDY_003_TUNED.reduce((n, h) => n * h.values.length, 1);
  assertEquals(size, 216, "grid size");
  assertEquals(gridSearch(STUDY_003_TUNING_SPACE).length, size, "space");

  const smoke = tuningCandidates(getProfile("smoke"), 1);
  assertEquals(smoke, [STUDY_003_ONE_SETTING], "smoke: one setting");
  assertEquals(
    [smoke[0].kernelSize, smoke[0].filters, smoke[0].denseSize],
    [3, 32, 128],
    "smoke: the untuned network's kernel, filters and dense units",
  );

  const inGrid = (c: Record<string, unknown>) =>
    STUDY_003_TUNED.every((h) => (h.values as unknown[]).includes(c[h.key])) &&
    Object.keys(c).length === keys.length;
  const course = tuningCandidates(getProfile("course"), 1);
  assertEquals(course.length, getProfile("course").maxTrials, "subset");
  assertEquals(course, tuningCandidates(getProfile("course"), 1), "seeded");
  assertEquals(
    new Set(course.map((c) => JSON.stringify(c))).size,
    course.length,
    "distinct",
  );
  assert(
    course.every((c) => inGrid({ ...c })),
    "course: grid points with all five values",
  );

  const drawn = tuningCandidates(getProfile("full"), 1);
  assertEquals(drawn.length, getProfile("full").oursGridTrials, "full: drawn");
  assert(drawn.every((c) => inGrid({ ...c })), "full: grid points");
  assertEquals(drawn, tuningCandidates(getProfile("full"), 1), "full: seeded");
  const full = tuningCandidates(
    { ...getProfile("full"), oursGridTrials: size },
    1,
  );
  assertEquals(full.length, size, "the whole grid when it is asked for");
  assertEquals(
    new Set(full.map((c) => JSON.stringify(c))).size,
    size,
    "full: distinct",
  );
  for (const h of STUDY_003_TUNED) {
    assertEquals(
      [...new Set(full.map((c) => c[h.key]))],
      h.values,
      `full: every ${h.key} value`,
    );
  }
});

Deno.test("the tuned hyperparameters are the ones the study lists, which gives no values: the grid is ours", () => {
  const dir = Deno.env.get("FASHION_STUDIES");
  const path = dir
    ? `${dir.replace(/\/+$/, "")}/${STUDY_FILES["003"]}`
    : new URL(
      `../../../../shared/studies/${STUDY_FILES["003"]}`,
      import.meta.url,
    );
  const lines = Deno.readTextFileSync(path).split(/\r?\n/);
  for (const h of STUDY_003_TUNED) {
    const line = lines[h.line - 1] ?? "";
    assert(
      line.includes(h.study),
      `line ${h.line} of study 003 names ${h.key}: got "${line}"`,
    );
    assert(
      // A standalone number after the list's own numbering ("conv2d" is a name).
      !/\b\d+(\.\d+)?\b/.test(line.replace(/^\s*\d+\.\s*/, "")),
      `study 003 gives no value for ${h.key}: "${line}"`,
    );
    assertEquals(h.source, "ours", `${h.key}: ours`);
  }
});
