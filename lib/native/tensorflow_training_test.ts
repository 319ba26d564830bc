/**
 * A short real training run on the native `tensorflow` backend: study 000's
 * primary CNN learns the three main categories from real product photos.
 * Skips, saying why, where the tfjs-node addon has not been built.
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import { loadTfjsNode } from "./tfjs_node.ts";
import { buildStudyCnn } from "../models/study_cnn.ts";
import {
  MAIN_CATEGORIES,
  mapStyleRow,
  readStylesCsv,
} from "../data/taxonomy.ts";
import { decodeToRgb } from "../data/images.ts";
import { datasetDir } from "../data/testdata/mirror.ts";

const native = await loadTfjsNode();
if (!native.ok) {
  console.log(`tensorflow training test skipped: ${native.reason}`);
}

const PER_CLASS = 16;

async function mainCategorySample(): Promise<
  { x: tf.Tensor4D; y: tf.Tensor2D }
> {
  const dir = datasetDir("fashion-product-images");
  const styles = await readStylesCsv(join(dir, "styles.csv"));
  const byClass: string[][] = MAIN_CATEGORIES.map(() => []);
  for (
    const row of [...styles.rows].sort((a, b) => Number(a.id) - Number(b.id))
  ) {
    const mapped = mapStyleRow(row);
    if (mapped.kind !== "label") continue;
    const k = MAIN_CATEGORIES.indexOf(mapped.label.category);
    if (byClass[k].length < PER_CLASS) {
      byClass[k].push(join(dir, "images", `${row.id}.jpg`));
    }
  }
  const pixels: number[] = [];
  const labels: number[] = [];
  for (const [k, paths] of byClass.entries()) {
    if (paths.length < PER_CLASS) {
      throw new Error(`only ${paths.length} images of ${MAIN_CATEGORIES[k]}`);
    }
    for (const path of paths) {
      for (const v of await decodeToRgb(path)) pixels.push(v / 255);
      labels.push(k);
    }
  }
  return {
    x: tf.tensor4d(pixels, [labels.length, 120, 90, 3]),
    y: tf.oneHot(tf.tensor1d(labels, "int32"), 3) as tf.Tensor2D,
  };
}

Deno.test({
  name: "tensorflow: the primary CNN learns main categories from real photos",
  ignore: !native.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const backend = await selectBackend("tensorflow");
    if (tf.getBackend() !== "tensorflow") {
      throw new Error("tensorflow not active");
    }
    const { x, y } = await mainCategorySample();
    const model = buildStudyCnn({
      classes: 3,
      seed: 3,
      kernelSize: 3,
      filters: 64,
    });
    model.compile({
      optimizer: tf.train.adam(1e-3),
      loss: "categoricalCrossentropy",
      metrics: ["accuracy"],
    });
    const history = await model.fit(x, y, {
      epochs: 8,
      batchSize: 16,
      shuffle: false,
      verbose: 0,
    });
    const loss = history.history.loss as number[];
    const accuracy = history.history.acc as number[];
    console.log(
      `${backend.device}: loss ${
        loss.map((l) => l.toFixed(3)).join(" ")
      }; accuracy ${accuracy.at(-1)}`,
    );
    if (!(loss.at(-1)! < 0.7 * loss[0])) {
      throw new Error(`loss did not fall: ${loss}`);
    }
    if (!(accuracy.at(-1)! > 0.8)) {
      throw new Error(`training accuracy ${accuracy.at(-1)} not above 0.8`);
    }
    tf.dispose([x, y]);
    model.dispose();
    await selectBackend("cpu");
  },
});
