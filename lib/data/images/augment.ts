/**
 * Image augmentation on batches of `N x height x width x channels` typed
 * arrays (uint8 or float32), pure TypeScript, seeded through lib/random.ts.
 *
 * 1. Shoe orientation (study 000: "shoes have a direction that they are
 *    pointing to"). {@link shoeFacing} decides which way a shoe's toe points
 *    from its silhouette: the background colour is the median of the border
 *    pixels, pixels that differ from it by more than 30 (any channel) are the
 *    shoe, and for each column the shoe's *rise* is how far its top edge is
 *    above the shoe's lowest row. The heel and ankle collar rise higher than
 *    the toe, so the third of the shoe's width that rises more holds the heel
 *    and the toe points the other way. A difference under 5% of the shoe's
 *    height is `unknown`. Because the statistic is mirror-antisymmetric, a
 *    flipped image always gets the opposite decision. Canonicalisation
 *    ({@link canonicalizeShoes}) turns every shoe to face right (toe on the
 *    right), the majority view in the product photos; random horizontal flips
 *    ({@link randomFlipBatch}) are the training-time alternative.
 *    Limitation: slides and flip-flops photographed exactly from the side
 *    have no heel counter and a strap over the forefoot, so the statistic
 *    points them the wrong way (9 of the 93 fashion-shop sample shoes, all
 *    slides or flip-flops, come out `left` although they face right); the
 *    product catalogue's three-quarter views are decided correctly.
 * 2. Random affine transforms in the manner of Keras's `ImageDataGenerator`
 *    (study 002 used it for "rotating or shifting"; it gives no values, so
 *    {@link DEFAULT_AUGMENT} chooses rotation 20 degrees, shifts 10%, zoom
 *    10%, horizontal flip, fill `nearest`). As in Keras, each image draws a
 *    rotation angle, a row and a column shift, and independent zoom factors
 *    for rows and columns; the transform is about the image centre, pixels
 *    are sampled bilinearly, and points outside are filled from the nearest
 *    edge pixel (or a constant).
 *
 * @example
 * ```ts
 * const rng = createRng(42).fork("augment");
 * const out = augmentBatch(images, [n, 120, 90, 3], rng, DEFAULT_AUGMENT);
 * ```
 *
 * @module
 */
import type { Rng } from "../../random.ts";

/** Pixel storage accepted by the augmenters. */
export type PixelArray = Uint8Array | Float32Array;

/** Batch shape `[n, height, width, channels]`. */
export type BatchShape = readonly [number, number, number, number];

function checkShape(data: PixelArray, shape: BatchShape, what: string): void {
  const [n, h, w, c] = shape;
  if (data.length !== n * h * w * c) {
    throw new Error(
      `${what}: ${data.length} values do not match shape [${shape}] (${
        n * h * w * c
      })`,
    );
  }
}

/** A new array with one image (`height x width x channels`) mirrored left-right. */
export function flipHorizontal<T extends PixelArray>(
  image: T,
  width: number,
  height: number,
  channels: number,
): T {
  const out = new (image.constructor as { new (n: number): T })(image.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    for (let x = 0; x < width; x++) {
      const from = row + x * channels;
      const to = row + (width - 1 - x) * channels;
      for (let k = 0; k < channels; k++) out[to + k] = image[from + k];
    }
  }
  return out;
}

/** Direction a shoe's toe points in the image. */
export type Facing = "left" | "right" | "unknown";

/** Result of {@link shoeFacing}. */
export interface FacingDecision {
  /** Where the toe points. */
  facing: Facing;
  /** (rise of left third - rise of right third) / shoe height; > 0: heel left, toe right. */
  score: number;
}

/** Minimum |score| for a decision; below it the shoe is `unknown`. */
export const FACING_MARGIN = 0.05;

/**
 * Decides which way a shoe points from one RGB(A) image (see module docs).
 *
 * @example
 * ```ts
 * shoeFacing(rgb, 90, 120, 3).facing; // "right" for most product photos
 * ```
 */
export function shoeFacing(
  image: PixelArray,
  width: number,
  height: number,
  channels: number,
): FacingDecision {
  const px = (x: number, y: number, k: number) =>
    image[(y * width + x) * channels + k];
  // Background: per-channel median of the border pixels.
  const bg: number[] = [];
  for (let k = 0; k < Math.min(channels, 3); k++) {
    const values: number[] = [];
    for (let x = 0; x < width; x++) {
      values.push(px(x, 0, k), px(x, height - 1, k));
    }
    for (let y = 0; y < height; y++) {
      values.push(px(0, y, k), px(width - 1, y, k));
    }
    values.sort((a, b) => a - b);
    bg.push(values[values.length >> 1]);
  }
  let maxValue = 0;
  if (image instanceof Float32Array) {
    for (let i = 0; i < image.length; i++) {
      maxValue = Math.max(maxValue, image[i]);
    }
  }
  // Float images scaled to [0, 1] get the threshold scaled alike.
  const scale = image instanceof Float32Array && maxValue <= 1 ? 1 / 255 : 1;
  const threshold = 30 * scale;
  const top = new Int32Array(width).fill(-1);
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let fg = false;
      for (let k = 0; k < bg.length && !fg; k++) {
        fg = Math.abs(px(x, y, k) - bg[k]) > threshold;
      }
      if (!fg) continue;
      if (top[x] < 0) top[x] = y;
      bottom = y;
    }
  }
  const columns = [...top.keys()].filter((x) => top[x] >= 0);
  if (columns.length < 6 || bottom < 0) return { facing: "unknown", score: 0 };
  const left = columns[0];
  const right = columns[columns.length - 1];
  const shoeHeight = bottom - Math.min(...columns.map((x) => top[x])) + 1;
  const third = (right - left + 1) / 3;
  const meanRise = (from: number, to: number) => {
    let sum = 0;
    let n = 0;
    for (let x = Math.ceil(from); x <= Math.floor(to); x++) {
      if (top[x] < 0) continue;
      sum += bottom - top[x];
      n++;
    }
    return n === 0 ? 0 : sum / n;
  };
  const score = (meanRise(left, left + third - 1) -
    meanRise(right - third + 1, right)) / shoeHeight;
  const facing: Facing = score > FACING_MARGIN
    ? "right"
    : score < -FACING_MARGIN
    ? "left"
    : "unknown";
  return { facing, score };
}

/**
 * Turns every shoe in the batch to face right (flips those facing left), in
 * place. Returns the indices that were flipped.
 */
export function canonicalizeShoes(
  batch: PixelArray,
  shape: BatchShape,
): number[] {
  checkShape(batch, shape, "canonicalizeShoes");
  const [n, h, w, c] = shape;
  const size = h * w * c;
  const flipped: number[] = [];
  for (let i = 0; i < n; i++) {
    const image = batch.subarray(i * size, (i + 1) * size);
    if (shoeFacing(image, w, h, c).facing === "left") {
      image.set(flipHorizontal(image, w, h, c));
      flipped.push(i);
    }
  }
  return flipped;
}

/**
 * A copy of the batch where each image is mirrored with probability `p`
 * (default 0.5), driven by `rng`.
 */
export function randomFlipBatch<T extends PixelArray>(
  batch: T,
  shape: BatchShape,
  rng: Rng,
  p = 0.5,
): T {
  checkShape(batch, shape, "randomFlipBatch");
  const [n, h, w, c] = shape;
  const size = h * w * c;
  const out = batch.slice() as T;
  for (let i = 0; i < n; i++) {
    if (rng.next() < p) {
      const image = batch.subarray(i * size, (i + 1) * size) as T;
      out.set(flipHorizontal(image, w, h, c), i * size);
    }
  }
  return out;
}

/** Random-transform parameters in Keras `ImageDataGenerator` terms. */
export interface AugmentParams {
  /** Maximum rotation in degrees (Keras `rotation_range`). */
  rotationRange: number;
  /** Maximum horizontal shift as a fraction of the width (`width_shift_range`). */
  widthShiftRange: number;
  /** Maximum vertical shift as a fraction of the height (`height_shift_range`). */
  heightShiftRange: number;
  /** Zoom factors are drawn from [1 - zoomRange, 1 + zoomRange] (`zoom_range`). */
  zoomRange: number;
  /** Mirror half of the images left-right (`horizontal_flip`). */
  horizontalFlip: boolean;
  /** How to fill points outside the input (`fill_mode`: `nearest` or `constant`). */
  fillMode: "nearest" | "constant";
  /** Fill value for `constant` (`cval`). */
  fillValue: number;
}

/** This workspace's choice of values (study 002 gives none; see module docs). */
export const DEFAULT_AUGMENT: AugmentParams = {
  rotationRange: 20,
  widthShiftRange: 0.1,
  heightShiftRange: 0.1,
  zoomRange: 0.1,
  horizontalFlip: true,
  fillMode: "nearest",
  fillValue: 0,
};

/** One image's drawn transform. */
export interface AffineDraw {
  /** Rotation in degrees. */
  theta: number;
  /** Row shift in pixels (Keras `tx`). */
  tx: number;
  /** Column shift in pixels (Keras `ty`). */
  ty: number;
  /** Row zoom. */
  zx: number;
  /** Column zoom. */
  zy: number;
  /** Mirror? */
  flip: boolean;
}

/** Draws one image's transform from `params`, as Keras's `get_random_transform` does. */
export function drawTransform(
  params: AugmentParams,
  height: number,
  width: number,
  rng: Rng,
): AffineDraw {
  const uniform = (a: number, b: number) => a + (b - a) * rng.next();
  const theta = params.rotationRange
    ? uniform(-params.rotationRange, params.rotationRange)
    : 0;
  const tx = params.heightShiftRange
    ? uniform(-params.heightShiftRange, params.heightShiftRange) * height
    : 0;
  const ty = params.widthShiftRange
    ? uniform(-params.widthShiftRange, params.widthShiftRange) * width
    : 0;
  const [zx, zy] = params.zoomRange
    ? [
      uniform(1 - params.zoomRange, 1 + params.zoomRange),
      uniform(1 - params.zoomRange, 1 + params.zoomRange),
    ]
    : [1, 1];
  const flip = params.horizontalFlip ? rng.next() < 0.5 : false;
  return { theta, tx, ty, zx, zy, flip };
}

/**
 * Applies one drawn transform to one image into `out` (same size). The
 * output pixel at (row, col) samples the input at
 * `centre + R(theta) * (Z * (p - centre) + t)`, bilinearly.
 */
export function applyTransform(
  image: PixelArray,
  out: PixelArray,
  height: number,
  width: number,
  channels: number,
  draw: AffineDraw,
  fillMode: AugmentParams["fillMode"] = "nearest",
  fillValue = 0,
): void {
  const rad = (draw.theta * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const cr = (height - 1) / 2;
  const cc = (width - 1) / 2;
  const round = out instanceof Uint8Array;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const zr = draw.zx * (r - cr) + draw.tx;
      const zc = draw.zy * (c - cc) + draw.ty;
      let sr = cos * zr - sin * zc + cr;
      let sc = sin * zr + cos * zc + cc;
      if (draw.flip) sc = width - 1 - sc;
      const o = (r * width + c) * channels;
      const outside = sr < 0 || sr > height - 1 || sc < 0 || sc > width - 1;
      if (outside && fillMode === "constant") {
        for (let k = 0; k < channels; k++) out[o + k] = fillValue;
        continue;
      }
      sr = Math.min(Math.max(sr, 0), height - 1);
      sc = Math.min(Math.max(sc, 0), width - 1);
      const r0 = Math.floor(sr);
      const c0 = Math.floor(sc);
      const r1 = Math.min(r0 + 1, height - 1);
      const c1 = Math.min(c0 + 1, width - 1);
      const fr = sr - r0;
      const fc = sc - c0;
      for (let k = 0; k < channels; k++) {
        const v00 = image[(r0 * width + c0) * channels + k];
        const v01 = image[(r0 * width + c1) * channels + k];
        const v10 = image[(r1 * width + c0) * channels + k];
        const v11 = image[(r1 * width + c1) * channels + k];
        const v = (v00 * (1 - fc) + v01 * fc) * (1 - fr) +
          (v10 * (1 - fc) + v11 * fc) * fr;
        out[o + k] = round ? Math.round(v) : v;
      }
    }
  }
}

/**
 * A randomly transformed copy of the batch (Keras `ImageDataGenerator`
 * style). Each image draws its own transform from `rng`, so the same seed
 * gives the same batch.
 */
export function augmentBatch<T extends PixelArray>(
  batch: T,
  shape: BatchShape,
  rng: Rng,
  params: AugmentParams = DEFAULT_AUGMENT,
): T {
  checkShape(batch, shape, "augmentBatch");
  const [n, h, w, c] = shape;
  const size = h * w * c;
  const out = new (batch.constructor as { new (n: number): T })(batch.length);
  for (let i = 0; i < n; i++) {
    const draw = drawTransform(params, h, w, rng);
    applyTransform(
      batch.subarray(i * size, (i + 1) * size),
      out.subarray(i * size, (i + 1) * size),
      h,
      w,
      c,
      draw,
      params.fillMode,
      params.fillValue,
    );
  }
  return out;
}
