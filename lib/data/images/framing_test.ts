import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import {
  framingOf,
  framingStats,
  moveVertically,
  objectBox,
  quartiles,
  recentre,
} from "./framing.ts";
import type { LabelledArrays } from "../labelled_arrays.ts";

const H = 120, W = 90;

/** A white frame with a black rectangle over rows [top, bottom) and columns [left, right). */
function frameWith(
  top: number,
  bottom: number,
  left: number,
  right: number,
): Uint8Array {
  const p = new Uint8Array(H * W * 3).fill(255);
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      p.fill(0, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  }
  return p;
}

function arraysOf(...frames: Uint8Array[]): LabelledArrays {
  const images = new Uint8Array(frames.length * H * W * 3);
  frames.forEach((f, i) => images.set(f, i * H * W * 3));
  return { images, shape: [H, W, 3], labels: frames.map(() => 0) };
}

Deno.test("objectBox and framingOf measure a known rectangle exactly", () => {
  const p = frameWith(60, 90, 10, 80);
  assertEquals(objectBox(p, H, W), {
    top: 60,
    left: 10,
    bottom: 90,
    right: 80,
  });
  const f = framingOf(p, H, W)!;
  assertEquals(f.coverage, (30 * 70) / (H * W));
  assertEquals(f.boxHeight, 30 / H);
  assertEquals(f.boxWidth, 70 / W);
  assertEquals(f.centreY, 75 / H);
  assertEquals(f.centreX, 45 / W);
  assertEquals(f.luminance, 0);
  assertEquals(objectBox(new Uint8Array(H * W * 3).fill(255), H, W), null);
  assertEquals(framingStats(arraysOf(new Uint8Array(H * W * 3).fill(250))), [
    null,
  ]);
});

Deno.test("moveVertically moves the object and nothing else", () => {
  const moved = moveVertically(arraysOf(frameWith(80, 100, 20, 70)), 0.25);
  const f = framingOf(moved.images as Uint8Array, H, W)!;
  assertEquals(f.centreY, 30 / H); // rows 20..40
  assertEquals(f.boxHeight, 20 / H);
  assertEquals(f.boxWidth, 50 / W);
  // At the bottom edge the box stops at the frame.
  const low = moveVertically(arraysOf(frameWith(10, 50, 0, 90)), 1);
  assertEquals(objectBox(low.images as Uint8Array, H, W)?.bottom, H);
});

Deno.test("recentre fits the object's box into the frame, centred", async () => {
  const small = frameWith(90, 110, 30, 60); // 20 x 30, low in the frame
  const [before] = framingStats(arraysOf(small));
  const [after] = framingStats(await recentre(arraysOf(small), { margin: 0 }));
  assert(after!.coverage > 4 * before!.coverage, JSON.stringify(after));
  assert(Math.abs(after!.centreY - 0.5) < 0.02, `centre ${after!.centreY}`);
  assert(Math.abs(after!.centreX - 0.5) < 0.02, `centre ${after!.centreX}`);
});

Deno.test("quartiles interpolate like NumPy's default", () => {
  assertEquals(quartiles([4, 1, 3, 2]), { q1: 1.75, median: 2.5, q3: 3.25 });
  assertEquals(quartiles([7]), { q1: 7, median: 7, q3: 7 });
});
