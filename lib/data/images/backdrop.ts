/**
 * Product photos on other backgrounds: the white studio background is a
 * shortcut a model can learn (every training photo has it, no street photo
 * does), so training can replace it with a random backdrop.
 *
 * The background of an image is its near-white pixels that connect to the
 * frame's border (a flood fill from the border), so white parts inside an
 * object (a white sneaker's upper enclosed by its outline) stay. The
 * backdrop is drawn per image from the batch's random stream: a solid
 * colour, a linear gradient between two colours, or smooth value noise
 * (blotches like a floor, a bedspread or a wall).
 *
 * @example
 * ```ts
 * const out = randomBackdropBatch(batch, [n, 120, 90, 3], rng);
 * ```
 *
 * @module
 */
import type { Rng } from "../../random.ts";

/** Channel values (0..1) at or above this are white for the background mask. */
export const WHITE = 235 / 255;

/**
 * Background mask of one image (`[h, w, 3]` floats in 0..1): 1 where a pixel
 * is near-white and connected to the border through near-white pixels.
 */
export function backgroundMask(
  image: Float32Array,
  height: number,
  width: number,
  white = WHITE,
): Uint8Array {
  const mask = new Uint8Array(height * width);
  const isWhite = (p: number) =>
    image[p * 3] >= white && image[p * 3 + 1] >= white &&
    image[p * 3 + 2] >= white;
  const stack: number[] = [];
  const seed = (p: number) => {
    if (!mask[p] && isWhite(p)) {
      mask[p] = 1;
      stack.push(p);
    }
  };
  for (let x = 0; x < width; x++) {
    seed(x);
    seed((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    seed(y * width);
    seed(y * width + width - 1);
  }
  while (stack.length) {
    const p = stack.pop()!;
    const y = Math.floor(p / width);
    const x = p - y * width;
    if (y > 0) seed(p - width);
    if (y < height - 1) seed(p + width);
    if (x > 0) seed(p - 1);
    if (x < width - 1) seed(p + 1);
  }
  return mask;
}

type Colour = [number, number, number];

function randomColour(rng: Rng): Colour {
  return [rng.next(), rng.next(), rng.next()];
}

/** One random backdrop (`[h, w, 3]`, 0..1): solid, gradient or value noise. */
export function randomBackdrop(
  height: number,
  width: number,
  rng: Rng,
): Float32Array {
  const out = new Float32Array(height * width * 3);
  const kind = rng.int(3);
  const a = randomColour(rng);
  const b = randomColour(rng);
  if (kind === 0) {
    for (let p = 0; p < height * width; p++) out.set(a, p * 3);
    return out;
  }
  if (kind === 1) {
    const angle = rng.next() * 2 * Math.PI;
    const [dy, dx] = [Math.sin(angle), Math.cos(angle)];
    const span = Math.abs(dy) * height + Math.abs(dx) * width;
    const origin = Math.min(0, dy * height) + Math.min(0, dx * width);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const t = (dy * y + dx * x - origin) / span;
        for (let k = 0; k < 3; k++) {
          out[(y * width + x) * 3 + k] = a[k] + (b[k] - a[k]) * t;
        }
      }
    }
    return out;
  }
  // Value noise: random values on a coarse grid, bilinearly interpolated.
  const cell = 6 + rng.int(20);
  const gh = Math.ceil(height / cell) + 2;
  const gw = Math.ceil(width / cell) + 2;
  const grid = Float32Array.from({ length: gh * gw }, () => rng.next());
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gy = y / cell, gx = x / cell;
      const y0 = Math.floor(gy), x0 = Math.floor(gx);
      const fy = gy - y0, fx = gx - x0;
      const v = (grid[y0 * gw + x0] * (1 - fx) + grid[y0 * gw + x0 + 1] * fx) *
          (1 - fy) +
        (grid[(y0 + 1) * gw + x0] * (1 - fx) +
            grid[(y0 + 1) * gw + x0 + 1] * fx) * fy;
      for (let k = 0; k < 3; k++) {
        out[(y * width + x) * 3 + k] = a[k] + (b[k] - a[k]) * v;
      }
    }
  }
  return out;
}

/**
 * Each image of a `[n, h, w, 3]` float batch (0..1) with its background
 * replaced by a random backdrop, with probability `probability` (default
 * 0.8; the rest keep their white). Randomness only from `rng`.
 */
export function randomBackdropBatch(
  batch: Float32Array,
  shape: readonly [number, number, number, number],
  rng: Rng,
  probability = 0.8,
): Float32Array {
  const [n, h, w, c] = shape;
  if (c !== 3) {
    throw new Error(`randomBackdropBatch needs RGB, got ${c} channels`);
  }
  const size = h * w * 3;
  const out = new Float32Array(batch);
  for (let i = 0; i < n; i++) {
    if (rng.next() >= probability) continue;
    const image = out.subarray(i * size, (i + 1) * size);
    const mask = backgroundMask(image, h, w);
    const backdrop = randomBackdrop(h, w, rng);
    for (let p = 0; p < h * w; p++) {
      if (mask[p]) image.set(backdrop.subarray(p * 3, p * 3 + 3), p * 3);
    }
  }
  return out;
}
