/**
 * Photometric augmentation of float image batches (values 0..1): each image
 * draws a brightness shift, a contrast and a saturation factor and, with
 * some probability, a small blur, from the batch's random stream; geometry
 * is untouched (see `augment.ts` for that). Camera photos differ from
 * studio shots in exactly these ways.
 *
 * @example
 * ```ts
 * const out = photometricBatch(batch, [n, 120, 90, 3], rng);
 * ```
 *
 * @module
 */
import type { Rng } from "../../random.ts";

/** Ranges of the photometric transforms. */
export interface PhotometricParams {
  /** Brightness shift drawn from [-brightness, brightness]. */
  brightness: number;
  /** Contrast factor drawn from [1 - contrast, 1 + contrast] (about the image mean). */
  contrast: number;
  /** Saturation factor drawn from [1 - saturation, 1 + saturation] (about each pixel's grey). */
  saturation: number;
  /** Probability of a 3 x 3 box blur. */
  blurProbability: number;
}

/** This workspace's choice of ranges. */
export const DEFAULT_PHOTOMETRIC: PhotometricParams = {
  brightness: 0.15,
  contrast: 0.3,
  saturation: 0.4,
  blurProbability: 0.3,
};

function boxBlur(image: Float32Array, height: number, width: number): void {
  const copy = image.slice();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 3; k++) {
        let sum = 0;
        let count = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy, xx = x + dx;
            if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
            sum += copy[(yy * width + xx) * 3 + k];
            count++;
          }
        }
        image[(y * width + x) * 3 + k] = sum / count;
      }
    }
  }
}

/**
 * A photometrically changed copy of a `[n, h, w, 3]` float batch (0..1);
 * randomness only from `rng`, values clipped to 0..1.
 */
export function photometricBatch(
  batch: Float32Array,
  shape: readonly [number, number, number, number],
  rng: Rng,
  params: PhotometricParams = DEFAULT_PHOTOMETRIC,
): Float32Array {
  const [n, h, w, c] = shape;
  if (c !== 3) throw new Error(`photometricBatch needs RGB, got ${c} channels`);
  const size = h * w * 3;
  const out = new Float32Array(batch);
  const uniform = (a: number, b: number) => a + (b - a) * rng.next();
  for (let i = 0; i < n; i++) {
    const image = out.subarray(i * size, (i + 1) * size);
    const shift = uniform(-params.brightness, params.brightness);
    const contrast = uniform(1 - params.contrast, 1 + params.contrast);
    const saturation = uniform(1 - params.saturation, 1 + params.saturation);
    const blur = rng.next() < params.blurProbability;
    let mean = 0;
    for (let p = 0; p < size; p++) mean += image[p];
    mean /= size;
    for (let p = 0; p < h * w; p++) {
      const o = p * 3;
      const grey = 0.299 * image[o] + 0.587 * image[o + 1] +
        0.114 * image[o + 2];
      for (let k = 0; k < 3; k++) {
        let v = grey + (image[o + k] - grey) * saturation;
        v = mean + (v - mean) * contrast + shift;
        image[o + k] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
    if (blur) boxBlur(image, h, w);
  }
  return out;
}
