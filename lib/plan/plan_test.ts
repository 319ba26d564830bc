import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { buildStudyCnn } from "../models/study_cnn.ts";
import { modelSize } from "./model_cost.ts";
import { calibrate } from "./calibrate.ts";
import { estimatePlan, observedStopShare } from "./estimate.ts";
import type { ModelProbe, PlannedRun } from "./planned_work.ts";
import { temporaryDir } from "../testing/temp_dir.ts";

Deno.test("modelSize counts the convolutions' and dense layers' multiply-adds", () => {
  const model = buildStudyCnn({
    classes: 3,
    seed: 1,
    kernelSize: 3,
    filters: 64,
  });
  // conv 3x3x3x64 on 118x88, conv 3x3x64x64 on 57x42, dense 37,632 x 3.
  const expected = 3 * 3 * 3 * 64 * 118 * 88 + 3 * 3 * 64 * 64 * 57 * 42 +
    37632 * 3;
  assertEquals(modelSize(model), {
    multiplyAdds: expected,
    parameters: model.countParams(),
  });
  model.dispose();
});

const probe = (filters: number): ModelProbe => ({
  key: `cnn ${filters}`,
  family: "study-cnn",
  build: () =>
    buildStudyCnn({
      classes: 3,
      seed: 1,
      inputShape: [24, 18, 3],
      filters,
    }),
});

Deno.test("calibrate times the smallest, middle and largest of a family and interpolates the rest", async () => {
  const probes = [4, 8, 12, 16, 32].map(probe);
  const costs = await calibrate(probes, { batchSize: 8, minBatches: 1 });
  const measured = Object.values(costs).filter((c) => c.source === "measured")
    .map((c) => c.key).sort();
  assertEquals(measured, ["cnn 12", "cnn 32", "cnn 4"]);
  for (const c of Object.values(costs)) {
    assert(c.trainSecondsPerImage > 0 && c.predictSecondsPerImage > 0, c.key);
  }
  // Cached measurements are not taken again.
  const again = await calibrate(probes, {
    batchSize: 8,
    cache: costs,
    log: (line) => {
      throw new Error(`measured again: ${line}`);
    },
  });
  assertEquals(again["cnn 8"], costs["cnn 8"]);
});

function run(partial: Partial<PlannedRun>): PlannedRun {
  return {
    notebook: "nb",
    name: "run",
    kind: "fit",
    model: probe(4),
    count: 1,
    train: 100,
    validation: 10,
    test: 20,
    maxEpochs: 10,
    earlyStopping: true,
    imageBytes: 4,
    ...partial,
  };
}

Deno.test("estimatePlan: passes, seconds and the total from the costs", () => {
  const costs = {
    "cnn 4": {
      key: "cnn 4",
      family: "study-cnn",
      multiplyAdds: 1,
      parameters: 10,
      trainSecondsPerImage: 0.01,
      predictSecondsPerImage: 0.001,
      stepPeakBytes: 1000,
      source: "measured" as const,
    },
  };
  const [nb, total] = estimatePlan(
    [{
      notebook: "nb",
      runs: [
        run({}),
        run({
          kind: "predict",
          train: 0,
          validation: 0,
          test: 500,
          maxEpochs: 0,
        }),
      ],
    }],
    costs,
    { stopShare: 0.5, baselineBytes: 100 },
  );
  // 5 expected epochs of 100 images; validation 10 x 5 + test 20 + 500 predicted.
  assertEquals(nb.imagePasses, 500);
  assertEquals(nb.imagePassesUpperBound, 1000);
  assertEquals(nb.predictionPasses, 570);
  assert(Math.abs(nb.estimatedSeconds - (5 + 0.57 + 3)) < 1e-9);
  assertEquals(nb.runs, 1);
  assertEquals(total.notebook, "total");
  assertEquals(total.imagePasses, 500);
  // The larger of the fit (130 images, weights with Adam, the step's
  // tensors) and the prediction (500 images, weights), over the baseline.
  const fit = 130 * 4 * 1.25 + 10 * 16 + 1000;
  const predict = 500 * 4 * 1.25 + 10 * 4;
  assertEquals(nb.peakMemoryBytes, 100 + Math.max(fit, predict));
});

Deno.test("observedStopShare: the median share of maximum epochs of finished runs", async () => {
  await using rootDir = await temporaryDir("test_");
  const root = rootDir.path;
  const write = async (id: string, epochs: number, ran: number) => {
    await Deno.mkdir(join(root, id));
    await Deno.writeTextFile(
      join(root, id, "run.json"),
      JSON.stringify({
        status: "complete",
        params: { epochs },
        tags: { profile: "full" },
      }),
    );
    await Deno.writeTextFile(
      join(root, id, "history.json"),
      JSON.stringify(Array.from({ length: ran }, (_, epoch) => ({ epoch }))),
    );
  };
  await write("a", 30, 9);
  await write("b", 30, 15);
  assertEquals(await observedStopShare([root], "full"), null);
  await write("c", 30, 30);
  assertEquals(await observedStopShare([root], "full"), {
    share: 0.5,
    runs: 3,
  });
});
