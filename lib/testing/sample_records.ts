/**
 * Run records of every kind the report draws, written as `runSearch`,
 * `runClassifier` and the studies' experiments write them: a single-output
 * classifier (study 004), a hyperparameter search with its trials and test
 * record (study 001), a three-headed run (study 003), a combined vs
 * hierarchical comparison (study 000) and a photo check of a model on photos
 * from outside its data (study 000, with thumbnails of its mistakes); the
 * test runs keep galleries of their first mistakes, as test runs do. Their metrics are computed from
 * label arrays with the workspace's own metric functions. The report's
 * tests build from them in a temporary folder.
 *
 * @module
 */
import { join } from "node:path";
import { classifierMetrics } from "../runs/classifier_metrics.ts";
import { mcnemarExact } from "../eval/mcnemar.ts";
import { createRng } from "../random.ts";
import { FASHION_MNIST_CLASSES } from "../data/acquire/catalog.ts";
import { rgbToPng } from "../data/images/decode.ts";
import { Buffer } from "node:buffer";
import type { PhotoCheckMetrics } from "../runs/photo_check_metrics.ts";
import { perClassResults } from "../execute/photo_check.ts";
import { testGallery } from "../execute/gallery.ts";
import type { GalleryEntry } from "../runs/gallery.ts";
import type { HeadPredictions, RunJson } from "../runs/run_json.ts";

const VERSIONS = {
  deno: "2.9.6",
  "@tensorflow/tfjs-core": "4.22.0",
};

async function writeRecord(
  root: string,
  run: Omit<RunJson, "status" | "versions" | "startedAt" | "files">,
  metrics: unknown,
  history: Record<string, number>[],
  extra: Record<string, unknown> = {},
): Promise<void> {
  const dir = join(root, run.id);
  await Deno.mkdir(dir, { recursive: true });
  const files = ["history.json", "metrics.json", ...Object.keys(extra)];
  await Deno.writeTextFile(join(dir, "history.json"), JSON.stringify(history));
  await Deno.writeTextFile(join(dir, "metrics.json"), JSON.stringify(metrics));
  for (const [name, value] of Object.entries(extra)) {
    await Deno.writeTextFile(join(dir, name), JSON.stringify(value));
  }
  const json: RunJson = {
    ...run,
    status: "complete",
    versions: VERSIONS,
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:10.000Z",
    files,
  };
  await Deno.writeTextFile(join(dir, "run.json"), JSON.stringify(json));
}

/** Labels of `n` samples over `classes` classes, predicted right with probability `skill`. */
function labels(
  n: number,
  classes: number,
  skill: number,
  seed: number,
): { truth: number[]; predicted: number[] } {
  const rng = createRng(seed);
  const truth = Array.from({ length: n }, (_, i) => i % classes);
  const predicted = truth.map((t) => rng.next() < skill ? t : rng.int(classes));
  return { truth, predicted };
}

/**
 * The `misclassified.json` of a sample test run, made as a test run makes
 * it (`testGallery`): plain grey images of `shape`, the predicted class at
 * probability 0.6.
 */
function sampleGallery(
  l: { truth: number[]; predicted: number[] },
  classNames: string[],
  shape: [number, number, number],
  head?: string,
): Promise<GalleryEntry[]> {
  const size = shape[0] * shape[1] * shape[2];
  const predictions: HeadPredictions = {
    classNames,
    trueLabels: l.truth,
    predictedLabels: l.predicted,
    probabilities: l.predicted.map((p) =>
      classNames.map((_, k) => k === p ? 0.6 : 0.4 / (classNames.length - 1))
    ),
  };
  return testGallery(
    {
      shape,
      image: (i) => new Uint8Array(size).fill((i * 37) % 256),
    },
    head === undefined ? predictions : { heads: { [head]: predictions } },
  );
}

const BACKEND = {
  name: "cpu",
  device: "CPU (2 cores)",
  packages: { "@tensorflow/tfjs-backend-cpu": "4.22.0" },
};

const history = (epochs: number, heads: string[] = []) =>
  Array.from({ length: epochs }, (_, e) => {
    const entry: Record<string, number> = {
      loss: 1.5 / (e + 1),
      val_loss: 1.7 / (e + 1),
      epoch: e,
    };
    if (heads.length) {
      for (const h of heads) {
        entry[`${h}_acc`] = 0.5 + 0.1 * e;
        entry[`val_${h}_acc`] = 0.45 + 0.1 * e;
      }
    } else {
      entry.acc = 0.5 + 0.1 * e;
      entry.val_acc = 0.45 + 0.1 * e;
    }
    return entry;
  });

/** The search's trials: kernel size x filters, validation accuracy made up per cell. */
export const SAMPLE_GRID: { kernelSize: number; filters: number }[] = [3, 5, 7]
  .flatMap((kernelSize) =>
    [32, 64, 128].map((filters) => ({ kernelSize, filters }))
  );

/** Validation accuracy of a sample trial: best at kernel 5, 64 filters. */
export function sampleValAccuracy(p: { kernelSize: number; filters: number }) {
  return 0.9 - 0.05 * Math.abs(p.kernelSize - 5) -
    0.001 * Math.abs(p.filters - 64);
}

/**
 * Writes the sample records into `root` and returns their ids by kind.
 *
 * @example
 * ```ts
 * const root = await Deno.makeTempDir();
 * await writeSampleRecords(root);
 * const runs = await readCompleteRuns(root);
 * ```
 */
export async function writeSampleRecords(root: string): Promise<{
  classifier: string;
  trials: string[];
  test: string;
  multiHead: string;
  comparison: string;
  photoCheck: string;
}> {
  // Study 004: one classifier.
  const fashion = [...FASHION_MNIST_CLASSES];
  const c = labels(200, 10, 0.8, 1);
  await writeRecord(
    root,
    {
      id: "study-004-cnn-s1",
      name: "Study 004 Fashion-MNIST CNN",
      params: { filters: 32, epochs: 3, profile: "smoke" },
      seed: 1,
      dataset: { id: "fashion-mnist", fingerprint: "0123456789abcdef0123" },
      splits: { train: 600, validation: 100, test: 200 },
      backend: BACKEND,
      tags: { study: "004", profile: "smoke" },
      durationSeconds: 12.5,
    },
    classifierMetrics(c.truth, c.predicted, fashion, 0.78),
    history(3),
    { "misclassified.json": await sampleGallery(c, fashion, [28, 28, 1]) },
  );

  // Study 001: a 3 x 3 grid search and the test of the chosen trial.
  const shoes = [
    "Shoes-Female-Sandals",
    "Shoes-Male-Boots",
    "Shoes-Female-High heels",
  ];
  const standIn = "product photos stand in for the fashion-shop photos";
  const trials: string[] = [];
  for (const params of SAMPLE_GRID) {
    const id = `shoes-grid-trial-k${params.kernelSize}-f${params.filters}-s7`;
    trials.push(id);
    await writeRecord(
      root,
      {
        id,
        name: "Shoes grid trial",
        params,
        seed: 7,
        dataset: {
          id: "fashion-product-images",
          fingerprint: "fedcba9876543210",
        },
        splits: { train: 90, validation: 30 },
        backend: BACKEND,
        tags: { study: "001", profile: "smoke", standIn },
        durationSeconds: params.filters / 10,
      },
      { valAccuracy: sampleValAccuracy(params) },
      history(2),
    );
  }
  const chosen = trials[
    SAMPLE_GRID.findIndex((p) => p.kernelSize === 5 && p.filters === 64)
  ];
  const t = labels(60, 3, 0.7, 2);
  await writeRecord(
    root,
    {
      id: "shoes-grid-test-s7",
      name: "Shoes grid test",
      params: {
        kernelSize: 5,
        filters: 64,
        selectedFrom: chosen,
        candidates: trials.length,
      },
      seed: 7,
      dataset: {
        id: "fashion-product-images",
        fingerprint: "fedcba9876543210",
      },
      splits: { train: 90, validation: 30, test: 60 },
      backend: BACKEND,
      tags: { study: "001", profile: "smoke", standIn },
      durationSeconds: 1,
    },
    {
      ...classifierMetrics(t.truth, t.predicted, shoes, null),
      valAccuracy: 0.9,
    },
    [],
    {
      "search.json": { selected: chosen, trials },
      "misclassified.json": await sampleGallery(t, shoes, [120, 90, 3]),
    },
  );

  // Study 003: one run, three heads.
  const headClasses: Record<string, string[]> = {
    masterCategory: ["Accessories", "Apparel", "Footwear"],
    subCategory: ["Bags", "Shoes", "Topwear", "Watches"],
    gender: ["Men", "Unisex", "Women"],
  };
  const headGalleries: GalleryEntry[] = [];
  const heads: Record<string, ReturnType<typeof classifierMetrics>> = {};
  for (const [i, [h, names]] of Object.entries(headClasses).entries()) {
    const l = labels(90, names.length, 0.9 - 0.1 * i, 10 + i);
    headGalleries.push(...await sampleGallery(l, names, [80, 60, 3], h));
    heads[h] = classifierMetrics(l.truth, l.predicted, names, null);
  }
  const average = Object.values(heads).reduce((a, m) => a + m.accuracy, 0) /
    3;
  await writeRecord(
    root,
    {
      id: "study-003-multi-output-s3",
      name: "Study 003 multi-output",
      params: { filters: 16 },
      seed: 3,
      dataset: {
        id: "fashion-product-images",
        fingerprint: "fedcba9876543210",
      },
      splits: { train: 300, validation: 60, test: 90 },
      backend: BACKEND,
      tags: { study: "003", profile: "smoke" },
    },
    { heads, averageAccuracy: average, validation: null },
    history(
      2,
      Object.keys(headClasses),
    ),
    { "misclassified.json": headGalleries },
  );

  // Study 000: combined vs hierarchical on the same 40 images.
  const score = (
    points: number,
    exact: number,
    gender: number,
    type: number,
  ) => ({
    n: 40,
    points,
    maxPoints: 80,
    exactPathAccuracy: exact,
    perLevel: { category: 1, gender, type },
  });
  await writeRecord(root, {
    id: "shoes-combined-vs-hierarchical-s42",
    name: "Shoes combined vs hierarchical",
    params: {},
    seed: 42,
    dataset: { id: "fashion-product-images", fingerprint: "fedcba9876543210" },
    splits: { test: 40 },
    backend: BACKEND,
    tags: { study: "000", profile: "smoke", kind: "comparison", standIn },
  }, {
    combined: score(50, 0.4, 0.7, 0.55),
    hierarchical: score(58, 0.5, 0.8, 0.65),
    mcnemar: mcnemarExact(2, 6),
  }, []);
  // Study 000: the primary model checked on photos from outside its data.
  const shopClasses = ["Glasses&Sunglasses", "Shoes", "Trousers&Jeans"];
  const p = labels(30, 3, 0.5, 9);
  const ids = p.truth.map((_, i) => `photo_${i}.jpg`);
  const misclassified = p.truth.flatMap((t, i) =>
    t === p.predicted[i] ? [] : [{
      id: ids[i],
      trueClass: shopClasses[t],
      predicted: shopClasses[p.predicted[i]],
      confidence: 0.9 - 0.01 * i,
    }]
  );
  const photoMetrics: PhotoCheckMetrics = {
    ...classifierMetrics(p.truth, p.predicted, shopClasses, null),
    modelRunId: "shoes-grid-test-s7",
    perClass: perClassResults(p.truth, p.predicted, shopClasses),
    misclassified,
  };
  const gallery = [];
  for (const [k, m] of misclassified.slice(0, 4).entries()) {
    const rgb = new Uint8Array(120 * 90 * 3).fill(60 * k);
    gallery.push({
      ...m,
      png: Buffer.from(await rgbToPng(rgb, 90, 120)).toString("base64"),
    });
  }
  await writeRecord(
    root,
    {
      id: "primary-on-fashion-shop-samples-s42",
      name: "Primary_Classification on fashion-shop-samples",
      params: { modelRunId: "shoes-grid-test-s7" },
      seed: 42,
      dataset: { id: "fashion-shop-samples", fingerprint: "9bf5ffa3b6f746f4" },
      splits: { test: 30 },
      backend: BACKEND,
      tags: {
        study: "000",
        profile: "smoke",
        check: "photos",
        photos: "fashion-shop-samples",
        model: "Primary_Classification",
      },
    },
    photoMetrics,
    [],
    { "misclassified.json": gallery },
  );
  return {
    classifier: "study-004-cnn-s1",
    trials,
    test: "shoes-grid-test-s7",
    multiHead: "study-003-multi-output-s3",
    comparison: "shoes-combined-vs-hierarchical-s42",
    photoCheck: "primary-on-fashion-shop-samples-s42",
  };
}
