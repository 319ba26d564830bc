import * as tf from "@tensorflow/tfjs";
import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../../backend.ts";
import { getProfile, type Profile } from "../../profiles.ts";
import { datasetDir, mirrorDir } from "../../testing/mirror.ts";
import { loadModel } from "../../models/model_files.ts";
import {
  loadMobileNetV2Base,
  MOBILENET_V2_FOLDER,
  mobileNetPreprocess,
} from "../../models/transfer.ts";
import { readRun } from "../../runs/record.ts";
import type { ClassifierMetrics } from "../../runs/classifier_metrics.ts";
import {
  augmentedCopy,
  extractStudy002Features,
  topUpPixels,
} from "./features.ts";
import {
  balanceTarget,
  CLOTHING_SPLIT_FOLDERS,
  listStudy002Images,
  loadStudy002Data,
  planStudy002Splits,
  planTopUp,
  study002Arrays,
  type Study002Item,
  study002Partition,
  type Study002Plan,
  STUDY_002_CLASSES,
  STUDY_002_DATASET,
  STUDY_002_IMAGE_SIZE,
  TRAIN_FRACTION,
} from "./data.ts";
import { SPLIT_SCHEMES } from "../../published/published.ts";
import { compareStudy002Runs } from "./comparisons.ts";
import { runStudy002, runStudy002Transfer } from "./runs.ts";
import { study002RunImages, study002RunParams } from "./run_identity.ts";
import {
  study002ResultsTable,
  study002SetupTable,
  study002SplitTable,
  study002SwapMean,
} from "./tables.ts";
import {
  type Study002RunSpec,
  study002RunSpecs,
  study002Settings,
  STUDY_002_SETUPS,
} from "./settings.ts";
import { STUDY_002_PUBLISHED } from "../../published/published.ts";
import type { LabContext } from "../../runs/lab_context.ts";
import { LocalWorkers } from "../../execute/local_workers.ts";
import { withSearchExecution } from "../../execute/search_runs.ts";
import { comparableRecords } from "../../testing/comparable_records.ts";
import { STUDY_002_JOBS } from "./run_jobs.ts";
import { formatSeedSpread, seedSpread } from "../../eval/seed_spread.ts";

const DIR = datasetDir(STUDY_002_DATASET);
const BASE_DIR = join(mirrorDir(), MOBILENET_V2_FOLDER);
const DATASET = { id: STUDY_002_DATASET, fingerprint: "mirror (test)" };

/** Smoke settings with fewer images, so the four runs take seconds. */
const TINY: Profile = {
  ...getProfile("smoke"),
  maxTrainPerClass: 8,
  maxEvalPerClass: 4,
};

function ids(items: { id: string }[]): string[] {
  return items.map((i) => i.id);
}

function perClass(items: { label: number }[]): number[] {
  return STUDY_002_CLASSES.map((_, k) =>
    items.filter((i) => i.label === k).length
  );
}

Deno.test("study 002 classes: dress, longsleeve for pullover, shirt, pooled over the dataset's three folders", () => {
  assertEquals(STUDY_002_CLASSES.map((c) => c.study), [
    "dress",
    "pullover",
    "shirt",
  ]);
  const items = listStudy002Images(DIR);
  // Every image of the three class folders, counted independently, and no other.
  const counts = STUDY_002_CLASSES.map(({ folder }) =>
    CLOTHING_SPLIT_FOLDERS.reduce(
      (sum, split) =>
        sum + [...Deno.readDirSync(join(DIR, split, folder))].length,
      0,
    )
  );
  assertEquals(perClass(items), counts);
  assert(counts.every((c) => c > 100), `class sizes ${counts}`);
  for (const item of items) {
    const [, folder] = item.id.split("/");
    assertEquals(folder, STUDY_002_CLASSES[item.label].folder, item.id);
  }
  assertEquals(new Set(ids(items)).size, items.length);
  assert(!items.some((i) => /outwear|t-shirt/.test(i.id)));
});

function checkPlan(plan: Study002Plan, profile: Profile, available: number[]) {
  const test = new Set(ids(plan.test));
  const pool = new Set(ids(plan.pool));
  assert(ids(plan.pool).every((id) => !test.has(id)), "test and pool overlap");
  const testCounts = perClass(plan.test);
  const poolCounts = perClass(plan.pool);
  for (const [k, n] of available.entries()) {
    assertEquals(
      testCounts[k],
      Math.min(Math.round(0.2 * n), profile.maxEvalPerClass ?? Infinity),
    );
    if (profile.maxTrainPerClass === null) {
      assertEquals(poolCounts[k] + testCounts[k], n);
    }
  }
  for (const scheme of SPLIT_SCHEMES) {
    const { train, validation } = plan.schemes[scheme];
    const trainIds = new Set(ids(train));
    assert(ids(validation).every((id) => !trainIds.has(id)));
    assertEquals(new Set([...ids(train), ...ids(validation)]), pool);
    const trainCounts = perClass(train);
    for (const [k, p] of poolCounts.entries()) {
      const share = trainCounts[k] / p;
      assert(
        Math.abs(share - TRAIN_FRACTION[scheme]) <= 1 / p,
        `${scheme} class ${k}: ${trainCounts[k]} of ${p} train`,
      );
      if (profile.maxTrainPerClass !== null) {
        assert(trainCounts[k] <= profile.maxTrainPerClass);
      }
    }
  }
  // 50/50 trains on fewer images than 80/20 from the same pool.
  assert(
    plan.schemes["50/50"].train.length < plan.schemes["80/20"].train.length,
  );
}

Deno.test("study 002 splits: 20% test per class, then 80/20 or 50/50 of one pool, capped by the profile", () => {
  const items = listStudy002Images(DIR);
  const available = perClass(items);
  for (const name of ["smoke", "course", "full"]) {
    const profile = getProfile(name);
    const plan = planStudy002Splits(items, profile, 42);
    assertEquals(plan.available, available);
    checkPlan(plan, profile, available);
    if (name === "smoke") {
      // Train on exactly the cap at 80/20: 24 of a pool of 30 per class.
      assertEquals(perClass(plan.schemes["80/20"].train), [24, 24, 24]);
      assertEquals(perClass(plan.schemes["50/50"].train), [15, 15, 15]);
      assertEquals(perClass(plan.test), [8, 8, 8]);
      const table = study002SplitTable(plan);
      assertEquals(table.rows[1], [
        "pullover",
        "longsleeve",
        available[1],
        8,
        30,
        "24 / 6",
        "15 / 15",
      ]);
      assertEquals(table.rows[3].slice(2), [
        available.reduce((a, b) => a + b, 0),
        24,
        90,
        "72 / 18",
        "45 / 45",
      ]);
    }
  }
});

Deno.test("study 002 splits and augmented copies are determined by the seed", () => {
  const items = listStudy002Images(DIR);
  const a = planStudy002Splits(items, getProfile("course"), 42);
  const b = planStudy002Splits([...items].reverse(), getProfile("course"), 42);
  const c = planStudy002Splits(items, getProfile("course"), 43);
  assertEquals(ids(b.test), ids(a.test));
  assertEquals(ids(b.schemes["50/50"].train), ids(a.schemes["50/50"].train));
  assertNotEquals(new Set(ids(c.test)), new Set(ids(a.test)));

  const pixels = new Uint8Array(STUDY_002_IMAGE_SIZE ** 2 * 3).map((_, i) =>
    (i * 7) % 256
  );
  const one = augmentedCopy(pixels, "x", 0, 42);
  assertEquals(augmentedCopy(pixels, "x", 0, 42), one);
  assertNotEquals(augmentedCopy(pixels, "x", 0, 43), one);
  assertNotEquals(augmentedCopy(pixels, "x", 1, 42), one);
  assertNotEquals(one, pixels);
});

Deno.test("study 002 set-ups: the study's optimizer, rate, dropout and split reach each run's parameters", () => {
  const settings = study002Settings(getProfile("course"));
  const specs = study002RunSpecs(settings);
  assertEquals(
    specs.map((s) => `${s.setup} ${s.half ?? "-"} ${s.balance}`),
    [
      "basic-cnn - augment",
      "v1 - augment",
      "v2 - augment",
      "v3 A augment",
      "v3 B augment",
      "v2 - none",
    ],
  );
  const expected: Record<string, [string, string, number, number]> = {
    "basic-cnn": ["80/20", "adam", 0.1, 0],
    v1: ["80/20", "adam", 0.005, 0],
    v2: ["80/20", "rmsprop", 2e-4, 0.5],
    v3: ["50/50", "rmsprop", 2e-4, 0.5],
  };
  for (const spec of specs) {
    const params = study002RunParams(getProfile("course"), spec, settings, 1);
    const [split, optimizer, learningRate, dropout] = expected[spec.setup];
    assertEquals(
      [params.split, params.optimizer, params.learningRate, params.dropout],
      [split, optimizer, learningRate, dropout],
      spec.setup,
    );
    assertEquals(params.setup, spec.setup);
    assertEquals(params.balance, spec.balance);
    assertEquals(params.half, spec.half ?? undefined);
  }
  // The published rows name the set-up whose settings they are.
  for (const row of STUDY_002_PUBLISHED) {
    if (row.setup === null) {
      assertEquals(row.tags, null);
      continue;
    }
    const setup = STUDY_002_SETUPS[row.setup];
    assertEquals(setup.published, row.model);
    assertEquals(setup.split, row.split);
    assertEquals(setup.model, row.ours);
    assertEquals(row.tags?.split, row.split);
    assertEquals(row.tags?.model, row.ours);
  }
  const table = study002SetupTable(settings);
  assertEquals(table.rows.map((r) => r[0]), ["basic-cnn", "v1", "v2", "v3"]);
  assertEquals(table.rows[3].at(-1), "2: half A trains, half B trains");
});

Deno.test("study 002 v3: the two 50/50 halves are disjoint, cover the pool and swap training and validation", () => {
  const plan = planStudy002Splits(
    listStudy002Images(DIR),
    getProfile("course"),
    42,
  );
  const a = study002Partition(plan, "50/50", "A");
  const b = study002Partition(plan, "50/50", "B");
  const trainA = new Set(ids(a.train));
  assert(ids(b.train).every((id) => !trainA.has(id)), "halves overlap");
  assertEquals(ids(b.train), ids(a.validation));
  assertEquals(ids(b.validation), ids(a.train));
  assertEquals(
    new Set([...ids(a.train), ...ids(b.train)]),
    new Set(ids(plan.pool)),
  );
  assert(Math.abs(a.train.length - b.train.length) <= 3);
  assertEquals(study002Partition(plan, "50/50", null), a);
  let threw = false;
  try {
    study002Partition(plan, "80/20", "B");
  } catch {
    threw = true;
  }
  assert(threw, "80/20 has no swapped half");
});

/** `n` photos of class `label`, ids `c<label>-<i>`. */
function photos(label: number, n: number): Study002Item[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `c${label}-${String(i).padStart(3, "0")}`,
    path: `c${label}/${i}.jpg`,
    label,
  }));
}

Deno.test("study 002 class balancing: tops every class up to the target, deterministically for a seed", () => {
  // The study's 1,000 per class less 20% test, times the training share;
  // capped at the profile's training images per class.
  assertEquals(balanceTarget({ maxTrainPerClass: null }, "80/20"), 640);
  assertEquals(balanceTarget({ maxTrainPerClass: null }, "50/50"), 400);
  assertEquals(balanceTarget(getProfile("course"), "80/20"), 200);
  assertEquals(balanceTarget(getProfile("course"), "50/50"), 125);
  assertEquals(balanceTarget(getProfile("smoke"), "80/20"), 24);

  const train = [...photos(0, 3), ...photos(1, 10), ...photos(2, 7)];
  const topUps = planTopUp(train, 10, 42);
  assertEquals(perClass([...train, ...topUps]), [10, 10, 10]);
  assertEquals(perClass(topUps), [7, 0, 3]);
  // Class 0 (3 photos, 7 copies): rounds 0, 1 of every photo, round 2 of one.
  const rounds = topUps.filter((t) => t.label === 0).map((t) => t.round);
  assertEquals(rounds, [0, 0, 0, 1, 1, 1, 2]);
  assertEquals(new Set(ids(topUps)).size, topUps.length);
  for (const t of topUps) {
    assertEquals(t.id, `${t.source}#balance${t.round}`);
    assertEquals(train.find((i) => i.id === t.source)?.label, t.label);
  }
  // The same for a seed, whatever the order; another seed picks other photos.
  assertEquals(planTopUp([...train].reverse(), 10, 42), topUps);
  const sources = (seed: number) =>
    planTopUp(train, 10, seed).filter((t) => t.label === 2).map((t) =>
      t.source
    );
  assert(
    [43, 44, 45, 46].some((seed) =>
      JSON.stringify(sources(seed)) !== JSON.stringify(sources(42))
    ),
    "the seed does not choose the copied photos",
  );
  // A class at or above the target gets no copies; nothing is removed.
  assertEquals(planTopUp(train, 3, 42), []);

  // A copy's pixels: the same for a seed, another image for another seed or round.
  const size = STUDY_002_IMAGE_SIZE ** 2 * 3;
  const data = {
    pixels: new Map(
      train.map((i, k) => [
        i.id,
        new Uint8Array(size).map((_, j) => (j * (k + 3)) % 256),
      ]),
    ),
  };
  const first = topUps[0];
  const one = topUpPixels(data, first, 42);
  assertEquals(topUpPixels(data, first, 42), one);
  assertNotEquals(topUpPixels(data, first, 43), one);
  assertNotEquals(topUpPixels(data, { ...first, round: 1 }, 42), one);
  assertNotEquals(one, data.pixels.get(first.source));

  // On the real splits: a run's images are its split plus the copies.
  const plan = planStudy002Splits(
    listStudy002Images(DIR),
    getProfile("full"),
    42,
  );
  const settings = study002Settings(getProfile("full"));
  const spec: Study002RunSpec = { setup: "v3", half: "B", balance: "augment" };
  const images = study002RunImages(
    { plan },
    spec,
    getProfile("full"),
    42,
    settings,
  );
  assertEquals(images.target, 400);
  assertEquals(perClass([...images.train, ...images.topUps]), [400, 400, 400]);
  assertEquals(ids(images.train), ids(plan.schemes["50/50"].validation));
  const none = study002RunImages(
    { plan },
    { ...spec, balance: "none" },
    getProfile("full"),
    42,
    settings,
  );
  assertEquals(none.topUps, []);
  assertEquals(none.target, null);
});

const backend = await selectBackend();

async function expectRecord(
  dir: string,
  model: string,
  split: string,
  n: number,
): Promise<ClassifierMetrics> {
  const run = await readRun(dir);
  assert(run, `no run.json in ${dir}`);
  assertEquals(run.status, "complete");
  assertEquals(run.tags?.study, "002");
  assertEquals(run.tags?.profile, "smoke");
  assertEquals(run.tags?.split, split);
  assertEquals(run.tags?.model, model);
  assert(run.tags?.standIn?.includes("longsleeve"));
  for (
    const file of [
      "history.json",
      "predictions.json",
      "metrics.json",
      "split.json",
      "model/model.json",
    ]
  ) {
    assert(run.files.includes(file), `${dir}: no ${file}`);
  }
  const m = JSON.parse(
    await Deno.readTextFile(join(dir, "metrics.json")),
  ) as ClassifierMetrics;
  const p = JSON.parse(await Deno.readTextFile(join(dir, "predictions.json")));
  const correct =
    p.trueLabels.filter((t: number, i: number) => t === p.predictedLabels[i])
      .length;
  assertEquals(m.n, n);
  assertEquals(m.correct, correct);
  assertEquals(m.accuracy, correct / n);
  for (const interval of [m.t95, m.wilson95]) {
    assert(
      interval.low <= m.accuracy && m.accuracy <= interval.high &&
        interval.high - interval.low > 0,
      `${JSON.stringify(interval)} around ${m.accuracy}`,
    );
  }
  assertEquals(m.t95.method, "t");
  assertEquals(m.t95.level, 0.95);
  assertEquals(
    m.confusion.map((row) => row.reduce((a, b) => a + b, 0)),
    perClass(p.trueLabels.map((label: number) => ({ label }))),
  );
  assertEquals(m.classNames, ["dress", "longsleeve", "shirt"]);
  assertEquals(
    m.report.perClass.map((c) => c.support),
    m.confusion.map((row) => row.reduce((a, b) => a + b, 0)),
  );
  return m;
}

/** Weights of a model by variable name (e.g. `block_16_project/kernel`). */
async function weightsByName(
  model: tf.LayersModel,
): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const w of model.weights) {
    out.set(w.originalName, await w.read().data() as Float32Array);
  }
  return out;
}

Deno.test({
  name:
    "study 002 on real photos: a complete run record per set-up (v3 as two swapped halves), reused on a rerun",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const context: LabContext = { profile: TINY, backend, seed: 7 };
    const data = await loadStudy002Data(TINY, 7, {
      dir: DIR,
      dataset: DATASET,
    });
    assertEquals(
      data.pixels.size,
      data.plan.test.length + data.plan.pool.length,
    );
    const again = await loadStudy002Data(TINY, 7, {
      dir: DIR,
      dataset: DATASET,
    });
    assertEquals(
      study002Arrays(again, again.plan.schemes["80/20"].train),
      study002Arrays(data, data.plan.schemes["80/20"].train),
    );

    const root = await Deno.makeTempDir({ prefix: "study002_runs_" });
    const result = await runStudy002(context, {
      data,
      runsRoot: root,
      baseDir: BASE_DIR,
    });
    assertEquals(
      result.runs.map((r) => `${r.label}: ${r.model} ${r.split} ${r.reused}`),
      [
        "basic CNN: baseline 80/20 false",
        "v1: mobilenetv2 80/20 false",
        "v2: mobilenetv2 80/20 false",
        "v3 half A: mobilenetv2 50/50 false",
        "v3 half B: mobilenetv2 50/50 false",
        "v2, no balancing: mobilenetv2 80/20 false",
      ],
    );
    assert(result.featureSeconds > 0);
    const testIds: string[][] = [];
    const trainIds: Record<string, string[]> = {};
    for (const run of result.runs) {
      const m = await expectRecord(
        run.dir,
        run.model,
        run.split,
        data.plan.test.length,
      );
      assertEquals(m, run.metrics);
      const record = await readRun(run.dir);
      const setup = STUDY_002_SETUPS[run.setup];
      // The set-up's settings are what the record says the run used.
      assertEquals(record?.tags?.setup, run.setup);
      assertEquals(record?.tags?.balance, run.balance);
      assertEquals(record?.params.optimizer, setup.compile.optimizer);
      assertEquals(record?.params.learningRate, setup.compile.learningRate);
      assertEquals(record?.params.dropout, setup.dropout);
      const split = JSON.parse(
        await Deno.readTextFile(join(run.dir, "split.json")),
      );
      testIds.push(split.test);
      trainIds[run.label] = split.train;
      assertEquals(split.train.length + split.topUp.length, run.splits.train);
      assertEquals(
        record?.splits,
        run.splits as unknown as Record<string, number>,
      );
      // The saved network has dropout before its classifier only where the set-up has it.
      if (run.model === "mobilenetv2") {
        const saved = JSON.parse(
          await Deno.readTextFile(join(run.dir, "model", "model.json")),
        );
        const text = JSON.stringify(saved.modelTopology);
        assertEquals(
          text.includes("head_dropout"),
          setup.dropout > 0,
          run.label,
        );
      }
    }
    // v3's halves: disjoint, and each tagged with the other's run id.
    const [halfA, halfB] = [result.runs[3], result.runs[4]];
    assert(
      trainIds["v3 half A"].every((id) => !trainIds["v3 half B"].includes(id)),
    );
    assertEquals((await readRun(halfA.dir))?.tags?.pairedRun, halfB.runId);
    assertEquals((await readRun(halfB.dir))?.tags?.pairedRun, halfA.runId);
    assertEquals((await readRun(halfA.dir))?.tags?.half, "A");
    const mean = study002SwapMean(result.runs)!;
    assertEquals(mean.runs, [halfA, halfB]);
    assertEquals(
      mean.accuracy,
      (halfA.metrics.accuracy + halfB.metrics.accuracy) / 2,
    );
    // One test set for every run; 50/50 trains on fewer images.
    assert(
      testIds.every((t) => JSON.stringify(t) === JSON.stringify(testIds[0])),
    );
    assert(halfA.splits.train < result.runs[2].splits.train);

    // Paired comparisons on the shared test images agree with the counts.
    const comparisons = await compareStudy002Runs(result.runs);
    assertEquals(comparisons.map((c) => c.label), [
      "v2 vs basic CNN",
      "v2 vs v1",
      "v2 vs v3 half A",
      "v2 vs v3 half B",
      "v3 half A vs v3 half B",
      "v2 vs v2, no balancing",
    ]);
    for (const c of comparisons) {
      assertEquals(
        c.mcnemar.b - c.mcnemar.c,
        c.first.metrics.correct - c.second.metrics.correct,
        c.label,
      );
      assert(c.mcnemar.pValue > 0 && c.mcnemar.pValue <= 1);
    }
    const table = study002ResultsTable(result.runs);
    assertEquals(table.rows.length, 8);
    assert(table.rows[2][7].includes("VGG16 v2: 95.0%"), table.rows[2][7]);
    assertEquals(table.rows[6][0], "v3 mean of halves A and B");
    assert(table.rows[6][7].includes("VGG16 v3: 85.0%"), table.rows[6][7]);
    assert(table.rows[7][7].startsWith("ResNet50"), table.rows[7][7]);

    // The saved transfer model classifies images as the run did.
    const transfer = result.runs[2];
    const saved = await loadModel(join(transfer.dir, "model"));
    const test = study002Arrays(data, data.plan.test);
    const x = tf.tidy(() =>
      mobileNetPreprocess(
        tf.tensor4d(test.images, [test.labels.length, ...test.shape], "int32"),
      )
    );
    const probabilities = saved.predict(x) as tf.Tensor;
    const recorded = JSON.parse(
      await Deno.readTextFile(join(transfer.dir, "predictions.json")),
    );
    const fromSaved = await probabilities.array() as number[][];
    for (const [i, row] of fromSaved.entries()) {
      for (const [k, value] of row.entries()) {
        assert(Math.abs(value - recorded.probabilities[i][k]) < 1e-4);
      }
    }
    // Frozen: the saved model's MobileNetV2 weights are the pretrained ones.
    const pristine = await weightsByName(await loadMobileNetV2Base(BASE_DIR));
    const trained = await weightsByName(saved);
    let compared = 0;
    for (const [name, values] of pristine) {
      const after = trained.get(name);
      assert(after, `saved model lacks ${name}`);
      assertEquals(after, values, name);
      compared++;
    }
    assertEquals(compared, pristine.size);
    tf.dispose([x, probabilities]);
    saved.dispose();

    // Two seeds: the first seed's runs reused, each set-up trained again
    // with seed 8 on the same data (splits, balancing copies, features).
    const seeded: LabContext = {
      ...context,
      profile: { ...TINY, seedReplicates: 2 },
    };
    const twoSeeds = await runStudy002(seeded, {
      data,
      runsRoot: root,
      baseDir: BASE_DIR,
    });
    assertEquals(
      twoSeeds.seedRuns.map((runs) => runs.map((r) => r.reused)),
      result.runs.map(() => [true, false]),
    );
    for (const [i, runs] of twoSeeds.seedRuns.entries()) {
      const replicate = await readRun(runs[1].dir);
      assertEquals(replicate?.seed, 8);
      assertEquals(replicate?.tags?.splitSeed, "7");
      assertEquals(replicate?.params, (await readRun(runs[0].dir))?.params);
      const split = (run: { dir: string }) =>
        Deno.readTextFile(join(run.dir, "split.json"));
      assertEquals(await split(runs[1]), await split(runs[0]), "same data");
      assertEquals(twoSeeds.seeds[i].n, 2);
    }
    // The results table: each run's spread, and the spread of v3's mean of
    // halves taken seed by seed.
    const seededTable = study002ResultsTable(twoSeeds.runs, twoSeeds.seedRuns);
    assertEquals(seededTable.header[7], "seeds (test accuracy)");
    assertEquals(seededTable.rows[0][7], formatSeedSpread(twoSeeds.seeds[0]));
    const halfMeans = [0, 1].map((k) =>
      study002SwapMean(twoSeeds.seedRuns.map((runs) => runs[k]))!.accuracy
    );
    assertEquals(
      seededTable.rows[6][7],
      formatSeedSpread(seedSpread(halfMeans)),
    );
    assertEquals(seededTable.rows[7][7], "–");
    // v3's halves name the other half of the same seed.
    assertEquals(
      (await readRun(twoSeeds.seedRuns[3][1].dir))?.tags?.pairedRun,
      twoSeeds.seedRuns[4][1].runId,
    );

    // The same set-ups with both seeds as jobs of two local worker processes
    // (each reloads the photos and computes its own features): the same records.
    const jobsRoot = await Deno.makeTempDir({ prefix: "study002_jobs_" });
    const lines: string[] = [];
    const viaJobs = await withSearchExecution(
      {
        executor: new LocalWorkers(2, (line) => lines.push(line)),
        searches: [STUDY_002_JOBS],
      },
      () =>
        runStudy002(seeded, {
          data,
          dataset: DATASET,
          runsRoot: jobsRoot,
          baseDir: BASE_DIR,
        }),
    );
    assert(lines.some((l) => /12 job\(s\)/.test(l)), lines.join("\n"));
    assert(viaJobs.seedRuns.flat().every((r) => !r.reused));
    assertEquals(viaJobs.featureSeconds, 0, "the submitter computed nothing");
    assertEquals(
      await comparableRecords(jobsRoot),
      await comparableRecords(root),
    );
    await Deno.remove(jobsRoot, { recursive: true });

    const rerun = await runStudy002(context, {
      data,
      runsRoot: root,
      baseDir: BASE_DIR,
    });
    assert(rerun.runs.every((r) => r.reused));
    assertEquals(rerun.featureSeconds, 0);
    assertEquals(
      rerun.runs.map((r) => r.metrics),
      result.runs.map((r) => r.metrics),
    );

    // Fine-tuning the top block moves its weights and nothing below it.
    const tuned = await runStudy002Transfer(
      context,
      data,
      { setup: "v2", half: null, balance: "none" },
      () =>
        extractStudy002Features(data, 7, {
          fineTuneBlocks: 1,
          augmentedCopies: 0,
          augment: result.settings.augment,
        }, BASE_DIR),
      {
        runsRoot: root,
        baseDir: BASE_DIR,
        settings: {
          fineTuneBlocks: 1,
          augmentedCopies: 0,
          setups: {
            ...STUDY_002_SETUPS,
            v2: {
              ...STUDY_002_SETUPS.v2,
              compile: { optimizer: "rmsprop", learningRate: 1e-3 },
            },
          },
        },
      },
    );
    assert(!tuned.reused);
    await expectRecord(
      tuned.dir,
      "mobilenetv2",
      "80/20",
      data.plan.test.length,
    );
    const tunedModel = await loadModel(join(tuned.dir, "model"));
    const tunedWeights = await weightsByName(tunedModel);
    const moved: string[] = [];
    for (const [name, values] of pristine) {
      const after = tunedWeights.get(name)!;
      const top = /^(block_16_|Conv_1)/.test(name);
      const same = after.every((v, i) => v === values[i]);
      if (!same) moved.push(name);
      if (!top) assert(same, `${name} is below the cut but changed`);
    }
    assert(
      moved.some((n) => n.startsWith("block_16_")),
      `no top-block weight moved: ${moved}`,
    );
    tunedModel.dispose();

    // Class balancing in a run: with three dress photos fewer in training,
    // the run tops dress up with three augmented copies and trains on them.
    const dropped = new Set(
      ids(data.plan.schemes["80/20"].train.filter((i) => i.label === 0))
        .slice(0, 3),
    );
    const unbalanced = {
      ...data,
      plan: {
        ...data.plan,
        schemes: {
          ...data.plan.schemes,
          "80/20": {
            train: data.plan.schemes["80/20"].train.filter((i) =>
              !dropped.has(i.id)
            ),
            validation: data.plan.schemes["80/20"].validation,
          },
        },
      },
    };
    const spec: Study002RunSpec = {
      setup: "v2",
      half: null,
      balance: "augment",
    };
    const images = study002RunImages(
      unbalanced,
      spec,
      TINY,
      7,
      result.settings,
    );
    assertEquals(perClass(images.topUps), [3, 0, 0]);
    const balanced = await runStudy002Transfer(
      context,
      unbalanced,
      spec,
      () =>
        extractStudy002Features(
          unbalanced,
          7,
          result.settings,
          BASE_DIR,
          images.topUps,
        ),
      // Another root: the run id is that of the complete v2 run above.
      { runsRoot: join(root, "unbalanced"), baseDir: BASE_DIR },
    );
    assert(!balanced.reused);
    assertEquals(balanced.splits.train, 3 * balanceTarget(TINY, "80/20"));
    const balancedSplit = JSON.parse(
      await Deno.readTextFile(join(balanced.dir, "split.json")),
    );
    assertEquals(
      balancedSplit.topUp.map((t: { id: string }) => t.id),
      ids(images.topUps),
    );
    await Deno.remove(root, { recursive: true });
  },
});
