/**
 * How an object sits in its frame, for images on a white background: the
 * bounding box of the pixels that are not background, the share of the
 * frame it covers, where its centre is and how bright it is; and two
 * interventions that change only the framing: fitting the object's box
 * back into the frame, centred (as if the photo had been cropped to it),
 * and moving the object up or down.
 *
 * "Background" is a pixel whose every channel is at least `threshold`
 * (default 235): the product photos and the shop photos are shot on white,
 * and the conversion pads with white.
 *
 * @example
 * ```ts
 * const stats = framingStats(arrays);       // one row per image
 * const centred = await recentre(arrays);   // same images, object fills the frame
 * ```
 *
 * @module
 */
import sharp from "sharp";
import type { LabelledArrays } from "../labelled_arrays.ts";

/** Channels at or above this count as white background. */
export const BACKGROUND_THRESHOLD = 235;

/** The box of an image's non-background pixels, in pixels (bottom and right exclusive). */
export interface ObjectBox {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** How one image's object sits in its frame (fractions of the frame). */
export interface Framing {
  /** Share of the frame's pixels that are not background. */
  coverage: number;
  /** Box height / frame height. */
  boxHeight: number;
  /** Box width / frame width. */
  boxWidth: number;
  /** Vertical centre of the object's pixels, 0 top to 1 bottom. */
  centreY: number;
  /** Horizontal centre of the object's pixels, 0 left to 1 right. */
  centreX: number;
  /** Mean luminance (0-255, Rec. 601) of the object's pixels. */
  luminance: number;
}

function pixelsOf(arrays: LabelledArrays, i: number): Uint8Array {
  const [h, w, c] = arrays.shape;
  const size = h * w * c;
  const slice = arrays.images.subarray(i * size, (i + 1) * size);
  return slice instanceof Uint8Array
    ? slice
    : Uint8Array.from(slice, (v) => Math.round(v * 255));
}

function isBackground(p: Uint8Array, k: number, threshold: number): boolean {
  return p[k] >= threshold && p[k + 1] >= threshold && p[k + 2] >= threshold;
}

/** The object box of one RGB image (`null` when it is all background). */
export function objectBox(
  pixels: Uint8Array,
  height: number,
  width: number,
  threshold = BACKGROUND_THRESHOLD,
): ObjectBox | null {
  let top = height, left = width, bottom = -1, right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (isBackground(pixels, (y * width + x) * 3, threshold)) continue;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      if (x < left) left = x;
      if (x > right) right = x;
    }
  }
  return bottom < 0
    ? null
    : { top, left, bottom: bottom + 1, right: right + 1 };
}

/** How the object of one RGB image sits in its frame (`null`: all background). */
export function framingOf(
  pixels: Uint8Array,
  height: number,
  width: number,
  threshold = BACKGROUND_THRESHOLD,
): Framing | null {
  const box = objectBox(pixels, height, width, threshold);
  if (!box) return null;
  let count = 0, sumY = 0, sumX = 0, sumL = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = (y * width + x) * 3;
      if (isBackground(pixels, k, threshold)) continue;
      count++;
      sumY += y + 0.5;
      sumX += x + 0.5;
      sumL += 0.299 * pixels[k] + 0.587 * pixels[k + 1] +
        0.114 * pixels[k + 2];
    }
  }
  return {
    coverage: count / (height * width),
    boxHeight: (box.bottom - box.top) / height,
    boxWidth: (box.right - box.left) / width,
    centreY: sumY / count / height,
    centreX: sumX / count / width,
    luminance: sumL / count,
  };
}

/** {@link framingOf} for every image of `arrays` (`null` for blank images). */
export function framingStats(
  arrays: LabelledArrays,
  threshold = BACKGROUND_THRESHOLD,
): (Framing | null)[] {
  const [h, w] = arrays.shape;
  const n = arrays.labels.length;
  return Array.from(
    { length: n },
    (_, i) => framingOf(pixelsOf(arrays, i), h, w, threshold),
  );
}

/** Median and quartiles of a list of numbers. */
export interface Quartiles {
  q1: number;
  median: number;
  q3: number;
}

/** Median and quartiles (linear interpolation, as NumPy's default). */
export function quartiles(values: readonly number[]): Quartiles {
  if (values.length === 0) throw new Error("quartiles of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  };
  return { q1: at(0.25), median: at(0.5), q3: at(0.75) };
}

/** Quartiles of each {@link Framing} measure over the images that have an object. */
export function summarizeFraming(
  stats: readonly (Framing | null)[],
): Record<keyof Framing, Quartiles> {
  const present = stats.filter((s): s is Framing => s !== null);
  const keys: (keyof Framing)[] = [
    "coverage",
    "boxHeight",
    "boxWidth",
    "centreY",
    "centreX",
    "luminance",
  ];
  return Object.fromEntries(
    keys.map((k) => [k, quartiles(present.map((s) => s[k]))]),
  ) as Record<keyof Framing, Quartiles>;
}

async function fitIntoFrame(
  crop: Uint8Array,
  cropHeight: number,
  cropWidth: number,
  height: number,
  width: number,
): Promise<Uint8Array> {
  const { data } = await sharp(crop, {
    raw: { width: cropWidth, height: cropHeight, channels: 3 },
  })
    .resize(width, height, {
      fit: "contain",
      background: { r: 255, g: 255, b: 255 },
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/**
 * Every image cropped to its object box (plus `margin` of the box's size on
 * each side, default 5%) and fitted back into the same frame, centred on
 * white, like the conversion fits a photo: the object as large as the frame
 * allows, wherever it stood. Blank images are kept as they are.
 */
export async function recentre(
  arrays: LabelledArrays,
  options: { margin?: number; threshold?: number } = {},
): Promise<LabelledArrays> {
  const [h, w, c] = arrays.shape;
  const margin = options.margin ?? 0.05;
  const out = new Uint8Array(arrays.labels.length * h * w * c);
  for (let i = 0; i < arrays.labels.length; i++) {
    const pixels = pixelsOf(arrays, i);
    const box = objectBox(pixels, h, w, options.threshold);
    if (!box) {
      out.set(pixels, i * h * w * c);
      continue;
    }
    const padY = Math.round((box.bottom - box.top) * margin);
    const padX = Math.round((box.right - box.left) * margin);
    const top = Math.max(0, box.top - padY);
    const bottom = Math.min(h, box.bottom + padY);
    const left = Math.max(0, box.left - padX);
    const right = Math.min(w, box.right + padX);
    const cw = right - left;
    const crop = new Uint8Array((bottom - top) * cw * 3);
    for (let y = top; y < bottom; y++) {
      crop.set(
        pixels.subarray((y * w + left) * 3, (y * w + right) * 3),
        (y - top) * cw * 3,
      );
    }
    out.set(await fitIntoFrame(crop, bottom - top, cw, h, w), i * h * w * c);
  }
  return { images: out, shape: arrays.shape, labels: arrays.labels };
}

/**
 * Every image with its object moved vertically so that its box's centre
 * lies at `centreY` (0 top, 1 bottom) of the frame, as far as the frame
 * allows; what is uncovered is white. Size and everything else stay.
 */
export function moveVertically(
  arrays: LabelledArrays,
  centreY: number,
  threshold = BACKGROUND_THRESHOLD,
): LabelledArrays {
  const [h, w, c] = arrays.shape;
  const out = new Uint8Array(arrays.labels.length * h * w * c).fill(255);
  for (let i = 0; i < arrays.labels.length; i++) {
    const pixels = pixelsOf(arrays, i);
    const box = objectBox(pixels, h, w, threshold);
    const base = i * h * w * c;
    if (!box) {
      out.set(pixels, base);
      continue;
    }
    const boxHeight = box.bottom - box.top;
    const wanted = Math.round(centreY * h - boxHeight / 2);
    const newTop = Math.min(h - boxHeight, Math.max(0, wanted));
    const shift = newTop - box.top;
    for (let y = box.top; y < box.bottom; y++) {
      out.set(
        pixels.subarray(y * w * 3, (y + 1) * w * 3),
        base + (y + shift) * w * 3,
      );
    }
  }
  return { images: out, shape: arrays.shape, labels: arrays.labels };
}
