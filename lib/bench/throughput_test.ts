import * as tf from "@tensorflow/tfjs";
import { ok as assert } from "node:assert/strict";
import { selectBackend } from "../backend.ts";
import { buildStudyCnn } from "../models/study_cnn.ts";
import { compileClassifier } from "../train/compile.ts";
import { measurePrediction, measureTraining } from "./throughput.ts";

await selectBackend("cpu");

function tinyModel() {
  const model = buildStudyCnn({
    classes: 3,
    seed: 1,
    inputShape: [12, 9, 3],
    filters: 2,
    kernelSize: 3,
  });
  compileClassifier(model);
  return model;
}

for (const readEveryStep of [false, true]) {
  Deno.test(`training throughput counts every timed batch, without warm-up too (read every step: ${readEveryStep})`, async () => {
    const before = tf.memory().numTensors;
    const model = tinyModel();
    const result = await measureTraining(model, {
      batchSize: 4,
      warmupBatches: 0,
      minBatches: 3,
      minSeconds: 0,
      seed: 1,
      readEveryStep,
    });
    assert(
      result.phase === "train" && result.images === 12,
      JSON.stringify(result),
    );
    assert(
      result.imagesPerSecond > 0 && Number.isFinite(result.imagesPerSecond),
    );
    model.dispose();
    assert(
      tf.memory().numTensors === before,
      `${tf.memory().numTensors - before} tensors left behind`,
    );
  });
}

Deno.test("prediction throughput reads every batch back", async () => {
  const model = tinyModel();
  const result = await measurePrediction(model, {
    batchSize: 8,
    warmupBatches: 1,
    minBatches: 2,
    minSeconds: 0,
    seed: 2,
  });
  assert(result.phase === "predict" && result.images === 16);
  model.dispose();
});
