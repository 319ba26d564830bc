/**
 * Study 004's splits on synthetic labels shaped like Fashion-MNIST (6,000
 * training and 1,000 test images per class): at `full` the study's run
 * trains on all 60,000, the epoch-selection run on five sixths with the
 * held-out sixth for validation, and no test image is ever in training or
 * validation; `smoke` and `course` keep their capped held-out split.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { getProfile } from "../../profiles.ts";
import {
  chosenEpochCount,
  followsStudyOnAllTraining,
  study004SplitIndices,
  study004Splits,
} from "./runs.ts";

const CLASSES = 10;

/** Labels with `perClass` images of each class, interleaved. */
function labels(perClass: number): Uint8Array {
  const out = new Uint8Array(perClass * CLASSES);
  out.forEach((_, i) => out[i] = i % CLASSES);
  return out;
}

const trainLabels = labels(6000);
const testLabels = labels(1000);

const perClass = (indices: number[], of: Uint8Array) => {
  const counts = new Array(CLASSES).fill(0);
  for (const i of indices) counts[of[i]]++;
  return counts;
};

Deno.test("full follows the study on all data; smoke and course do not", () => {
  assert(followsStudyOnAllTraining(getProfile("full")));
  assert(!followsStudyOnAllTraining(getProfile("smoke")));
  assert(!followsStudyOnAllTraining(getProfile("course")));
});

Deno.test("full, all training: 60,000 training images, no validation, 10,000 test", () => {
  const s = study004SplitIndices(
    trainLabels,
    testLabels,
    getProfile("full"),
    42,
    "all training",
  );
  assertEquals(s.train.length, 60000);
  assertEquals(new Set(s.train).size, 60000);
  assertEquals(s.validation, []);
  assertEquals(s.test.length, 10000);
  assertEquals(new Set(s.test).size, 10000);
  assertEquals(perClass(s.train, trainLabels), new Array(CLASSES).fill(6000));
});

Deno.test("full, held out: 50,000 train and a disjoint sixth (10,000) for validation", () => {
  const s = study004SplitIndices(
    trainLabels,
    testLabels,
    getProfile("full"),
    42,
  );
  assertEquals(s.train.length, 50000);
  assertEquals(s.validation.length, 10000);
  const train = new Set(s.train);
  assert(s.validation.every((i) => !train.has(i)), "validation in training");
  assertEquals(train.size + new Set(s.validation).size, 60000);
  assertEquals(
    perClass(s.validation, trainLabels),
    new Array(CLASSES).fill(1000),
  );
  assertEquals(s.test.length, 10000);
});

Deno.test("smoke and course: capped per class, validation held out of training", () => {
  for (
    const [name, train, evalCap] of [["smoke", 24, 8], [
      "course",
      200,
      60,
    ]] as const
  ) {
    const s = study004SplitIndices(
      trainLabels,
      testLabels,
      getProfile(name),
      7,
    );
    assertEquals(
      perClass(s.train, trainLabels),
      new Array(CLASSES).fill(train),
    );
    assertEquals(
      perClass(s.validation, trainLabels),
      new Array(CLASSES).fill(evalCap),
    );
    assertEquals(
      perClass(s.test, testLabels),
      new Array(CLASSES).fill(evalCap),
    );
    const t = new Set(s.train);
    assert(s.validation.every((i) => !t.has(i)));
  }
});

Deno.test("the same seed gives the same split; the split modes share the held-out order", () => {
  const profile = getProfile("full");
  const a = study004SplitIndices(trainLabels, testLabels, profile, 3);
  const b = study004SplitIndices(trainLabels, testLabels, profile, 3);
  assertEquals(a, b);
  const all = study004SplitIndices(
    trainLabels,
    testLabels,
    profile,
    3,
    "all training",
  );
  assertEquals(new Set(all.train), new Set([...a.train, ...a.validation]));
});

Deno.test("study004Splits: no test image in training or validation", () => {
  // Training images are filled with 1 (+ class), test images with 200 (+ class).
  const size = 28 * 28;
  const small = { train: labels(60), test: labels(10) };
  const image = (l: Uint8Array, base: number) => {
    const out = new Uint8Array(l.length * size);
    l.forEach((label, i) => out.fill(base + label, i * size, (i + 1) * size));
    return out;
  };
  const data = {
    train: { labels: small.train, images: image(small.train, 1), count: 600 },
    test: { labels: small.test, images: image(small.test, 200), count: 100 },
    classNames: Array.from({ length: CLASSES }, (_, i) => `c${i}`),
  };
  for (const split of ["all training", "held-out"] as const) {
    const s = study004Splits(data, getProfile("full"), 42, split);
    assertEquals(s.train.labels.length, split === "all training" ? 600 : 500);
    assertEquals(
      s.validation.labels.length,
      split === "all training" ? 0 : 100,
    );
    assertEquals(s.test.labels.length, 100);
    for (const part of [s.train, s.validation]) {
      assert(
        part.images.every((v) => v < 200),
        `${split}: a test image in training`,
      );
      part.labels.forEach((label, j) =>
        assertEquals(part.images[j * size], 1 + label)
      );
    }
    assert(s.test.images.every((v) => v >= 200));
  }
});

Deno.test("chosenEpochCount: the epoch of lowest val_loss, plus one", () => {
  assertEquals(
    chosenEpochCount([
      { loss: 1, val_loss: 0.9 },
      { loss: 0.8, val_loss: 0.7 },
      { loss: 0.6, val_loss: 0.7 },
      { loss: 0.5, val_loss: 0.75 },
    ]),
    2,
  );
  assertEquals(chosenEpochCount([{ loss: 1 }, { loss: 0.5 }]), 2);
});
