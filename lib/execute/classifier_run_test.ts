/**
 * Every single-output architecture of the studies trains for one epoch on
 * real images (smoke profile) into a complete run record with its metrics
 * and a gallery of its first mistakes, and a second call reuses the record
 * instead of training again.
 */
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import { getProfile } from "../profiles.ts";
import { buildStudyCnn, STUDY_CNN_ARCHITECTURES } from "../models/study_cnn.ts";
import { buildFashionMnistCnn } from "../models/fashion_mnist_cnn.ts";
import { readRun } from "../runs/record.ts";
import { runClassifier } from "./classifier_run.ts";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { readGallery, TEST_GALLERY_MAX } from "../runs/gallery.ts";
import { validateGallery } from "../runs/validate.ts";
import {
  fashionMnistPerClass,
  mainCategoryPhotos,
} from "../testing/real_samples.ts";

const backend = await selectBackend("wasm");
const profile = getProfile("smoke");

async function expectCompleteRecord(dir: string, classes: number, n: number) {
  const run = await readRun(dir);
  if (run?.status !== "complete") {
    throw new Error(`${dir}: status ${run?.status}`);
  }
  for (const file of ["history.json", "predictions.json", "metrics.json"]) {
    if (!run.files.includes(file)) {
      throw new Error(`${dir}: ${file} missing from ${run.files}`);
    }
  }
  if (
    run.backend.name !== "wasm" ||
    !run.backend.packages?.["@tensorflow/tfjs-backend-wasm"] ||
    !run.versions["@tensorflow/tfjs-core"]
  ) {
    throw new Error(JSON.stringify(run));
  }
  const metrics = JSON.parse(
    await Deno.readTextFile(join(dir, "metrics.json")),
  );
  if (metrics.n !== n || metrics.confusion.length !== classes) {
    throw new Error(JSON.stringify(metrics));
  }
  const total = metrics.confusion.flat().reduce(
    (a: number, b: number) => a + b,
    0,
  );
  if (
    total !== n ||
    !(metrics.wilson95.low <= metrics.accuracy &&
      metrics.accuracy <= metrics.wilson95.high)
  ) {
    throw new Error(`inconsistent metrics ${JSON.stringify(metrics)}`);
  }
  const index = JSON.parse(
    await Deno.readTextFile(join(dir, "..", "index.json")),
  );
  if (!JSON.stringify(index).includes(run.id)) {
    throw new Error("run missing from index.json");
  }
}

Deno.test({
  name:
    "study 000 CNN variants: one epoch on real product photos, complete run records",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "runs_" });
    const all = await mainCategoryPhotos(8);
    const split = (from: number, to: number) => {
      const keep = Array.from(all.labels).flatMap((
        _,
        i,
      ) => (i % 8 >= from && i % 8 < to ? [i] : []));
      const size = 120 * 90 * 3;
      const images = new Uint8Array(keep.length * size);
      keep.forEach((i, j) =>
        images.set(all.images.subarray(i * size, (i + 1) * size), j * size)
      );
      return {
        images,
        shape: all.shape,
        labels: keep.map((i) => all.labels[i]),
      };
    };
    const data = {
      train: split(0, 4),
      validation: split(4, 6),
      test: split(6, 8),
      classNames: all.classNames,
    };
    for (const architecture of STUDY_CNN_ARCHITECTURES) {
      const spec = {
        name: `Primary ${architecture}`,
        study: "000",
        build: (seed: number) =>
          buildStudyCnn({
            classes: 3,
            seed,
            architecture,
            filters: 8,
            denseSize: 16,
          }),
        params: { architecture, filters: 8, denseSize: 16 },
        data,
        dataset: { id: "fashion-product-images", fingerprint: "test" },
        standIn: "product photos stand in for the fashion-shop photos",
        profile,
        seed: 1,
        backend,
        runsRoot: root,
        tags: { model: `Primary_${architecture}`, study: "overridden" },
      };
      const first = await runClassifier(spec);
      await expectCompleteRecord(first.dir, 3, 6);
      const tags = (await readRun(first.dir))?.tags;
      if (
        tags?.model !== `Primary_${architecture}` || tags?.study !== "000" ||
        tags?.profile !== profile.name || !tags?.standIn
      ) {
        throw new Error(`tags ${JSON.stringify(tags)}`);
      }
      const again = await runClassifier(spec);
      if (!again.reused || again.metrics.accuracy !== first.metrics.accuracy) {
        throw new Error("not reused");
      }
    }
    await Deno.remove(root, { recursive: true });
  },
});

Deno.test({
  name: "study 004 CNN: one epoch on real Fashion-MNIST, complete run record",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "runs_" });
    const [train, validation, test] = await Promise.all([
      fashionMnistPerClass(10, 0),
      fashionMnistPerClass(3, 10),
      fashionMnistPerClass(3, 13),
    ]);
    const result = await runClassifier({
      name: "Fashion-MNIST CNN",
      study: "004",
      build: (seed) => buildFashionMnistCnn({ seed }),
      params: {},
      data: { train, validation, test, classNames: train.classNames },
      dataset: { id: "fashion-mnist", fingerprint: "test" },
      profile,
      seed: 1,
      backend,
      runsRoot: root,
    });
    await expectCompleteRecord(result.dir, 10, 30);
    // The record keeps its first mistakes, capped, in test order.
    const gallery = await readGallery(result.dir);
    const wrong = result.metrics.n - result.metrics.correct;
    assertEquals(gallery.length, Math.min(wrong, TEST_GALLERY_MAX));
    assertEquals(validateGallery(gallery, result.metrics.classNames), []);
    const indices = gallery.map((e) => e.index!);
    assertEquals(indices, [...indices].sort((a, b) => a - b));
    assertEquals([gallery[0]?.width, gallery[0]?.height], [28, 28]);
    if (!(await readRun(result.dir))?.files.includes("misclassified.json")) {
      throw new Error("misclassified.json is not among the record's files");
    }
    await Deno.remove(root, { recursive: true });
  },
});
