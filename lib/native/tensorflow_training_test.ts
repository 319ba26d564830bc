/**
 * A short real training run on the native `tensorflow` backend: study 000's
 * primary CNN learns the three main categories from real product photos.
 * Skips, saying why, where the tfjs-node addon has not been built.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend.ts";
import { loadTfjsNode } from "./tfjs_node.ts";
import { buildStudyCnn } from "../models/study_cnn.ts";
import { mainCategoryPhotos } from "../testing/real_samples.ts";

const native = await loadTfjsNode();
if (!native.ok) {
  console.log(`tensorflow training test skipped: ${native.reason}`);
}

async function mainCategorySample(): Promise<
  { x: tf.Tensor4D; y: tf.Tensor2D }
> {
  const sample = await mainCategoryPhotos(16);
  return tf.tidy(() => ({
    x: tf.tensor4d(
      sample.images,
      [sample.labels.length, ...sample.shape],
      "float32",
    ).div(255) as tf.Tensor4D,
    y: tf.oneHot(
      tf.tensor1d(Array.from(sample.labels), "int32"),
      3,
    ) as tf.Tensor2D,
  }));
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
