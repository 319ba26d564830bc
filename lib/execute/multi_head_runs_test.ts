/**
 * The two architectures that do not fit `runClassifier`'s single softmax
 * output, trained for one epoch on real images into complete run records:
 * study 003's three-headed network and study 002's MobileNetV2 transfer model.
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import {
  buildMultiOutputCnn,
  MULTI_OUTPUT_HEADS,
} from "../models/multi_output.ts";
import {
  buildTransferModel,
  extractFeatures,
  loadMobileNetV2Base,
  mobileNetPreprocess,
} from "../models/transfer.ts";
import { compileClassifier } from "../train/compile.ts";
import { fit } from "../train/fit.ts";
import { predictClasses } from "../train/predict.ts";
import { readRun, RunRecord } from "../runs/record.ts";
import { readStylesCsv } from "../data/labels/styles_csv.ts";
import { decodeToRgb } from "../data/images/decode.ts";
import { datasetDir } from "../testing/mirror.ts";
import { classifierMetrics } from "../runs/classifier_metrics.ts";

const backend = await selectBackend("wasm");
const backendRef = {
  name: backend.name,
  device: backend.device,
  packages: backend.packages,
};

async function decodeAll(
  paths: string[],
  width: number,
  height: number,
): Promise<tf.Tensor4D> {
  const pixels = new Uint8Array(paths.length * width * height * 3);
  for (const [i, path] of paths.entries()) {
    pixels.set(
      await decodeToRgb(path, { width, height }),
      i * width * height * 3,
    );
  }
  return tf.tensor4d(pixels, [paths.length, height, width, 3], "int32");
}

async function expectComplete(dir: string) {
  const run = await readRun(dir);
  if (run?.status !== "complete") throw new Error(`${dir}: ${run?.status}`);
  for (const file of ["history.json", "predictions.json", "metrics.json"]) {
    if (!run.files.includes(file)) throw new Error(`${dir}: no ${file}`);
  }
  return JSON.parse(await Deno.readTextFile(join(dir, "metrics.json")));
}

Deno.test({
  name:
    "study 003 multi-output network: one epoch on real product photos, per-head run record",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = datasetDir("fashion-product-images");
    const styles = await readStylesCsv(join(dir, "styles.csv"));
    const picked = ["Apparel", "Accessories", "Footwear"].flatMap((master) =>
      styles.rows.filter((r) => r.masterCategory === master).slice(0, 6)
    );
    const heads = {
      masterCategory: picked.map((r) => r.masterCategory),
      subCategory: picked.map((r) => r.subCategory),
      gender: picked.map((r) => r.gender),
    };
    const names = Object.fromEntries(
      MULTI_OUTPUT_HEADS.map((h) => [h, [...new Set(heads[h])].sort()]),
    ) as Record<typeof MULTI_OUTPUT_HEADS[number], string[]>;
    const labels = (h: typeof MULTI_OUTPUT_HEADS[number]) =>
      heads[h].map((v) => names[h].indexOf(v));
    const images = await decodeAll(
      picked.map((r) => join(dir, "images", `${r.id}.jpg`)),
      60, // the multi-output network's default input: 80 high, 60 wide
      80,
    );
    const x = tf.tidy(() => images.toFloat().div(255));
    const ys = MULTI_OUTPUT_HEADS.map((h) =>
      tf.oneHot(tf.tensor1d(labels(h), "int32"), names[h].length)
    );

    const root = await Deno.makeTempDir({ prefix: "runs_" });
    const run = await RunRecord.start({
      name: "Multi-output",
      params: { filters: 8, denseSize: 16 },
      seed: 1,
      dataset: { id: "fashion-product-images", fingerprint: "test" },
      splits: { train: picked.length, test: picked.length },
      backend: backendRef,
      tags: { study: "003", profile: "smoke" },
    }, { root });
    const model = buildMultiOutputCnn({
      classes: {
        masterCategory: names.masterCategory.length,
        subCategory: names.subCategory.length,
        gender: names.gender.length,
      },
      seed: 1,
      filters: 8,
      denseSize: 16,
    });
    compileClassifier(model);
    const result = await fit(model, { x, y: ys }, {
      epochs: 1,
      batchSize: 6,
      seed: 1,
      checkpointPath: run.checkpointPath,
    });
    const predictions = await predictClasses(model, x);
    const perHead = Object.fromEntries(MULTI_OUTPUT_HEADS.map((h, i) => [h, {
      classNames: names[h],
      trueLabels: labels(h),
      predictedLabels: predictions[i].predicted,
      probabilities: predictions[i].probabilities,
    }]));
    await run.writeHistory(result.history);
    await run.writePredictions({ heads: perHead });
    const metrics = Object.fromEntries(MULTI_OUTPUT_HEADS.map((h, i) => [
      h,
      classifierMetrics(labels(h), predictions[i].predicted, names[h], null),
    ]));
    const average = MULTI_OUTPUT_HEADS.reduce((a, h) =>
      a + metrics[h].accuracy, 0) / 3;
    await run.writeMetrics({ heads: metrics, averageAccuracy: average });
    await run.saveModel(model);
    await run.complete();
    const written = await expectComplete(run.dir);
    for (const h of MULTI_OUTPUT_HEADS) {
      if (written.heads[h].n !== picked.length) {
        throw new Error(`${h}: ${JSON.stringify(written.heads[h])}`);
      }
    }
    if (Math.abs(written.averageAccuracy - average) > 1e-12) {
      throw new Error("average accuracy");
    }
    tf.dispose([images, x, ...ys]);
    model.dispose();
    await Deno.remove(root, { recursive: true });
  },
});

Deno.test({
  name:
    "study 002 transfer model: head trained on frozen MobileNetV2 features of real photos, run record",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const classes = ["dress", "longsleeve", "shirt"];
    const dir = join(datasetDir("clothing-dataset-small"), "train");
    const paths: string[] = [];
    const labelOf: number[] = [];
    for (const [k, name] of classes.entries()) {
      const files = [...Deno.readDirSync(join(dir, name))].map((e) => e.name)
        .sort().slice(0, 4);
      for (const f of files) {
        paths.push(join(dir, name, f));
        labelOf.push(k);
      }
    }
    const images = await decodeAll(paths, 224, 224);
    const base = await loadMobileNetV2Base();
    const { frozen, trainable, full } = buildTransferModel({
      base,
      classes: 3,
      seed: 1,
    });
    const features = await extractFeatures(frozen, images);
    const y = tf.oneHot(tf.tensor1d(labelOf, "int32"), 3);
    const root = await Deno.makeTempDir({ prefix: "runs_" });
    const run = await RunRecord.start({
      name: "MobileNetV2 transfer",
      params: { fineTuneBlocks: 0 },
      seed: 1,
      dataset: { id: "clothing-dataset-small", fingerprint: "test" },
      splits: { train: paths.length, test: paths.length },
      backend: backendRef,
      tags: {
        study: "002",
        profile: "smoke",
        standIn: "longsleeve stands in for pullover",
      },
    }, { root });
    compileClassifier(trainable);
    const result = await fit(trainable, { x: features, y }, {
      epochs: 1,
      batchSize: 4,
      seed: 1,
    });
    const [predicted] = await predictClasses(
      full,
      tf.tidy(() => mobileNetPreprocess(images)),
    );
    // The saved image -> class model is the head on the frozen features.
    const [fromFeatures] = await predictClasses(trainable, features);
    for (const [i, row] of predicted.probabilities.entries()) {
      for (const [k, p] of row.entries()) {
        if (Math.abs(p - fromFeatures.probabilities[i][k]) > 1e-4) {
          throw new Error(
            `image ${i} class ${k}: ${p} vs ${
              fromFeatures.probabilities[i][k]
            }`,
          );
        }
      }
    }
    await run.writeHistory(result.history);
    await run.writePredictions({
      classNames: classes,
      trueLabels: labelOf,
      predictedLabels: predicted.predicted,
      probabilities: predicted.probabilities,
    });
    await run.writeMetrics({
      ...classifierMetrics(labelOf, predicted.predicted, classes, null),
    });
    await run.saveModel(full);
    await run.complete();
    const written = await expectComplete(run.dir);
    if (written.n !== 12 || written.confusion.length !== 3) {
      throw new Error(JSON.stringify(written));
    }
    tf.dispose([images, features, y]);
    await Deno.remove(root, { recursive: true });
  },
});
