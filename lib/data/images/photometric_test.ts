import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { createRng } from "../../random.ts";
import { photometricBatch } from "./photometric.ts";

Deno.test("photometricBatch: values stay in [0, 1], the same seed gives the same batch, zero ranges change nothing", () => {
  const n = 4, h = 8, w = 6;
  const rng = createRng(1);
  const batch = Float32Array.from({ length: n * h * w * 3 }, () => rng.next());
  const shape = [n, h, w, 3] as const;
  const a = photometricBatch(batch, shape, createRng(3));
  assertEquals(a, photometricBatch(batch, shape, createRng(3)));
  assert(a.every((v) => v >= 0 && v <= 1));
  assert(a.some((v, k) => Math.abs(v - batch[k]) > 1e-3));
  const none = photometricBatch(batch, shape, createRng(3), {
    brightness: 0,
    contrast: 0,
    saturation: 0,
    blurProbability: 0,
  });
  assert(none.every((v, k) => Math.abs(v - batch[k]) < 1e-6));
});
