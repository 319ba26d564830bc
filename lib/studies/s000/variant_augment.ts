/**
 * The primary variants' augmentation steps (see `primary_variants.ts` for
 * what each does and the ranges, which are ours) and their composition
 * into one batch augmentation in a fixed order, seeded per batch.
 *
 * @module
 */
import {
  applyTransform,
  augmentBatch,
  randomFlipBatch,
} from "../../data/images/augment.ts";
import { randomBackdropBatch } from "../../data/images/backdrop.ts";
import { photometricBatch } from "../../data/images/photometric.ts";
import { type Rng } from "../../random.ts";
import { type ArrayAugment } from "../../train/array_augment.ts";
import type { AugmentStep } from "./primary_variants.ts";

const GEOMETRIC = {
  rotationRange: 20,
  widthShiftRange: 0.1,
  heightShiftRange: 0.1,
  zoomRange: 0.1,
  horizontalFlip: true,
  fillMode: "nearest" as const,
  fillValue: 0,
};

const PLACEMENT = {
  rotationRange: 30,
  widthShiftRange: 0.2,
  heightShiftRange: 0.3,
  zoomRange: 0.4,
  horizontalFlip: true,
  fillMode: "constant" as const,
  fillValue: 1,
};

/**
 * Each image stretched vertically by a factor drawn from [1, 2] about its
 * centre (white where nothing is sampled): a low shoe becomes a boot-like
 * tall one. The stand-in has no boots, the shop sells many.
 */
export function stretchBatch(
  batch: Float32Array,
  shape: readonly [number, number, number, number],
  rng: Rng,
): Float32Array {
  return scaleEach(batch, shape, () => {
    const factor = 1 + rng.next();
    return { zx: 1 / factor, zy: 1 };
  });
}

/** Each image of `batch` scaled about its centre by the zoom `zoomOf()` draws for it (white where nothing is sampled). */
function scaleEach(
  batch: Float32Array,
  shape: readonly [number, number, number, number],
  zoomOf: () => { zx: number; zy: number },
): Float32Array {
  const [n, h, w, c] = shape;
  const size = h * w * c;
  const out = new Float32Array(batch.length);
  for (let i = 0; i < n; i++) {
    applyTransform(
      batch.subarray(i * size, (i + 1) * size),
      out.subarray(i * size, (i + 1) * size),
      h,
      w,
      c,
      { theta: 0, tx: 0, ty: 0, ...zoomOf(), flip: false },
      "constant",
      1,
    );
  }
  return out;
}

/**
 * Each image made taller for its width by a factor drawn from [1, 4] about
 * its centre: stretched vertically by the factor's square root and
 * narrowed by it (white where nothing is sampled), so that an object as
 * tall as a quarter of the frame stays inside it. A side-on shoe, about
 * half as tall as long, gets a knee-high boot's proportions.
 */
export function tallStretchBatch(
  batch: Float32Array,
  shape: readonly [number, number, number, number],
  rng: Rng,
): Float32Array {
  return scaleEach(batch, shape, () => {
    const root = Math.sqrt(1 + 3 * rng.next());
    return { zx: 1 / root, zy: root };
  });
}

const ORDER: readonly AugmentStep[] = [
  "orientation",
  "geometric",
  "stretch",
  "tall-stretch",
  "placement",
  "backdrop",
  "photometric",
];

/**
 * The variant's augmentation of a float batch (0..1), its steps in the
 * fixed order; `undefined` for none.
 */
export function variantAugment(
  steps: readonly AugmentStep[],
): ArrayAugment | undefined {
  if (steps.length === 0) return undefined;
  const chosen = ORDER.filter((s) => steps.includes(s));
  return (batch, shape, rng) => {
    let out = batch;
    for (const step of chosen) {
      out = step === "orientation"
        ? randomFlipBatch(out, shape, rng)
        : step === "geometric"
        ? augmentBatch(out, shape, rng, GEOMETRIC)
        : step === "stretch"
        ? stretchBatch(out, shape, rng)
        : step === "tall-stretch"
        ? tallStretchBatch(out, shape, rng)
        : step === "placement"
        ? augmentBatch(out, shape, rng, PLACEMENT)
        : step === "backdrop"
        ? randomBackdropBatch(out, shape, rng)
        : photometricBatch(out, shape, rng);
    }
    return out;
  };
}
