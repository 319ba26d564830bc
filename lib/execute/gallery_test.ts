/**
 * A test run's gallery: the first mistakes in test order, capped, each a
 * sound `misclassified.json` entry; large images shrunk into the box,
 * greyscale stored as RGB; heads named in a multi-output run.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Buffer } from "node:buffer";
import sharp from "sharp";
import { validateGallery } from "../runs/validate.ts";
import type { HeadPredictions } from "../runs/run_json.ts";
import {
  arrayImages,
  headGallery,
  TEST_GALLERY_MAX,
  testGallery,
  thumbnail,
} from "./gallery.ts";

function predictions(n: number, wrongEvery: number): HeadPredictions {
  const trueLabels = Array.from({ length: n }, (_, i) => i % 3);
  const predictedLabels = trueLabels.map((t, i) =>
    i % wrongEvery === 0 ? (t + 1) % 3 : t
  );
  return {
    classNames: ["a", "b", "c"],
    trueLabels,
    predictedLabels,
    probabilities: predictedLabels.map((p, i) =>
      [0, 1, 2].map((k) => k === p ? 0.5 + i / 1000 : 0.25 - i / 2000)
    ),
  };
}

/** Width and height from a PNG's header. */
function pngSize(base64: string): [number, number] {
  const bytes = Buffer.from(base64, "base64");
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

Deno.test("test gallery: the first mistakes in test order, capped, sound entries", async () => {
  const n = 60;
  const arrays = {
    images: new Uint8Array(n * 120 * 90 * 3).map((_, i) => i % 251),
    shape: [120, 90, 3] as [number, number, number],
  };
  const p = predictions(n, 2); // 30 mistakes
  const gallery = await testGallery(arrayImages(arrays), p);
  assertEquals(gallery.length, TEST_GALLERY_MAX);
  assertEquals(
    gallery.map((e) => e.index),
    Array.from({ length: TEST_GALLERY_MAX }, (_, k) => 2 * k),
  );
  assertEquals(gallery[1].id, "test 2");
  assertEquals(gallery[1].trueClass, "c");
  assertEquals(gallery[1].predicted, "a");
  assertEquals(gallery[1].confidence, 0.502);
  assertEquals([gallery[0].width, gallery[0].height], [90, 120]);
  assertEquals(pngSize(gallery[0].png), [90, 120]);
  assertEquals(validateGallery(gallery, ["a", "b", "c"]), []);
  assertEquals(
    await testGallery(arrayImages(arrays), p),
    gallery,
    "same input, same file",
  );
  assertEquals((await testGallery(arrayImages(arrays), p, 3)).length, 3);
  assertEquals(
    (await headGallery(arrayImages(arrays), predictions(n, 1000))).length,
    1,
    "only image 0 is wrong",
  );
});

Deno.test("thumbnails: large images shrink by a whole factor into 90 x 120, greyscale becomes RGB", async () => {
  const big = await thumbnail(new Uint8Array(224 * 224 * 3).fill(200), [
    224,
    224,
    3,
  ]);
  assertEquals([big.width, big.height], [74, 74]);
  assertEquals(pngSize(big.png), [74, 74]);
  const grey = await thumbnail(new Float32Array(28 * 28).fill(0.5), [
    28,
    28,
    1,
  ]);
  assertEquals([grey.width, grey.height], [28, 28]);
  // Block means: columns alternating 0 and 255 shrink (by 2) to 128.
  const columns = new Uint8Array(4 * 180 * 3).map((_, i) =>
    Math.floor(i / 3) % 2 === 0 ? 0 : 255
  );
  const small = await thumbnail(columns, [4, 180, 3]);
  assertEquals([small.width, small.height], [90, 2]);
  const raw = await sharp(Buffer.from(small.png, "base64")).raw().toBuffer();
  assertEquals(new Set(raw), new Set([128]));
});

Deno.test("test gallery: a multi-output run's mistakes per head, each head capped", async () => {
  const n = 40;
  const arrays = {
    images: new Uint8Array(n * 8 * 6 * 3),
    shape: [8, 6, 3] as [number, number, number],
  };
  const gallery = await testGallery(arrayImages(arrays), {
    heads: { gender: predictions(n, 1), usage: predictions(n, 10) },
  });
  assertEquals(gallery.filter((e) => e.head === "gender").length, 12);
  assertEquals(gallery.filter((e) => e.head === "usage").length, 4);
  assertEquals(
    validateGallery(gallery, {
      gender: ["a", "b", "c"],
      usage: ["a", "b", "c"],
    }),
    [],
  );
  assertEquals(
    validateGallery(gallery, { gender: ["a", "b", "c"] }).length > 0,
    true,
    "an unknown head is a problem",
  );
});
