/**
 * Small real samples of Fashion-MNIST read straight from the dataset mirror
 * (`FASHION_MIRROR`, default `../shared/datasets`), for this folder's tests
 * and smoke runs: a few images per class, picked with a seed, as tensors
 * ready for the training loop. The full data pipeline lives in `lib/data/`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRng, shuffleInPlace } from "../random.ts";

/** The Fashion-MNIST folder of the mirror. */
export function fashionMnistMirror(): string {
  const root = Deno.env.get("FASHION_MIRROR") ??
    fileURLToPath(new URL("../../../shared/datasets", import.meta.url));
  return join(root, "fashion-mnist");
}

/** A labelled sample: images `[n, 28, 28, 1]` in [0, 1], one-hot labels `[n, 10]`. */
export interface LabelledSample {
  /** Images scaled to [0, 1]. */
  x: tf.Tensor4D;
  /** One-hot labels. */
  y: tf.Tensor2D;
  /** Class index per image. */
  labels: number[];
}

async function readGz(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(gunzipSync(await Deno.readFile(path)));
  } catch (error) {
    throw new Error(
      `Cannot read ${path} (${error}); set FASHION_MIRROR to the dataset mirror folder`,
    );
  }
}

/**
 * Picks `perClass` images of each class from the Fashion-MNIST `split`
 * (`t10k` = test file, `train`), in a seeded shuffled order. `offset` skips
 * that many images of each class first, so disjoint samples can be drawn.
 *
 * @example
 * ```ts
 * const train = await fashionMnistSample({ split: "t10k", perClass: 20, seed: 1 });
 * const val = await fashionMnistSample({ split: "t10k", perClass: 10, offset: 20, seed: 1 });
 * ```
 */
export async function fashionMnistSample(options: {
  split?: "t10k" | "train";
  perClass: number;
  offset?: number;
  seed: number;
}): Promise<LabelledSample> {
  const split = options.split ?? "t10k";
  const dir = fashionMnistMirror();
  const images = await readGz(join(dir, `${split}-images-idx3-ubyte.gz`));
  const labelBytes = await readGz(join(dir, `${split}-labels-idx1-ubyte.gz`));
  const view = new DataView(images.buffer, images.byteOffset);
  if (view.getUint32(0) !== 2051 || labelBytes[3] !== 1) {
    throw new Error(`${dir}: ${split} files are not IDX image/label files`);
  }
  const count = view.getUint32(4);
  const rows = view.getUint32(8);
  const cols = view.getUint32(12);
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < count; i++) byClass[labelBytes[8 + i]].push(i);
  const offset = options.offset ?? 0;
  const picked: number[] = [];
  for (const [k, members] of byClass.entries()) {
    const chosen = members.slice(offset, offset + options.perClass);
    if (chosen.length < options.perClass) {
      throw new Error(
        `${split} has only ${members.length} images of class ${k}; ask for fewer than ${
          offset + options.perClass
        }`,
      );
    }
    picked.push(...chosen);
  }
  shuffleInPlace(picked, createRng(options.seed));
  const pixels = new Float32Array(picked.length * rows * cols);
  for (const [n, i] of picked.entries()) {
    const start = 16 + i * rows * cols;
    for (let p = 0; p < rows * cols; p++) {
      pixels[n * rows * cols + p] = images[start + p] / 255;
    }
  }
  const labels = picked.map((i) => labelBytes[8 + i]);
  return {
    x: tf.tensor4d(pixels, [picked.length, rows, cols, 1]),
    y: tf.oneHot(tf.tensor1d(labels, "int32"), 10).toFloat() as tf.Tensor2D,
    labels,
  };
}
