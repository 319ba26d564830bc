import * as tf from "@tensorflow/tfjs";
import { ok as assert } from "node:assert/strict";
import { selectBackend } from "../backend.ts";
import { buildStudyCnn } from "../models/study_cnn.ts";
import { buildMultiOutputCnn } from "../models/multi_output.ts";
import { compileClassifier } from "./compile.ts";
import { fit } from "./fit.ts";

await selectBackend("cpu");

Deno.test("disposing a trained model frees its optimizer's state (Sequential and functional models)", async () => {
  const x = tf.randomUniform([8, 28, 28, 1], 0, 1, "float32", 1);
  const labels = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32");
  const y10 = tf.oneHot(labels, 10).toFloat();
  const y3 = tf.oneHot(labels, 3).toFloat();
  const y2 = tf.oneHot(tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], "int32"), 2)
    .toFloat();
  const before = tf.memory().numTensors;

  const sequential = buildStudyCnn({
    classes: 10,
    seed: 1,
    inputShape: [28, 28, 1],
    filters: 4,
    kernelSize: 3,
    architecture: "dense",
    denseSize: 8,
  });
  compileClassifier(sequential);
  await fit(sequential, { x, y: y10 }, { epochs: 1, batchSize: 4, seed: 1 });
  sequential.dispose();
  assert(
    tf.memory().numTensors === before,
    `Sequential: ${tf.memory().numTensors - before} tensors left`,
  );

  const multi = buildMultiOutputCnn({
    classes: { masterCategory: 3, subCategory: 10, gender: 2 },
    seed: 2,
    inputShape: [28, 28, 1],
    blocks: 1,
    filters: 4,
    denseSize: 8,
  });
  compileClassifier(multi);
  await fit(multi, { x, y: [y3, y10, y2] }, {
    epochs: 1,
    batchSize: 4,
    seed: 2,
  });
  multi.dispose();
  assert(
    tf.memory().numTensors === before,
    `functional: ${tf.memory().numTensors - before} tensors left`,
  );
  tf.dispose([x, labels, y10, y3, y2]);
});
