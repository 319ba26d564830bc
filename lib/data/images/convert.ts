/**
 * Parallel conversion of many image files into fixed-size RGB arrays, with
 * progress and a report that lists every skipped file and why.
 *
 * Parallelism has two levels: sharp's own libvips threadpool works inside
 * each image (`sharpThreads`, default: sharp's choice), and up to
 * `concurrency` files are in flight at once (default 4), which keeps the
 * threadpool busy while files are read. Results come back in input order
 * whatever order they finish in, so a conversion is reproducible.
 *
 * @example
 * ```ts
 * const result = await convertImages(items, {
 *   width: 90, height: 120,
 *   onProgress: (p) => console.log(`${p.done}/${p.total}`),
 * });
 * result.report.skipped; // [{ id, path, reason, message }, ...]
 * ```
 *
 * @module
 */
import sharp from "sharp";
import {
  type DecodeOptions,
  decodeToRgb,
  DEFAULT_DECODE,
  ImageDecodeError,
  SKIP_REASONS,
  type SkipReason,
} from "./decode.ts";

/** One file to convert. */
export interface ConvertItem {
  /** Stable id (product id, or file path relative to the dataset). */
  id: string;
  /** Image file path. */
  path: string;
  /** Class label; missing means the dataset had no label for the file. */
  label?: string;
  /** Gender label (`Male`, `Female`, `Unisex`, `Unknown`). */
  gender?: string;
}

/** A skipped file in the report. */
export interface SkippedFile {
  /** Item id. */
  id: string;
  /** File path. */
  path: string;
  /** Why. */
  reason: SkipReason;
  /** Detail (the decoder's message or the label problem). */
  message: string;
}

/** Progress snapshot passed to `onProgress`. */
export interface ConvertProgress {
  /** Items finished (converted or skipped). */
  done: number;
  /** Items in total. */
  total: number;
  /** Items converted so far. */
  converted: number;
  /** Items skipped so far. */
  skipped: number;
  /** Seconds since the start. */
  elapsedSeconds: number;
  /** Finished items per second so far. */
  imagesPerSecond: number;
}

/** Options for {@link convertImages}. */
export interface ConvertOptions extends DecodeOptions {
  /** Files in flight at once (default 4). */
  concurrency?: number;
  /** libvips threads per image (default: sharp's default). */
  sharpThreads?: number;
  /** Allowed labels; an item whose label is not in the set is skipped as `unknown-class`. */
  knownLabels?: ReadonlySet<string>;
  /** Called after each finished item (keep it cheap). */
  onProgress?: (progress: ConvertProgress) => void;
}

/** A converted item and its pixels (`height x width x 3`, uint8). */
export interface ConvertedImage {
  /** The input item. */
  item: ConvertItem;
  /** RGB pixels. */
  pixels: Uint8Array;
}

/** Summary written as `conversion-report.json`. */
export interface ConversionReport {
  /** Output width. */
  width: number;
  /** Output height. */
  height: number;
  /** Background used for padding and flattening. */
  background: { r: number; g: number; b: number };
  /** How images were fitted. */
  resize: string;
  /** Items offered. */
  total: number;
  /** Items converted. */
  converted: number;
  /** Count of skipped items per reason. */
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** Every skipped item. */
  skipped: SkippedFile[];
  /** Wall time in seconds. */
  elapsedSeconds: number;
  /** Finished items per second. */
  imagesPerSecond: number;
  /** Files in flight at once. */
  concurrency: number;
  /** libvips threads. */
  sharpThreads: number;
  /** sharp and libvips versions. */
  versions: { sharp: string; vips: string };
  /** Meaning of each reason. */
  reasons: Record<SkipReason, string>;
}

/** Result of {@link convertImages}. */
export interface ConversionResult {
  /** Converted items in input order. */
  converted: ConvertedImage[];
  /** The report (skips included). */
  report: ConversionReport;
}

/**
 * Converts `items` in parallel. Never throws for a bad file: each is listed in
 * `report.skipped` with its reason. Items without a label are skipped as
 * `label-missing`; with `knownLabels`, unknown labels as `unknown-class`.
 */
export async function convertImages(
  items: readonly ConvertItem[],
  options: ConvertOptions = {},
): Promise<ConversionResult> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const previousThreads = sharp.concurrency();
  if (options.sharpThreads !== undefined) {
    sharp.concurrency(options.sharpThreads);
  }
  const sharpThreads = sharp.concurrency();
  const decode: DecodeOptions = {
    width: options.width,
    height: options.height,
    background: options.background,
    maxInputPixels: options.maxInputPixels,
    minSide: options.minSide,
    kernel: options.kernel,
  };
  const slots: (Uint8Array | SkippedFile)[] = new Array(items.length);
  const start = performance.now();
  let next = 0;
  let done = 0;
  let skippedCount = 0;

  const handle = async (
    item: ConvertItem,
  ): Promise<Uint8Array | SkippedFile> => {
    const skip = (reason: SkipReason, message: string): SkippedFile => ({
      id: item.id,
      path: item.path,
      reason,
      message,
    });
    if (item.label === undefined || item.label === "") {
      return skip("label-missing", `no label for id ${item.id}`);
    }
    if (options.knownLabels && !options.knownLabels.has(item.label)) {
      return skip(
        "unknown-class",
        `label '${item.label}' is not a known class`,
      );
    }
    try {
      return await decodeToRgb(item.path, decode);
    } catch (error) {
      if (error instanceof ImageDecodeError) {
        return skip(error.reason, error.message);
      }
      return skip("decode-failed", `${item.path}: ${(error as Error).message}`);
    }
  };

  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const result = await handle(items[index]);
      slots[index] = result;
      done++;
      if (!(result instanceof Uint8Array)) skippedCount++;
      if (options.onProgress) {
        const elapsedSeconds = (performance.now() - start) / 1000;
        options.onProgress({
          done,
          total: items.length,
          converted: done - skippedCount,
          skipped: skippedCount,
          elapsedSeconds,
          imagesPerSecond: done / Math.max(elapsedSeconds, 1e-9),
        });
      }
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, items.length) }, worker),
    );
  } finally {
    if (options.sharpThreads !== undefined) sharp.concurrency(previousThreads);
  }

  const converted: ConvertedImage[] = [];
  const skipped: SkippedFile[] = [];
  slots.forEach((slot, i) => {
    if (slot instanceof Uint8Array) {
      converted.push({ item: items[i], pixels: slot });
    } else skipped.push(slot);
  });
  const skippedByReason: Partial<Record<SkipReason, number>> = {};
  for (const s of skipped) {
    skippedByReason[s.reason] = (skippedByReason[s.reason] ?? 0) + 1;
  }
  const elapsedSeconds = (performance.now() - start) / 1000;
  return {
    converted,
    report: {
      width: options.width ?? DEFAULT_DECODE.width,
      height: options.height ?? DEFAULT_DECODE.height,
      background: options.background ?? DEFAULT_DECODE.background,
      resize: "fit inside the box keeping aspect ratio (sharp fit 'contain', " +
        `${options.kernel ?? DEFAULT_DECODE.kernel} kernel), padded with the ` +
        "background; EXIF orientation applied; " +
        "alpha flattened onto the background; converted to 8-bit sRGB",
      total: items.length,
      converted: converted.length,
      skippedByReason,
      skipped,
      elapsedSeconds,
      imagesPerSecond: items.length / Math.max(elapsedSeconds, 1e-9),
      concurrency,
      sharpThreads,
      versions: {
        sharp: sharp.versions.sharp ?? "?",
        vips: sharp.versions.vips,
      },
      reasons: SKIP_REASONS,
    },
  };
}

/** Stacks converted images into one `N x height x width x 3` buffer. */
export function stackImages(images: readonly ConvertedImage[]): Uint8Array {
  if (images.length === 0) return new Uint8Array(0);
  const size = images[0].pixels.length;
  const out = new Uint8Array(images.length * size);
  images.forEach((im, i) => {
    if (im.pixels.length !== size) {
      throw new Error(
        `stackImages: ${im.item.path} has ${im.pixels.length} bytes, expected ${size}`,
      );
    }
    out.set(im.pixels, i * size);
  });
  return out;
}
