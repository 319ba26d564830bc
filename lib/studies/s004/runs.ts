/**
 * Study 004: a CNN on Fashion-MNIST, evaluated with a classification report
 * and a confusion matrix (published accuracy: 89%).
 *
 * Data at each profile: training and validation images come from the
 * official 60,000 training images (seeded, per class: validation is one
 * sixth, as 10,000 of 60,000), the test images from the official 10,000
 * test images; the profile caps images per class.
 *
 * @module
 */
import type { LabContext } from "../../runs/lab_context.ts";
import { loadFashionMnist } from "../../data/formats/idx.ts";
import { readFingerprint } from "../../data/acquire/fingerprint.ts";
import { buildFashionMnistCnn } from "../../models/fashion_mnist_cnn.ts";
import type { Profile } from "../../profiles.ts";
import { publishedValue } from "../../published/published.ts";
import { createRng, shuffleInPlace } from "../../random.ts";
import {
  type ClassifierRunResult,
  runClassifier,
} from "../../execute/classifier_run.ts";
import type { LabelledArrays } from "../../data/labelled_arrays.ts";

/** Study 004's published test accuracy (from `lib/published`). */
export const STUDY_004_PUBLISHED_ACCURACY = publishedValue(
  "004",
  "Fashion-MNIST CNN",
  "test accuracy",
);

function pick(
  images: Uint8Array,
  labels: Uint8Array,
  indices: number[],
): LabelledArrays {
  const size = 28 * 28;
  const out = new Uint8Array(indices.length * size);
  indices.forEach((i, j) =>
    out.set(images.subarray(i * size, (i + 1) * size), j * size)
  );
  return {
    images: out,
    shape: [28, 28, 1],
    labels: indices.map((i) => labels[i]),
  };
}

function byClass(labels: Uint8Array, seed: number): number[][] {
  const groups: number[][] = Array.from({ length: 10 }, () => []);
  labels.forEach((label, i) => groups[label].push(i));
  const rng = createRng(seed);
  return groups.map((g) => shuffleInPlace(g, rng));
}

/**
 * Fashion-MNIST train / validation / test arrays for a profile, from the
 * installed dataset (`deno task data fashion-mnist`).
 */
export async function fashionMnistSplits(profile: Profile, seed: number) {
  const data = await loadFashionMnist();
  const train: number[] = [];
  const validation: number[] = [];
  for (const group of byClass(data.train.labels, seed)) {
    const valCount = Math.min(
      group.length / 6,
      profile.maxEvalPerClass ?? Infinity,
    );
    validation.push(...group.slice(0, valCount));
    const rest = group.slice(Math.floor(group.length / 6));
    train.push(...rest.slice(0, profile.maxTrainPerClass ?? rest.length));
  }
  const test = byClass(data.test.labels, seed).flatMap((g) =>
    g.slice(0, profile.maxEvalPerClass ?? g.length)
  );
  return {
    train: pick(data.train.images, data.train.labels, train),
    validation: pick(data.train.images, data.train.labels, validation),
    test: pick(data.test.images, data.test.labels, test),
    classNames: [...data.classNames],
  };
}

/** Trains and evaluates study 004's CNN at a profile into a run record. */
export async function runStudy004(
  context: LabContext,
  runsRoot?: string,
): Promise<ClassifierRunResult> {
  const data = await fashionMnistSplits(context.profile, context.seed);
  const fingerprint = await readFingerprint("fashion-mnist");
  return await runClassifier({
    name: "Study 004 Fashion-MNIST CNN",
    study: "004",
    build: (seed) => buildFashionMnistCnn({ seed }),
    params: { filters: 32, kernelSize: 3, dropout: 0.25, denseSize: 128 },
    data,
    dataset: { id: "fashion-mnist", fingerprint: fingerprint.sha256 },
    profile: context.profile,
    seed: context.seed,
    backend: context.backend,
    runsRoot,
  });
}
