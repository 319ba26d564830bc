/**
 * Study 002's transfer model inputs: the MobileNetV2 base, deterministic
 * augmented copies of the training photos, and the frozen base's features of
 * every photo, computed once and shared by both split schemes.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createRng, hashString } from "../../random.ts";
import {
  augmentBatch,
  type AugmentParams,
  DEFAULT_AUGMENT,
} from "../../data/images/augment.ts";
import {
  buildTransferModel,
  extractFeatures,
  loadMobileNetV2Base,
  mobileNetBaseDir,
} from "../../models/transfer.ts";
import {
  type Study002Data,
  type Study002Item,
  type Study002TopUp,
  STUDY_002_IMAGE_SIZE,
} from "./data.ts";
import { Study002Settings } from "./settings.ts";

/**
 * Releases a transfer model's weights: `full` holds the head and the cut
 * base; layers of fine-tuned blocks are also held by `base` (they were
 * applied twice), so they are released until nothing holds them.
 */
export function disposeTransferModel(
  full: tf.LayersModel,
  base: tf.LayersModel,
): void {
  full.dispose();
  for (const layer of base.layers) {
    try {
      while (layer.dispose().refCountAfterDispose > 0) {
        // still held by another application of the layer
      }
    } catch {
      // released with `full` already
    }
  }
}

/**
 * The deterministic augmented copy `copy` of one image: its transform is
 * drawn from a stream seeded by the run seed, the image id and the copy
 * number, so it does not depend on which other images are loaded.
 */
export function augmentedCopy(
  pixels: Uint8Array,
  id: string,
  copy: number,
  seed: number,
  params: AugmentParams = DEFAULT_AUGMENT,
): Uint8Array {
  const size = STUDY_002_IMAGE_SIZE;
  return augmentBatch(
    pixels,
    [1, size, size, 3],
    createRng(hashString(`${seed}:study002:copy:${copy}:${id}`)),
    params,
  );
}

/**
 * The pixels of a class-balancing copy ({@linkcode planTopUp}): its photo
 * with a random transform drawn from a stream seeded by the run seed, the
 * photo's id and the copy's round, so the same copy is the same image in
 * every run and for both models.
 */
export function topUpPixels(
  data: Pick<Study002Data, "pixels">,
  topUp: Study002TopUp,
  seed: number,
  params: AugmentParams = DEFAULT_AUGMENT,
): Uint8Array {
  const pixels = data.pixels.get(topUp.source);
  if (!pixels) throw new Error(`Image ${topUp.source} was not loaded`);
  const size = STUDY_002_IMAGE_SIZE;
  return augmentBatch(
    pixels,
    [1, size, size, 3],
    createRng(
      hashString(`${seed}:study002:balance:${topUp.round}:${topUp.source}`),
    ),
    params,
  );
}

/**
 * The data's pixels with those of the balancing copies `topUps` added (for
 * `study002Arrays`); the photos' arrays are shared, not copied.
 */
export function withTopUpPixels(
  data: Pick<Study002Data, "pixels">,
  topUps: readonly Study002TopUp[],
  seed: number,
  params: AugmentParams = DEFAULT_AUGMENT,
): Pick<Study002Data, "pixels"> {
  const pixels = new Map(data.pixels);
  for (const t of topUps) pixels.set(t.id, topUpPixels(data, t, seed, params));
  return { pixels };
}

/** Frozen-base features of the study's images, computed once for both split schemes. */
export interface Study002Features {
  /** The fine-tuning depth they were cut for. */
  fineTuneBlocks: number;
  /** Shape of one image's features, e.g. `[7, 7, 1280]`. */
  shape: number[];
  /** Features of every test and pool image and of every balancing copy asked for, by id. */
  original: Map<string, Float32Array>;
  /** Features of the augmented copies of every pool image, by id. */
  copies: Map<string, Float32Array[]>;
  /** Seconds spent computing them. */
  seconds: number;
}

/**
 * Computes the frozen MobileNetV2 features of every test and pool image and
 * of `augmentedCopies` augmented copies of every pool image (only training
 * images' copies are used, but which pool images train depends on the
 * scheme), and of the class-balancing copies `topUps` (by their id; a copy
 * listed twice is computed once).
 */
export async function extractStudy002Features(
  data: Study002Data,
  seed: number,
  settings: Pick<
    Study002Settings,
    "fineTuneBlocks" | "augmentedCopies" | "augment"
  >,
  baseDir: string = mobileNetBaseDir(),
  topUps: readonly Study002TopUp[] = [],
): Promise<Study002Features> {
  const started = performance.now();
  const base = await loadMobileNetV2Base(baseDir);
  const { frozen, full } = buildTransferModel({
    base,
    classes: data.classNames.length,
    seed,
    fineTuneBlocks: settings.fineTuneBlocks,
  });
  const shape = frozen.outputs[0].shape.slice(1) as number[];
  const featureSize = shape.reduce((a, b) => a * b, 1);
  const imageSize = STUDY_002_IMAGE_SIZE * STUDY_002_IMAGE_SIZE * 3;
  const jobs: { id: string; copy: number; pixels: Uint8Array }[] = [];
  for (const item of [...data.plan.test, ...data.plan.pool]) {
    jobs.push({ id: item.id, copy: -1, pixels: data.pixels.get(item.id)! });
  }
  for (const item of data.plan.pool) {
    for (let c = 0; c < settings.augmentedCopies; c++) {
      jobs.push({
        id: item.id,
        copy: c,
        pixels: augmentedCopy(
          data.pixels.get(item.id)!,
          item.id,
          c,
          seed,
          settings.augment,
        ),
      });
    }
  }
  const seen = new Set<string>();
  for (const t of topUps) {
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    jobs.push({
      id: t.id,
      copy: -1,
      pixels: topUpPixels(data, t, seed, settings.augment),
    });
  }
  const original = new Map<string, Float32Array>();
  const copies = new Map<string, Float32Array[]>();
  const chunk = 64;
  for (let start = 0; start < jobs.length; start += chunk) {
    const part = jobs.slice(start, start + chunk);
    const batch = new Uint8Array(part.length * imageSize);
    part.forEach((job, i) => batch.set(job.pixels, i * imageSize));
    const images = tf.tensor4d(batch, [
      part.length,
      STUDY_002_IMAGE_SIZE,
      STUDY_002_IMAGE_SIZE,
      3,
    ], "int32");
    const features = await extractFeatures(frozen, images);
    const values = await features.data() as Float32Array;
    tf.dispose([images, features]);
    part.forEach((job, i) => {
      const f = values.slice(i * featureSize, (i + 1) * featureSize);
      if (job.copy < 0) original.set(job.id, f);
      else {
        const list = copies.get(job.id) ?? [];
        list[job.copy] = f;
        copies.set(job.id, list);
      }
    });
  }
  disposeTransferModel(full, base);
  return {
    fineTuneBlocks: settings.fineTuneBlocks,
    shape,
    original,
    copies,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Tensors of the precomputed features of `items` (and, with `withCopies`,
 * of their augmented copies after them) with one-hot labels.
 */
export function featureTensors(
  features: Study002Features,
  items: readonly Study002Item[],
  classes: number,
  withCopies: boolean,
): { x: tf.Tensor; y: tf.Tensor } {
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  for (const item of items) {
    const row = features.original.get(item.id);
    if (!row) throw new Error(`No features of ${item.id} were computed`);
    rows.push(row);
    labels.push(item.label);
  }
  if (withCopies) {
    for (const item of items) {
      for (const copy of features.copies.get(item.id) ?? []) {
        rows.push(copy);
        labels.push(item.label);
      }
    }
  }
  const size = rows[0].length;
  const flat = new Float32Array(rows.length * size);
  rows.forEach((r, i) => flat.set(r, i * size));
  return {
    x: tf.tensor(flat, [rows.length, ...features.shape]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), classes)),
  };
}
