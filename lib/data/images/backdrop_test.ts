import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { createRng } from "../../random.ts";
import { backgroundMask, randomBackdropBatch } from "./backdrop.ts";

const H = 20, W = 16;

/** White frame; a black ring (rows/cols 5..14) enclosing white pixels (7..12). */
function ringImage(): Float32Array {
  const p = new Float32Array(H * W * 3).fill(1);
  for (let y = 5; y < 15; y++) {
    for (let x = 4; x < 12; x++) {
      const inside = y >= 7 && y < 13 && x >= 6 && x < 10;
      if (!inside) p.fill(0, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  }
  return p;
}

Deno.test("the background is the white connected to the border; white inside an object stays", () => {
  const mask = backgroundMask(ringImage(), H, W);
  assertEquals(mask[0], 1); // corner
  assertEquals(mask[5 * W + 4], 0); // the ring
  assertEquals(mask[9 * W + 7], 0); // white enclosed by the ring
  assertEquals(
    mask.reduce((a, v) => a + v, 0),
    H * W - 10 * 8, // everything outside the ring's box
  );
});

Deno.test("randomBackdropBatch replaces only the background, reproducibly from the seed", () => {
  const one = ringImage();
  const batch = new Float32Array(3 * one.length);
  for (let i = 0; i < 3; i++) batch.set(one, i * one.length);
  const shape = [3, H, W, 3] as const;
  const a = randomBackdropBatch(batch, shape, createRng(7), 1);
  const b = randomBackdropBatch(batch, shape, createRng(7), 1);
  assertEquals(a, b);
  for (let i = 0; i < 3; i++) {
    const img = a.subarray(i * one.length, (i + 1) * one.length);
    // object and enclosed white untouched
    assertEquals(img[(5 * W + 4) * 3], 0);
    assertEquals(img[(9 * W + 7) * 3], 1);
  }
  const changed = a.some((v, k) => v !== batch[k]);
  assert(changed, "some background replaced");
  assertEquals(randomBackdropBatch(batch, shape, createRng(7), 0), batch);
});
