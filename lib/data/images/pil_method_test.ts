import assert from "node:assert/strict";
import sharp from "sharp";
import { join } from "node:path";
import { datasetDir } from "../../testing/mirror.ts";
import { decodeToRgb } from "./decode.ts";
import { convertImages } from "./convert.ts";
import {
  pilArrayShape,
  pilMode,
  pilThumbnailPicture,
  pilThumbnailSize,
} from "./pil_method.ts";
import {
  makeConversionVariants,
  makeDamagedCopies,
} from "./conversion_samples.ts";

const shopDir = datasetDir("fashion-shop-samples");
const shopPhoto = join(shopDir, "10493_14654996_Shoes.jpg");
const productPhoto = join(
  datasetDir("fashion-product-images"),
  "images",
  "10000.jpg",
);

Deno.test("PIL thumbnail sizes: fit inside 90 x 120, aspect kept, never enlarged", () => {
  assert.deepEqual(pilThumbnailSize(224, 224), [90, 90]);
  assert.deepEqual(pilThumbnailSize(300, 400), [90, 120]);
  assert.deepEqual(pilThumbnailSize(225, 300), [90, 120]);
  assert.deepEqual(pilThumbnailSize(400, 300), [90, 68]);
  assert.deepEqual(pilThumbnailSize(50, 60), [50, 60]);
  assert.deepEqual(pilThumbnailSize(2000, 1), [90, 1]);
});

Deno.test("variants of a real shop photo: PIL's mode and array shape for each", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const variants = await makeConversionVariants(shopPhoto, [
      { name: "product photo, 224 x 224", path: productPhoto },
    ], dir);
    const described = [];
    for (const v of variants) {
      const m = await sharp(v.path).metadata();
      described.push([v.name, pilMode(m), pilArrayShape(m)]);
    }
    assert.deepEqual(described, [
      ["shop photo, 300 x 400", "RGB", "120 x 90 x 3"],
      ["product photo, 224 x 224", "RGB", "90 x 90 x 3"],
      ["stored sideways, EXIF orientation 6", "RGB", "68 x 90 x 3"],
      ["greyscale JPEG", "L", "120 x 90"],
      ["CMYK JPEG", "CMYK", "120 x 90 x 4 (ink, not RGB)"],
      ["PNG, transparent background", "RGBA", "120 x 90 x 4"],
      ["palette PNG, 16 colours", "P", "120 x 90 (palette indices)"],
    ]);
    // The study's picture of the square photo leaves the bottom 30 rows of
    // the grey canvas uncovered; this lab's conversion fills all 120 rows.
    const study = await pilThumbnailPicture(productPhoto);
    const ours = await decodeToRgb(productPhoto);
    const bottomRow = (img: Uint8Array) => img.subarray(119 * 90 * 3);
    assert(bottomRow(study).every((v) => v === 200));
    assert(!bottomRow(ours).every((v) => v === 200));
    // The sideways copy stays sideways the study's way: its picture is not
    // the upright conversion's.
    const sideways = variants[2].path;
    const upright = await decodeToRgb(sideways);
    const original = await decodeToRgb(shopPhoto);
    const meanDiff = (a: Uint8Array, b: Uint8Array) =>
      a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
    assert(meanDiff(upright, original) < 8, "decodeToRgb turns it upright");
    assert(meanDiff(await pilThumbnailPicture(sideways), original) > 20);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("damaged copies of real photos are skipped with a reason each; the copies convert", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const photos = [...Deno.readDirSync(shopDir)].map((e) => e.name)
      .filter((n) => n.endsWith(".jpg")).sort().slice(0, 3)
      .map((n) => join(shopDir, n));
    const names = await makeDamagedCopies(photos, dir);
    const result = await convertImages(
      names.map((name) => ({ id: name, path: join(dir, name), label: "x" })),
    );
    assert.equal(result.report.converted, 3);
    assert.deepEqual(
      Object.fromEntries(result.report.skipped.map((s) => [s.id, s.reason])),
      {
        "empty.jpg": "empty-file",
        "notes.jpg": "not-an-image",
        "photo_0_cut.jpg": "truncated",
        "photo_0_damaged.png": "truncated",
        "photo_0_tiny.jpg": "too-small",
      },
    );
    await assert.rejects(makeDamagedCopies([], dir), /needs a photo/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
