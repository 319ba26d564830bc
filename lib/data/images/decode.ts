/**
 * Decoding one image file into a fixed-size 8-bit RGB array with sharp.
 *
 * The studies converted images with PIL `image.thumbnail((90, 120))` and
 * `np.asarray`, which keeps the aspect ratio and so yields arrays of varying
 * size when a photo is not exactly 3:4. Here every image is fitted inside the
 * `width` x `height` box (aspect ratio kept, enlarged if smaller) and padded to
 * exactly that size with the background colour: white by default, because
 * the product photos are shot on white. Transparent pixels are flattened onto
 * the same background. An 8-bit RGB image is resized by sharp and padded by
 * {@link letterbox}, with the bytes sharp's own `fit: "contain"` gives;
 * every other image is padded by sharp.
 *
 * Handled inputs: JPEG/PNG/WebP/GIF/TIFF (whatever sharp reads), EXIF
 * orientation (applied with `.rotate()`), greyscale, alpha, CMYK, 16-bit and
 * palette images (all converted to 8-bit sRGB). Guarded: empty files, files
 * that are not images, truncated data, decompression bombs (more than
 * `maxInputPixels` pixels, checked from the header before decoding) and
 * degenerate images (a side under `minSide` pixels, e.g. 1x1 tracking
 * pixels). Each failure is an {@link ImageDecodeError} with a machine-readable
 * {@link SkipReason}.
 *
 * @example
 * ```ts
 * const rgb = await decodeToRgb("images/10000.jpg", { width: 90, height: 120 });
 * rgb.length; // 120 * 90 * 3, row-major, RGB interleaved
 * ```
 *
 * @module
 */
import sharp from "sharp";
import { isByteColour, letterbox, type Rgb } from "./letterbox.ts";

export type { Rgb } from "./letterbox.ts";

/** Why an input was skipped (used in conversion reports). */
export type SkipReason =
  | "empty-file"
  | "unreadable"
  | "not-an-image"
  | "truncated"
  | "too-large"
  | "too-small"
  | "decode-failed"
  | "label-missing"
  | "unknown-class";

/** Plain-language meaning of each {@link SkipReason}, for reports. */
export const SKIP_REASONS: Record<SkipReason, string> = {
  "empty-file": "the file is empty (0 bytes)",
  unreadable: "the file could not be read (missing or no permission)",
  "not-an-image": "the bytes are not an image format sharp understands",
  truncated: "the image data ends early or is corrupt",
  "too-large": "more pixels than the decompression-bomb limit",
  "too-small": "a side is smaller than the minimum (degenerate image)",
  "decode-failed": "sharp failed for another reason (see message)",
  "label-missing": "no label for this image in the dataset's label file",
  "unknown-class": "the image's label is not a class of the taxonomy",
};

/** An input that cannot be converted, with the reason. */
export class ImageDecodeError extends Error {
  /** Machine-readable reason. */
  readonly reason: SkipReason;
  /** The offending file (or `<buffer>`). */
  readonly path: string;
  /** Creates the error; the message names the file. */
  constructor(path: string, reason: SkipReason, detail: string) {
    super(`${path}: ${SKIP_REASONS[reason]} (${detail})`);
    this.name = "ImageDecodeError";
    this.reason = reason;
    this.path = path;
  }
}

/** Options for {@link decodeToRgb}. */
export interface DecodeOptions {
  /** Output width in pixels (default 90, the studies' size). */
  width?: number;
  /** Output height in pixels (default 120). */
  height?: number;
  /** Padding and flattening colour (default white, as product photos). */
  background?: Rgb;
  /** Decompression-bomb guard: maximum input pixels (default 50 million). */
  maxInputPixels?: number;
  /** Smallest accepted input side in pixels (default 8). */
  minSide?: number;
  /** Resampling kernel (default `cubic`, as PIL's `thumbnail`; `lanczos3` is sharper and slower). */
  kernel?:
    | "nearest"
    | "linear"
    | "cubic"
    | "mitchell"
    | "lanczos2"
    | "lanczos3";
}

/** Defaults of {@link DecodeOptions}. */
export const DEFAULT_DECODE: Required<DecodeOptions> = {
  width: 90,
  height: 120,
  background: { r: 255, g: 255, b: 255 },
  maxInputPixels: 50_000_000,
  minSide: 8,
  kernel: "cubic",
};

/** Maps a sharp/libvips error message onto a {@link SkipReason}. */
export function classifySharpError(message: string): SkipReason {
  const m = message.toLowerCase();
  if (m.includes("pixel limit")) return "too-large";
  if (
    m.includes("unsupported image format") ||
    m.includes("input buffer contains unsupported") ||
    m.includes("not a known file format") ||
    m.includes("is not in a known format")
  ) return "not-an-image";
  if (
    m.includes("premature end") || m.includes("truncated") ||
    m.includes("corrupt") || m.includes("read error") ||
    m.includes("out of order read") || m.includes("incorrect header") ||
    m.includes("not enough data") || m.includes("end of file") ||
    m.includes("crc error") || m.includes("unexpected end") ||
    m.includes("bad ") || m.includes("invalid")
  ) return "truncated";
  return "decode-failed";
}

function endsWith(
  bytes: Uint8Array,
  marker: number[],
  window: number,
): boolean {
  const start = Math.max(0, bytes.length - window);
  for (let i = bytes.length - marker.length; i >= start; i--) {
    if (marker.every((b, k) => bytes[i + k] === b)) return true;
  }
  return false;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (as PNG chunks use it) of `bytes[start, end)`. */
function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** The first PNG chunk whose stored CRC does not match its data, if any. */
function damagedPngChunk(bytes: Uint8Array): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8; // after the signature
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const end = at + 8 + length;
    if (end + 4 > bytes.length) return undefined; // truncation is reported separately
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (crc32(bytes, at + 4, end) !== view.getUint32(end)) return type;
    if (type === "IEND") return undefined;
    at = end + 4;
  }
  return undefined;
}

/**
 * Structural checks libvips does not always report clearly (it can say only
 * "Unknown error"): a JPEG must end with its EOI marker (`FF D9`) and a PNG
 * with its `IEND` chunk (within the last 1 KiB, to allow trailing padding),
 * and every PNG chunk's CRC must match. Returns a description of the
 * problem, or `undefined`.
 */
export function truncationProblem(
  bytes: Uint8Array,
  format: string | undefined,
): string | undefined {
  if (format === "jpeg" && !endsWith(bytes, [0xff, 0xd9], 1024)) {
    return `JPEG of ${bytes.length} bytes has no end-of-image marker`;
  }
  if (format === "png" && !endsWith(bytes, [0x49, 0x45, 0x4e, 0x44], 1024)) {
    return `PNG of ${bytes.length} bytes has no IEND chunk`;
  }
  const damaged = format === "png" ? damagedPngChunk(bytes) : undefined;
  if (damaged) return `PNG chunk ${damaged} fails its CRC check (damaged data)`;
  return undefined;
}

/**
 * Decodes an image (a path or its bytes) into `height x width x 3` uint8 RGB,
 * row-major, fitted and padded as described in the module docs.
 *
 * @throws {ImageDecodeError} with the reason when the input is unusable.
 */
export async function decodeToRgb(
  input: string | Uint8Array,
  options: DecodeOptions = {},
): Promise<Uint8Array> {
  try {
    return await decodeOnce(input, options);
  } catch (error) {
    // libvips keeps one error buffer for all threads: when several files
    // fail at once a message can be lost ("Unknown error"). Retry such a
    // failure alone to get its real reason.
    if (
      !(error instanceof ImageDecodeError) || error.reason !== "decode-failed"
    ) {
      throw error;
    }
    return await alone(() => decodeOnce(input, options));
  }
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `task` after every earlier `alone` task has finished. */
function alone<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

async function decodeOnce(
  input: string | Uint8Array,
  options: DecodeOptions,
): Promise<Uint8Array> {
  const o: Required<DecodeOptions> = { ...DEFAULT_DECODE };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (o as Record<string, unknown>)[key] = value;
  }
  const name = typeof input === "string" ? input : "<buffer>";
  let bytes: Uint8Array;
  if (typeof input === "string") {
    try {
      bytes = await Deno.readFile(input);
    } catch (error) {
      throw new ImageDecodeError(name, "unreadable", (error as Error).message);
    }
  } else bytes = input;
  if (bytes.length === 0) {
    throw new ImageDecodeError(name, "empty-file", "0 bytes");
  }

  const open = () =>
    sharp(bytes, { limitInputPixels: o.maxInputPixels, failOn: "error" });
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await open().metadata();
  } catch (error) {
    const message = (error as Error).message;
    throw new ImageDecodeError(name, classifySharpError(message), message);
  }
  const cut = truncationProblem(bytes, meta.format);
  if (cut) throw new ImageDecodeError(name, "truncated", cut);
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w * h > o.maxInputPixels) {
    throw new ImageDecodeError(
      name,
      "too-large",
      `${w}x${h} = ${w * h} pixels > limit ${o.maxInputPixels}`,
    );
  }
  if (Math.min(w, h) < o.minSide) {
    throw new ImageDecodeError(
      name,
      "too-small",
      `${w}x${h}, minimum side ${o.minSide}`,
    );
  }
  // An 8-bit RGB image keeps its form through the pipeline, so padding it
  // here gives sharp's own `contain` bytes (see letterbox.ts) without the
  // libvips evaluation sharp's embed spends on its background colour.
  const padHere = meta.channels === 3 && meta.space === "srgb" &&
    meta.depth === "uchar" && isByteColour(o.background);
  const box = { width: o.width, height: o.height };
  try {
    const { data, info } = await open()
      .rotate()
      .flatten({ background: o.background })
      .toColourspace("srgb")
      .resize(o.width, o.height, {
        fit: padHere ? "inside" : "contain",
        background: o.background,
        kernel: o.kernel,
      })
      .removeAlpha()
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    const fitted = padHere
      ? info.width <= o.width && info.height <= o.height
      : info.width === o.width && info.height === o.height;
    if (!fitted || info.channels !== 3) {
      throw new Error(
        `sharp returned ${info.width}x${info.height}x${info.channels}, expected ${
          padHere ? "at most " : ""
        }${o.width}x${o.height}x3`,
      );
    }
    const rgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return padHere ? letterbox(rgb, info, box, o.background) : rgb;
  } catch (error) {
    const message = (error as Error).message;
    throw new ImageDecodeError(name, classifySharpError(message), message);
  }
}

/**
 * Encodes an RGB array as PNG (for previews and tests).
 */
export async function rgbToPng(
  rgb: Uint8Array,
  width: number,
  height: number,
): Promise<Uint8Array> {
  const out = await sharp(rgb, { raw: { width, height, channels: 3 } }).png()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
