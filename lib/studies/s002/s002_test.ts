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
import { augmentedCopy, extractStudy002Features } from "./features.ts";
import {
  CLOTHING_SPLIT_FOLDERS,
  listStudy002Images,
  loadStudy002Data,
  planStudy002Splits,
  study002Arrays,
  type Study002Plan,
  STUDY_002_CLASSES,
  STUDY_002_DATASET,
  STUDY_002_IMAGE_SIZE,
  TRAIN_FRACTION,
} from "./data.ts";
import { SPLIT_SCHEMES } from "../../published/published.ts";
import {
  compareStudy002Runs,
  runStudy002,
  runStudy002Transfer,
} from "./runs.ts";
import { study002ResultsTable, study002SplitTable } from "./tables.ts";
import type { LabContext } from "../../runs/lab_context.ts";

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
    "study 002 on real photos: four complete run records with t-based intervals, reused on a rerun",
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
      result.runs.map((r) => `${r.model} ${r.split} ${r.reused}`),
      [
        "baseline 80/20 false",
        "baseline 50/50 false",
        "mobilenetv2 80/20 false",
        "mobilenetv2 50/50 false",
      ],
    );
    assert(result.featureSeconds > 0);
    const testIds: string[][] = [];
    for (const run of result.runs) {
      const m = await expectRecord(
        run.dir,
        run.model,
        run.split,
        data.plan.test.length,
      );
      assertEquals(m, run.metrics);
      const split = JSON.parse(
        await Deno.readTextFile(join(run.dir, "split.json")),
      );
      testIds.push(split.test);
      assertEquals(split.train.length, run.splits.train);
      assertEquals(
        (await readRun(run.dir))?.splits,
        run.splits as unknown as Record<string, number>,
      );
    }
    // One test set for all four runs; 50/50 trains on fewer images.
    assert(
      testIds.every((t) => JSON.stringify(t) === JSON.stringify(testIds[0])),
    );
    assert(result.runs[1].splits.train < result.runs[0].splits.train);

    // Paired comparisons on the shared test images agree with the counts.
    const comparisons = await compareStudy002Runs(result.runs);
    assertEquals(comparisons.length, 4);
    for (const c of comparisons) {
      assertEquals(
        c.mcnemar.b - c.mcnemar.c,
        c.first.metrics.correct - c.second.metrics.correct,
        c.label,
      );
      assert(c.mcnemar.pValue > 0 && c.mcnemar.pValue <= 1);
    }
    const table = study002ResultsTable(result.runs);
    assertEquals(table.rows.length, 4);
    assert(table.rows[2][6].includes("VGG16 v2: 95.0%"), table.rows[2][6]);
    assertEquals(table.rows[1][6], "not run in the study");

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
      "80/20",
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
          transferCompile: { optimizer: "rmsprop", learningRate: 1e-3 },
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
    await Deno.remove(root, { recursive: true });
  },
});
