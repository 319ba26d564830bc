/**
 * The shared steps of every evaluated run: fit options from the profile,
 * test-set evaluation of a single-output classifier, and the run record
 * finished from an evaluation (complete with its files, or failed).
 */
import * as tf from "@tensorflow/tfjs";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects,
} from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import { getProfile } from "../profiles.ts";
import { buildFashionMnistCnn } from "../models/fashion_mnist_cnn.ts";
import { readRun, RunRecord } from "../runs/record.ts";
import type { RunInfo } from "../runs/run_json.ts";
import {
  evaluateClassifier,
  profileFitOptions,
  recordEvaluatedRun,
} from "./classifier_run.ts";

const backend = await selectBackend("cpu");

const info = (name: string): RunInfo => ({
  name,
  params: { filters: 2 },
  seed: 7,
  dataset: { id: "fashion-mnist", fingerprint: "sha256:test" },
  splits: { train: 0, validation: 0, test: 4 },
  backend: { name: backend.name, device: backend.device },
});

const tinyModel = () =>
  buildFashionMnistCnn({ seed: 7, filters: 2, denseSize: 4, dropout: 0 });

Deno.test("profile fit options: the profile's epochs, batch size and patience, no early stopping without patience", () => {
  const smoke = getProfile("smoke");
  const course = getProfile("course");
  assertEquals(profileFitOptions(smoke, 11), {
    epochs: smoke.epochs,
    batchSize: smoke.batchSize,
    seed: 11,
    earlyStopping: smoke.patience === null
      ? undefined
      : { patience: smoke.patience },
  });
  assertEquals(
    profileFitOptions({ epochs: 3, batchSize: 8, patience: null }, 1)
      .earlyStopping,
    undefined,
  );
  assertEquals(
    profileFitOptions({ ...course, patience: 4 }, 1).earlyStopping,
    { patience: 4 },
  );
});

Deno.test("evaluateClassifier: predictions agree with the model and the metrics with the predictions", async () => {
  const model = tinyModel();
  const x = tf.randomUniform([5, 28, 28, 1], 0, 1, "float32", 3);
  try {
    const trueLabels = [0, 1, 2, 3, 4];
    const classNames = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const history = [{ epoch: 0, val_acc: 0.2 }, { epoch: 1, val_acc: 0.6 }];
    const { predictions, metrics } = await evaluateClassifier(
      model,
      x,
      trueLabels,
      classNames,
      { history, bestEpoch: 1 },
      2,
    );
    const expected = await (model.predict(x) as tf.Tensor).argMax(-1)
      .array() as number[];
    assertEquals(predictions.predictedLabels, expected);
    assertEquals(predictions.trueLabels, trueLabels);
    assertEquals(predictions.classNames, classNames);
    assertEquals(predictions.probabilities.length, 5);
    const correct = expected.filter((p, i) => p === trueLabels[i]).length;
    assertEquals([metrics.n, metrics.correct], [5, correct]);
    assertEquals(metrics.accuracy, correct / 5);
    assertEquals(metrics.validationAccuracy, 0.6);
    const none = await evaluateClassifier(model, x, trueLabels, classNames, {
      history: [],
      bestEpoch: 0,
    });
    assertEquals(none.metrics.validationAccuracy, null);
    assertEquals(none.predictions.predictedLabels, expected);
  } finally {
    tf.dispose(x);
    model.dispose();
  }
});

Deno.test("recordEvaluatedRun: writes the evaluation's files in order and completes the run", async () => {
  const root = await Deno.makeTempDir();
  const model = tinyModel();
  try {
    const run = await RunRecord.start(info("Recorded run"), { root });
    const metrics = await recordEvaluatedRun(run, () =>
      Promise.resolve({
        history: [{ epoch: 0, loss: 1.5 }],
        predictions: {
          trueLabels: [0, 1],
          predictedLabels: [0, 0],
          probabilities: [[0.9, 0.1], [0.7, 0.3]],
        },
        files: { "split.json": { test: ["a", "b"] } },
        metrics: { accuracy: 0.5 },
        model,
      }));
    assertEquals(metrics, { accuracy: 0.5 });
    const json = await readRun(run.dir);
    assertEquals(json?.status, "complete");
    assertEquals(json?.files, [
      "history.json",
      "predictions.json",
      "split.json",
      "metrics.json",
      "model/model.json",
    ]);
    const read = async (name: string) =>
      JSON.parse(await Deno.readTextFile(join(run.dir, name)));
    assertEquals(await read("split.json"), { test: ["a", "b"] });
    assertEquals(await read("metrics.json"), { accuracy: 0.5 });
    const index = JSON.parse(await Deno.readTextFile(join(root, "index.json")));
    assertEquals(index.runs.map((r: { id: string }) => r.id), [run.id]);
    assertEquals(index.runs[0].metrics, { accuracy: 0.5 });
  } finally {
    model.dispose();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("recordEvaluatedRun: a failing evaluation or write marks the run failed and rethrows", async () => {
  const root = await Deno.makeTempDir();
  const model = tinyModel();
  try {
    const broken = await RunRecord.start(info("Broken evaluation"), { root });
    await rejects(
      recordEvaluatedRun(broken, () => Promise.reject(new Error("diverged"))),
      /diverged/,
    );
    const failed = await readRun(broken.dir);
    assertEquals([failed?.status, failed?.error], ["failed", "diverged"]);
    assertEquals(failed?.files, []);

    const mismatched = await RunRecord.start(info("Mismatched predictions"), {
      root,
    });
    await rejects(
      recordEvaluatedRun(mismatched, () =>
        Promise.resolve({
          history: [],
          predictions: {
            trueLabels: [0, 1],
            predictedLabels: [0],
            probabilities: [[1, 0]],
          },
          metrics: { accuracy: 1 },
          model,
        })),
      /must be equal/,
    );
    const half = await readRun(mismatched.dir);
    assertEquals(half?.status, "failed");
    assertEquals(half?.files, ["history.json"]);
    assert(half?.error?.includes("must be equal"));
  } finally {
    model.dispose();
    await Deno.remove(root, { recursive: true });
  }
});
