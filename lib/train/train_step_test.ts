import * as tf from "@tensorflow/tfjs";
import { ok as assert } from "node:assert/strict";
import { selectBackend } from "../backend.ts";
import { buildStudyCnn } from "../models/study_cnn.ts";
import { compileClassifier } from "./compile.ts";
import { fashionMnistSample } from "../testing/fashion_mnist_sample.ts";
import { MetricSums, trainStep } from "./train_step.ts";

await selectBackend("cpu");

function smallCnn() {
  const model = buildStudyCnn({
    classes: 10,
    seed: 3,
    inputShape: [28, 28, 1],
    filters: 4,
    kernelSize: 3,
    architecture: "dense",
    denseSize: 16,
  });
  compileClassifier(model, { learningRate: 3e-3 });
  return model;
}

Deno.test("trainStep takes the same steps as trainOnBatch and returns its values unread", async () => {
  const data = await fashionMnistSample({ perClass: 3, seed: 5 });
  const a = smallCnn();
  const b = smallCnn();
  for (let step = 0; step < 3; step++) {
    const fromTrainOnBatch = await a.trainOnBatch(data.x, data.y) as number[];
    const values = trainStep(b, data.x, [data.y]);
    const fromStep = await Promise.all(
      values.map(async (v) => (await v.data())[0]),
    );
    tf.dispose(values);
    for (const [i, v] of fromTrainOnBatch.entries()) {
      assert(
        Math.abs(v - fromStep[i]) < 1e-6,
        `step ${step} ${b.metricsNames[i]}: ${v} vs ${fromStep[i]}`,
      );
    }
  }
  const wa = a.getWeights();
  const wb = b.getWeights();
  for (const [i, w] of wa.entries()) {
    const diff = tf.max(tf.abs(tf.sub(w, wb[i]))).dataSync()[0];
    assert(diff < 1e-6, `weight ${i} differs by ${diff}`);
  }
  a.dispose();
  b.dispose();
  data.x.dispose();
  data.y.dispose();
});

Deno.test("trainStep on an uncompiled model says to compile it", () => {
  const model = buildStudyCnn({
    classes: 10,
    seed: 1,
    inputShape: [28, 28, 1],
    filters: 2,
  });
  const x = tf.zeros([1, 28, 28, 1]);
  const y = tf.zeros([1, 10]);
  try {
    trainStep(model, x, [y]);
    throw new Error("no error");
  } catch (error) {
    assert(String(error).includes("not compiled"), String(error));
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
});

Deno.test("MetricSums gives sample-weighted means and keeps no tensors after dispose", async () => {
  const before = tf.memory().numTensors;
  const sums = new MetricSums();
  const batches: [number[], number][] = [[[2, 0.5], 4], [[1, 0.25], 2], [
    [4, 1],
    1,
  ]];
  for (const [values, samples] of batches) {
    const scalars = values.map((v) => tf.scalar(v));
    sums.add(scalars, samples);
    tf.dispose(scalars);
  }
  const means = await sums.read();
  assert(sums.count === 7);
  assert(Math.abs(means[0] - (2 * 4 + 1 * 2 + 4 * 1) / 7) < 1e-6, `${means}`);
  assert(Math.abs(means[1] - (0.5 * 4 + 0.25 * 2 + 1) / 7) < 1e-6, `${means}`);
  sums.dispose();
  assert(tf.memory().numTensors === before, "tensors left behind");
  assert((await new MetricSums().read()).length === 0);
});
