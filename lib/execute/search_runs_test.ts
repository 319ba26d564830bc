import * as tf from "@tensorflow/tfjs";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import { buildStudyCnn } from "../models/study_cnn.ts";
import { readRun } from "../runs/record.ts";
import { compileClassifier } from "../train/compile.ts";
import { fit } from "../train/fit.ts";
import { labelsOf, predictClasses } from "../train/predict.ts";
import { fashionMnistSample } from "../testing/fashion_mnist_sample.ts";
import {
  gridSearch,
  type Params,
  validationAccuracy,
} from "../train/search.ts";
import { runSearch } from "./search_runs.ts";

const backend = await selectBackend("cpu");

Deno.test("search picks the best validation trial and evaluates the test set once", async () => {
  const root = await Deno.makeTempDir();
  const train = await fashionMnistSample({ perClass: 6, seed: 31 });
  const val = await fashionMnistSample({ perClass: 4, offset: 6, seed: 32 });
  const test = await fashionMnistSample({ perClass: 3, offset: 10, seed: 33 });
  const testCalls: Params[] = [];
  const options = {
    name: "Fashion-MNIST grid",
    seed: 5,
    root,
    candidates: gridSearch({ kernelSize: [3, 5], filters: [2, 6] }),
    info: {
      dataset: { id: "fashion-mnist", fingerprint: "mirror-sample" },
      splits: { train: 60, validation: 40, test: 30 },
      backend: { name: backend.name, device: backend.device },
    },
    train: async (p: Params, ctx: { seed: number; checkpointPath: string }) => {
      const model = buildStudyCnn({
        classes: 10,
        seed: ctx.seed,
        inputShape: [28, 28, 1],
        kernelSize: p.kernelSize as number,
        filters: p.filters as number,
      });
      compileClassifier(model, { learningRate: 1e-2 });
      const fitted = await fit(model, train, {
        epochs: 1,
        batchSize: 20,
        seed: ctx.seed,
        validation: val,
        checkpointPath: ctx.checkpointPath,
      });
      return {
        model,
        history: fitted.history,
        valAccuracy: validationAccuracy(fitted),
      };
    },
    test: async (model: tf.LayersModel, p: Params) => {
      testCalls.push(p);
      const [pred] = await predictClasses(model, test.x);
      const trueLabels = await labelsOf(test.y);
      const correct =
        pred.predicted.filter((c, i) => c === trueLabels[i]).length;
      return {
        predictions: {
          trueLabels,
          predictedLabels: pred.predicted,
          probabilities: pred.probabilities,
        },
        metrics: { testAccuracy: correct / trueLabels.length },
      };
    },
  };
  try {
    const result = await runSearch(options);
    assertEquals(result.trials.length, 4);
    const accs = result.trials.map((t) => t.valAccuracy);
    const bestIndex = accs.indexOf(Math.max(...accs));
    assertEquals(result.best, result.trials[bestIndex]);
    for (const t of result.trials) {
      const saved = JSON.parse(
        await Deno.readTextFile(join(root, t.runId, "metrics.json")),
      );
      assertEquals(saved.valAccuracy, t.valAccuracy);
      assertEquals((await readRun(join(root, t.runId)))?.status, "complete");
    }
    assertEquals(testCalls, [result.best.params]);
    const testRun = await readRun(join(root, result.testRunId));
    assertEquals(testRun?.status, "complete");
    assertEquals(testRun?.params.selectedFrom, result.best.runId);
    const predictions = JSON.parse(
      await Deno.readTextFile(join(root, result.testRunId, "predictions.json")),
    );
    assertEquals(predictions.trueLabels.length, 30);
    const index = JSON.parse(await Deno.readTextFile(join(root, "index.json")));
    assertEquals(index.runs.length, 5);

    // Running the same search again reuses every run and never re-tests.
    const again = await runSearch(options);
    assert(again.trials.every((t) => t.reused));
    assertEquals(again.best, { ...result.best, reused: true });
    assertEquals(again.testMetrics, result.testMetrics);
    assertEquals(testCalls.length, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
