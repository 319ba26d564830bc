import assert from "node:assert/strict";
import { join } from "node:path";
import { createRng } from "../../random.ts";
import {
  applyTransform,
  augmentBatch,
  canonicalizeShoes,
  DEFAULT_AUGMENT,
  flipHorizontal,
  randomFlipBatch,
  shoeFacing,
} from "./augment.ts";
import { decodeToRgb } from "./decode.ts";
import { datasetDir } from "../../testing/mirror.ts";

function assertEquals(actual: unknown, expected: unknown, message?: string) {
  assert.deepEqual(actual, expected, message ?? "values differ");
}

const W = 90;
const H = 120;
const IMAGES = join(datasetDir("fashion-product-images"), "images");
// Product photos checked by eye: the toe points to the right / to the left.
const FACING_RIGHT = [
  "1635",
  "1657",
  "1788",
  "1827",
  "1841",
  "1923",
  "2374",
  "3553",
  "3554",
];
const FACING_LEFT = ["5346", "5360", "5382", "5405"];

async function load(id: string): Promise<Uint8Array> {
  return await decodeToRgb(join(IMAGES, `${id}.jpg`), { width: W, height: H });
}

Deno.test("shoe orientation: hand-checked real photos, and flipping flips the decision", async () => {
  for (
    const [ids, expected] of [[FACING_RIGHT, "right"], [
      FACING_LEFT,
      "left",
    ]] as const
  ) {
    for (const id of ids) {
      const rgb = await load(id);
      const decision = shoeFacing(rgb, W, H, 3);
      assertEquals(
        decision.facing,
        expected,
        `${id}.jpg: score ${decision.score.toFixed(3)}`,
      );
      const mirrored = shoeFacing(flipHorizontal(rgb, W, H, 3), W, H, 3);
      assertEquals(
        mirrored.facing,
        expected === "right" ? "left" : "right",
        `${id}.jpg flipped`,
      );
      assert(Math.abs(mirrored.score + decision.score) < 1e-9);
      // Float input scaled to [0, 1] gets the same decision.
      const float = Float32Array.from(rgb, (v) => v / 255);
      assertEquals(shoeFacing(float, W, H, 3).facing, expected);
    }
  }
});

Deno.test("canonicalizeShoes turns every decided shoe to face right", async () => {
  const ids = [...FACING_RIGHT.slice(0, 3), ...FACING_LEFT];
  const batch = new Uint8Array(ids.length * W * H * 3);
  for (let i = 0; i < ids.length; i++) {
    batch.set(await load(ids[i]), i * W * H * 3);
  }
  const flipped = canonicalizeShoes(batch, [ids.length, H, W, 3]);
  assertEquals(flipped, [3, 4, 5, 6]);
  for (let i = 0; i < ids.length; i++) {
    assertEquals(
      shoeFacing(batch.subarray(i * W * H * 3, (i + 1) * W * H * 3), W, H, 3)
        .facing,
      "right",
    );
  }
});

Deno.test("flips: exact mirror, twice is identity, random flips seeded", () => {
  const img = Uint8Array.from({ length: 4 * 3 * 2 }, (_, i) => i);
  const once = flipHorizontal(img, 3, 4, 2);
  assertEquals(Array.from(once.subarray(0, 6)), [4, 5, 2, 3, 0, 1]);
  assertEquals(flipHorizontal(once, 3, 4, 2), img);
  const batch = Uint8Array.from({ length: 64 * 4 * 3 * 2 }, (_, i) => i % 251);
  const a = randomFlipBatch(batch, [64, 4, 3, 2], createRng(5));
  const b = randomFlipBatch(batch, [64, 4, 3, 2], createRng(5));
  assertEquals(a, b);
  let changed = 0;
  for (let i = 0; i < 64; i++) {
    if (a[i * 24] !== batch[i * 24]) changed++;
  }
  assert(changed > 16 && changed < 48, `${changed} of 64 flipped`);
});

Deno.test("affine transform: identity, pure shift, rotation by 90 degrees", () => {
  const h = 5;
  const w = 5;
  const img = Float32Array.from({ length: h * w }, (_, i) => i);
  const out = new Float32Array(h * w);
  const identity = { theta: 0, tx: 0, ty: 0, zx: 1, zy: 1, flip: false };
  applyTransform(img, out, h, w, 1, identity);
  assertEquals(out, img);
  // Keras semantics: output(r, c) = input(r + tx, c + ty), edges filled from the nearest pixel.
  applyTransform(img, out, h, w, 1, { ...identity, ty: 1 });
  assertEquals(Array.from(out.subarray(0, 5)), [1, 2, 3, 4, 4]);
  applyTransform(img, out, h, w, 1, { ...identity, tx: 1 }, "constant", -1);
  assertEquals(Array.from(out.subarray(20, 25)), [-1, -1, -1, -1, -1]);
  applyTransform(img, out, h, w, 1, { ...identity, theta: 90 });
  // Rotation by 90 degrees about the centre maps the centre to itself and
  // keeps the set of values (a permutation of the grid).
  // (cos 90 degrees is 6e-17 in floating point, hence the rounding).
  const rounded = Array.from(out, (v) => Math.round(v * 1e6) / 1e6);
  assertEquals(rounded[12], 12);
  assertEquals(rounded.sort((a, b) => a - b), [...img].sort((a, b) => a - b));
  assert.notDeepEqual(Array.from(out, Math.round), Array.from(img));
});

Deno.test("augmentBatch on real images: seeded, in range, changes pixels but keeps the picture", async () => {
  const batch = new Uint8Array(4 * W * H * 3);
  for (let i = 0; i < 4; i++) {
    batch.set(await load(FACING_RIGHT[i]), i * W * H * 3);
  }
  const shape = [4, H, W, 3] as const;
  const a = augmentBatch(
    batch,
    shape,
    createRng(11).fork("augment"),
    DEFAULT_AUGMENT,
  );
  const b = augmentBatch(
    batch,
    shape,
    createRng(11).fork("augment"),
    DEFAULT_AUGMENT,
  );
  assertEquals(a, b);
  assert(a instanceof Uint8Array);
  let diff = 0;
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < a.length; i++) {
    diff += Math.abs(a[i] - batch[i]);
    sumA += a[i];
    sumB += batch[i];
  }
  assert(diff / a.length > 1, "augmentation should change pixels");
  // Mostly-white product photos stay mostly white (nearest fill, no black borders).
  assert(
    Math.abs(sumA - sumB) / sumB < 0.05,
    `brightness changed from ${sumB} to ${sumA}`,
  );
  const floats = augmentBatch(
    Float32Array.from(batch, (v) => v / 255),
    shape,
    createRng(11).fork("augment"),
  );
  assert(
    floats instanceof Float32Array && floats.every((v) => v >= 0 && v <= 1),
  );
  assert.throws(
    () => augmentBatch(batch, [5, H, W, 3], createRng(1)),
    /do not match shape/,
  );
});
