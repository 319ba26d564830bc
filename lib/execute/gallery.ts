/**
 * Thumbnails of misclassified images for a run record's
 * `misclassified.json` (`lib/runs/gallery.ts`): one encoder for the photo
 * checks (`lib/execute/photo_check.ts`) and the evaluated test runs
 * (`runClassifier`, `recordEvaluatedRun` callers, search tests).
 *
 * A test run keeps the first {@linkcode TEST_GALLERY_MAX} mistakes of each
 * head in test order; images larger than 90 x 120 are shrunk by a whole
 * factor (the mean of each block of pixels) to fit inside it, greyscale
 * images are stored as RGB. The thumbnails follow from the test images and
 * the predictions alone, so the same run gives the same file.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { rgbToPng } from "../data/images/decode.ts";
import type { LabelledArrays } from "../data/labelled_arrays.ts";
import { type GalleryEntry, TEST_GALLERY_MAX } from "../runs/gallery.ts";
import type { HeadPredictions, Predictions } from "../runs/run_json.ts";

export { TEST_GALLERY_MAX };

/** The largest thumbnail of a test gallery, width x height (study 000's image size). */
export const THUMBNAIL_BOX = { width: 90, height: 120 } as const;

/** Test images a gallery takes its thumbnails from: image `i` as N x H x W x C values. */
export interface GalleryImages {
  /** `[height, width, channels]` of every image (1 or 3 channels). */
  shape: readonly [number, number, number];
  /** Image `i`'s values (uint8 0..255, or float 0..1). */
  image(i: number): Uint8Array | Float32Array;
}

/** The images of labelled arrays as a gallery's source. */
export function arrayImages(
  arrays: Pick<LabelledArrays, "images" | "shape">,
): GalleryImages {
  const size = arrays.shape[0] * arrays.shape[1] * arrays.shape[2];
  return {
    shape: arrays.shape,
    image: (i) => arrays.images.subarray(i * size, (i + 1) * size),
  };
}

/** Image values as 8-bit integers (float values times 255, truncated). */
export function rgbPixels(
  values: Uint8Array | Float32Array,
): Uint8Array {
  return Uint8Array.from(
    values,
    (v) => values instanceof Float32Array ? v * 255 : v,
  );
}

/** A PNG of 8-bit RGB pixels, base64 (the thumbnails of every gallery). */
export async function pngBase64(
  rgb: Uint8Array,
  width: number,
  height: number,
): Promise<string> {
  return Buffer.from(await rgbToPng(rgb, width, height)).toString("base64");
}

/**
 * A thumbnail of one image: 8-bit RGB, shrunk by the smallest whole factor
 * that fits it inside {@linkcode THUMBNAIL_BOX} (each output pixel the
 * rounded mean of its block), PNG in base64 with its size.
 */
export async function thumbnail(
  values: Uint8Array | Float32Array,
  shape: readonly [number, number, number],
): Promise<{ png: string; width: number; height: number }> {
  const [h, w, c] = shape;
  if (c !== 1 && c !== 3) {
    throw new Error(`A thumbnail needs 1 or 3 channels, not ${c}`);
  }
  const pixels = rgbPixels(values);
  // A sliver (a side shorter than the factor) keeps one pixel on that side.
  const k = Math.min(
    Math.max(
      1,
      Math.ceil(w / THUMBNAIL_BOX.width),
      Math.ceil(h / THUMBNAIL_BOX.height),
    ),
    w,
    h,
  );
  const width = Math.floor(w / k);
  const height = Math.floor(h / k);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < 3; ch++) {
        let sum = 0;
        for (let dy = 0; dy < k; dy++) {
          for (let dx = 0; dx < k; dx++) {
            sum +=
              pixels[((y * k + dy) * w + x * k + dx) * c + (c === 1 ? 0 : ch)];
          }
        }
        rgb[(y * width + x) * 3 + ch] = Math.round(sum / (k * k));
      }
    }
  }
  return { png: await pngBase64(rgb, width, height), width, height };
}

/**
 * The gallery of one head's test predictions: its first `max` mistakes in
 * test order, each with its index, true and predicted class, the model's
 * probability of the prediction and a thumbnail of the image.
 */
export async function headGallery(
  images: GalleryImages,
  predictions: HeadPredictions,
  options: { max?: number; head?: string } = {},
): Promise<GalleryEntry[]> {
  const names = predictions.classNames;
  const name = (k: number) => names?.[k] ?? String(k);
  const out: GalleryEntry[] = [];
  const max = options.max ?? TEST_GALLERY_MAX;
  for (let i = 0; i < predictions.trueLabels.length && out.length < max; i++) {
    const truth = predictions.trueLabels[i];
    const guess = predictions.predictedLabels[i];
    if (truth === guess) continue;
    const thumb = await thumbnail(images.image(i), images.shape);
    out.push({
      id: `test ${i}`,
      index: i,
      ...(options.head === undefined ? {} : { head: options.head }),
      trueClass: name(truth),
      predicted: name(guess),
      confidence: predictions.probabilities[i][guess],
      ...thumb,
    });
  }
  return out;
}

/**
 * A test run's `misclassified.json`: the first `max` mistakes (default
 * {@linkcode TEST_GALLERY_MAX}) in test order, of each head in turn for a
 * multi-output run (entries named by `head`).
 *
 * @example
 * ```ts
 * const files = { "misclassified.json": await testGallery(arrayImages(data.test), predictions) };
 * ```
 */
export async function testGallery(
  images: GalleryImages,
  predictions: Predictions,
  max: number = TEST_GALLERY_MAX,
): Promise<GalleryEntry[]> {
  if (!("heads" in predictions)) {
    return await headGallery(images, predictions, { max });
  }
  const out: GalleryEntry[] = [];
  for (const [head, p] of Object.entries(predictions.heads)) {
    out.push(...await headGallery(images, p, { max, head }));
  }
  return out;
}
