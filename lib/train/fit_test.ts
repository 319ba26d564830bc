import * as tf from "@tensorflow/tfjs";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects,
} from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import { buildStudyCnn } from "../models/study_cnn.ts";
import { buildMultiOutputCnn } from "../models/multi_output.ts";
import { predictClasses } from "./predict.ts";
import { compileClassifier } from "./compile.ts";
import { epochOrder, fit } from "./fit.ts";
import type { EpochLogs } from "./epoch_logs.ts";
import { fashionMnistSample } from "../testing/fashion_mnist_sample.ts";
import type { Rng } from "../random.ts";

await selectBackend("cpu");

// Real Fashion-MNIST images from the mirror: 8 per class to train, 4 to validate.
const train = await fashionMnistSample({ perClass: 8, seed: 1 });
const val = await fashionMnistSample({ perClass: 4, offset: 8, seed: 2 });

function smallCnn(
  seed: number,
  architecture: "dense" | "dense-dropout" = "dense-dropout",
) {
  const model = buildStudyCnn({
    classes: 10,
    seed,
    inputShape: [28, 28, 1],
    filters: 4,
    kernelSize: 3,
    architecture,
    denseSize: 16,
    dropout: 0.3,
  });
  compileClassifier(model, { learningRate: 3e-3 });
  return model;
}

const withoutTiming = (history: EpochLogs[]) =>
  history.map(({ seconds: _seconds, ...rest }) => rest);

Deno.test("epoch order is a seeded permutation that changes per epoch", () => {
  const a = epochOrder(7, 0, 50);
  assertEquals(a, epochOrder(7, 0, 50));
  assertEquals(
    [...a].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert(a.join() !== epochOrder(7, 1, 50).join());
  assert(a.join() !== epochOrder(8, 0, 50).join());
});

Deno.test("same seed gives the same losses (dropout included), another seed does not", async () => {
  const run = async (seed: number) =>
    withoutTiming(
      (await fit(smallCnn(seed), train, {
        epochs: 1,
        batchSize: 16,
        seed,
        validation: val,
      })).history,
    );
  const a = await run(3);
  const b = await run(3);
  const c = await run(4);
  assertEquals(a, b);
  assert(a[0].loss !== c[0].loss);
  assert(Number.isFinite(a[0].val_loss) && a[0].val_acc >= 0);
});

Deno.test("early stopping stops on rising validation loss and restores the best weights", async () => {
  // Validation labels shifted by one class: the better the model learns the
  // training labels, the worse its validation loss, so it must stop early.
  const shifted = tf.concat([
    val.y.slice([0, 9], [-1, 1]),
    val.y.slice([0, 0], [-1, 9]),
  ], 1);
  const model = smallCnn(5, "dense");
  const result = await fit(model, train, {
    epochs: 8,
    batchSize: 16,
    seed: 5,
    validation: { x: val.x, y: shifted },
    earlyStopping: { patience: 2 },
  });
  assert(result.stoppedEarly, "stopped before 8 epochs");
  const losses = result.history.map((h) => h.val_loss);
  const best = losses.indexOf(Math.min(...losses));
  assertEquals(result.bestEpoch, best);
  assertEquals(result.history.length, best + 1 + 2);
  const [valLoss] = model.evaluate(val.x, shifted) as tf.Scalar[];
  const now = (await valLoss.data())[0];
  assert(
    Math.abs(now - losses[best]) < 1e-5,
    `restored loss ${now} vs best ${losses[best]}`,
  );
});

Deno.test("a finished checkpoint resumes to the same result without training again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "checkpoint.bin");
    const first = await fit(smallCnn(6), train, {
      epochs: 2,
      batchSize: 32,
      seed: 6,
      validation: val,
      checkpointPath: path,
    });
    const fresh = smallCnn(6);
    const second = await fit(fresh, train, {
      epochs: 2,
      batchSize: 32,
      seed: 6,
      validation: val,
      checkpointPath: path,
    });
    assertEquals(second.resumedAtEpoch, 2);
    assertEquals(second.history, first.history);
    await rejects(
      fit(smallCnn(6), train, {
        epochs: 2,
        batchSize: 16,
        seed: 6,
        checkpointPath: path,
      }),
      /different run \(batch size 32 vs 16\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("augmentation gets a seeded stream per batch and changes training", async () => {
  const draws: number[] = [];
  const flip = (x: tf.Tensor, rng: Rng) => {
    const r = rng.next();
    draws.push(r);
    return r < 0.5 ? tf.reverse(x, 2) : x.clone();
  };
  const a = await fit(smallCnn(8), train, {
    epochs: 1,
    batchSize: 20,
    seed: 8,
    augment: flip,
  });
  const first = [...draws];
  draws.length = 0;
  await fit(smallCnn(8), train, {
    epochs: 1,
    batchSize: 20,
    seed: 8,
    augment: flip,
  });
  assertEquals(draws, first);
  assertEquals(first.length, 4);
  const plain = await fit(smallCnn(8), train, {
    epochs: 1,
    batchSize: 20,
    seed: 8,
  });
  assert(plain.history[0].loss !== a.history[0].loss);
});

Deno.test("multi-output model trains with one target per head and reports per-head metrics", async () => {
  // Three real label views of Fashion-MNIST: clothing / footwear / bag,
  // the ten classes, and tops vs the rest.
  const coarse = train.labels.map((l) =>
    [5, 7, 9].includes(l) ? 1 : l === 8 ? 2 : 0
  );
  const tops = train.labels.map((l) => [0, 2, 4, 6].includes(l) ? 1 : 0);
  const oneHot = (labels: number[], n: number) =>
    tf.oneHot(tf.tensor1d(labels, "int32"), n).toFloat();
  const model = buildMultiOutputCnn({
    classes: { masterCategory: 3, subCategory: 10, gender: 2 },
    seed: 9,
    inputShape: [28, 28, 1],
    blocks: 1,
    filters: 4,
    denseSize: 8,
    batchNorm: "conv",
    dropout: 0.2,
  });
  compileClassifier(model, { learningRate: 1e-2 });
  const valCoarse = val.labels.map((l) =>
    [5, 7, 9].includes(l) ? 1 : l === 8 ? 2 : 0
  );
  const valTops = val.labels.map((l) => [0, 2, 4, 6].includes(l) ? 1 : 0);
  const result = await fit(model, {
    x: train.x,
    y: [oneHot(coarse, 3), train.y, oneHot(tops, 2)],
  }, {
    epochs: 1,
    batchSize: 20,
    seed: 9,
    validation: {
      x: val.x,
      y: [oneHot(valCoarse, 3), val.y, oneHot(valTops, 2)],
    },
  });
  const logs = result.history[0];
  // Validation entries line up with their names: the total loss is the sum
  // of the heads' losses (no regularisation here), accuracies are in [0, 1].
  const heads = ["masterCategory", "subCategory", "gender"];
  const headLosses = heads.map((h) => logs[`val_${h}_loss`]);
  assert(
    Math.abs(logs.val_loss - headLosses.reduce((a, b) => a + b)) < 1e-4,
    `val_loss ${logs.val_loss} vs heads ${headLosses}`,
  );
  for (const head of heads) {
    assert(logs[`val_${head}_acc`] >= 0 && logs[`val_${head}_acc`] <= 1);
  }
  for (const head of ["masterCategory", "subCategory", "gender"]) {
    assert(
      Number.isFinite(logs[`${head}_loss`]),
      `${head}_loss in ${Object.keys(logs)}`,
    );
    assert(logs[`${head}_acc`] >= 0 && logs[`${head}_acc`] <= 1);
  }
  const predictions = await predictClasses(model, val.x);
  assertEquals(predictions.map((p) => p.probabilities[0].length), [3, 10, 2]);
  assertEquals(predictions[1].predicted.length, val.labels.length);
});

Deno.test("training leaks no tensors: memory after 1 and 3 epochs is the same", async () => {
  const dir = await Deno.makeTempDir();
  const leftAfter = async (epochs: number) => {
    const model = smallCnn(10);
    const before = tf.memory().numTensors;
    await fit(model, train, {
      epochs,
      batchSize: 20,
      seed: 10,
      validation: val,
      earlyStopping: { patience: 5 },
      checkpointPath: join(dir, `leak-${epochs}.bin`),
    });
    const left = tf.memory().numTensors - before;
    model.dispose();
    return left;
  };
  const one = await leftAfter(1);
  const three = await leftAfter(3);
  await Deno.remove(dir, { recursive: true });
  assertEquals(three, one);
});

Deno.test("progress gets every batch, each epoch's final metrics and how training ended", async () => {
  const events: string[] = [];
  const ends: Record<string, number>[] = [];
  let done = "";
  await fit(smallCnn(12), train, {
    epochs: 2,
    batchSize: 32,
    seed: 12,
    validation: val,
    progress: {
      update: (s) => void events.push(`${s.epoch}:${s.batch}/${s.batches}`),
      epochEnd: (s) => {
        events.push(`${s.epoch}:end`);
        ends.push(s.metrics);
      },
      done: (message) => void (done = message),
    },
  });
  assertEquals(events, [
    "0:1/3",
    "0:2/3",
    "0:3/3",
    "0:end",
    "1:1/3",
    "1:2/3",
    "1:3/3",
    "1:end",
  ]);
  assertEquals(Object.keys(ends[0]).sort(), [
    "acc",
    "loss",
    "val_acc",
    "val_loss",
  ]);
  assertEquals(done, "finished 2 epochs");
});
