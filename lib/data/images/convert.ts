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
 * Besides files the decoder refuses, an item can arrive already refused
 * (`skip`): an entry of the dataset folder that is not an image file the
 * pipeline reads, a folder or a symbolic link. It is listed with its reason
 * like any other skip, so every entry of the input is accounted for.
 *
 * A JPEG with data after its end-of-image marker (a phone's "motion photo"
 * carries its video there) fails the decoder's truncation guard; it is
 * converted from its own bytes, up to the marker ({@link jpegEnd}), when
 * sharp decodes those without a warning, and listed in
 * `report.trailingDataIgnored`. A JPEG cut short stays skipped as
 * `truncated`, with or without bytes after the cut.
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
import { jpegEnd } from "./jpeg_end.ts";

/** Why an entry of a dataset folder was not offered to the decoder. */
export type EntrySkipReason = "not-an-image-type" | "folder" | "symlink";

/** Plain-language meaning of each {@link EntrySkipReason}, for reports. */
export const ENTRY_SKIP_REASONS: Record<EntrySkipReason, string> = {
  "not-an-image-type":
    "not an image file type the pipeline reads (.jpg, .jpeg, .png, .webp, .gif, .tif, .tiff)",
  folder: "a folder where image files are expected",
  symlink:
    "a symbolic link (only regular files of the installed dataset are read)",
};

/** Any reason a conversion skips an input: the decoder's or the folder listing's. */
export type ConvertSkipReason = SkipReason | EntrySkipReason;

/** Plain-language meaning of every {@link ConvertSkipReason}. */
export const CONVERT_SKIP_REASONS: Record<ConvertSkipReason, string> = {
  ...SKIP_REASONS,
  ...ENTRY_SKIP_REASONS,
};

/**
 * A conversion that cannot go ahead because of its input or output folder
 * (a missing folder, nothing convertible, an output folder holding other
 * files). Its message says what is wrong and what to do; tasks print it
 * without a stack trace.
 */
export class ConversionInputError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ConversionInputError";
  }
}

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
  /** Set when the entry is refused before decoding (listed as skipped with this reason). */
  skip?: { reason: EntrySkipReason; message: string };
}

/** A skipped file in the report. */
export interface SkippedFile {
  /** Item id. */
  id: string;
  /** File path. */
  path: string;
  /** Why. */
  reason: ConvertSkipReason;
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
  skippedByReason: Partial<Record<ConvertSkipReason, number>>;
  /** Every skipped item. */
  skipped: SkippedFile[];
  /**
   * JPEGs converted from their bytes up to the end-of-image marker, with the
   * bytes after it ignored (e.g. a motion photo's video).
   */
  trailingDataIgnored: TrailingData[];
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
  reasons: Record<ConvertSkipReason, string>;
}

/** A converted JPEG whose bytes after its end-of-image marker were ignored. */
export interface TrailingData {
  /** Item id. */
  id: string;
  /** File path. */
  path: string;
  /** Where the JPEG data ends (bytes). */
  imageBytes: number;
  /** Bytes after it that were not read. */
  ignoredBytes: number;
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
  const trailing: (TrailingData | undefined)[] = new Array(items.length);
  const start = performance.now();
  let next = 0;
  let done = 0;
  let skippedCount = 0;

  const handle = async (
    item: ConvertItem,
    index: number,
  ): Promise<Uint8Array | SkippedFile> => {
    const skip = (reason: ConvertSkipReason, message: string): SkippedFile => ({
      id: item.id,
      path: item.path,
      reason,
      message,
    });
    if (item.skip) return skip(item.skip.reason, item.skip.message);
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
        const own = error.reason === "truncated"
          ? await decodeOwnJpegBytes(item.path, decode)
          : undefined;
        if (own) {
          trailing[index] = { id: item.id, path: item.path, ...own.sizes };
          return own.pixels;
        }
        return skip(error.reason, error.message);
      }
      return skip("decode-failed", `${item.path}: ${(error as Error).message}`);
    }
  };

  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const result = await handle(items[index], index);
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
  const skippedByReason: Partial<Record<ConvertSkipReason, number>> = {};
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
      trailingDataIgnored: trailing.filter((t): t is TrailingData =>
        t !== undefined
      ),
      elapsedSeconds,
      imagesPerSecond: items.length / Math.max(elapsedSeconds, 1e-9),
      concurrency,
      sharpThreads,
      versions: {
        sharp: sharp.versions.sharp ?? "?",
        vips: sharp.versions.vips,
      },
      reasons: CONVERT_SKIP_REASONS,
    },
  };
}

/**
 * A JPEG that has bytes after its end-of-image marker, decoded from its own
 * bytes (up to the marker); `undefined` when the file is no such JPEG
 * (truly truncated, not a JPEG) or sharp cannot decode those bytes without
 * an error or a warning.
 */
async function decodeOwnJpegBytes(
  path: string,
  decode: DecodeOptions,
): Promise<
  | { pixels: Uint8Array; sizes: Omit<TrailingData, "id" | "path"> }
  | undefined
> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    return undefined;
  }
  const end = jpegEnd(bytes);
  if (end === undefined || end >= bytes.length) return undefined;
  const own = bytes.subarray(0, end);
  try {
    const pixels = await decodeToRgb(own, decode);
    // libjpeg only warns about a scan that stops early, and an end marker
    // can turn up in appended bytes: accept the image only when its own
    // bytes decode without a single warning.
    await sharp(own, {
      failOn: "warning",
      limitInputPixels: decode.maxInputPixels ?? DEFAULT_DECODE.maxInputPixels,
    }).raw().toBuffer();
    return {
      pixels,
      sizes: { imageBytes: end, ignoredBytes: bytes.length - end },
    };
  } catch {
    return undefined;
  }
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
