/**
 * The report's JPEG thumbnails: same size as the record's PNG, the same
 * picture within JPEG's rounding, the same bytes every time, and a clear
 * error naming a thumbnail that is not a PNG.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import sharp from "sharp";
import type { GalleryEntry } from "../runs/gallery.ts";
import { withJpeg } from "./thumbnails.ts";

/** A 90 x 120 PNG of a smooth gradient with a dark square (a photo-like thumbnail). */
async function pngThumbnail(): Promise<string> {
  const width = 90, height = 120;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x > 30 && x < 60 && y > 40 && y < 80;
      const i = (y * width + x) * 3;
      rgb[i] = inside ? 40 : 200 + Math.round(x / 2);
      rgb[i + 1] = inside ? 30 : 180 + Math.round(y / 3);
      rgb[i + 2] = inside ? 20 : 160;
    }
  }
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png().toBuffer();
  return png.toString("base64");
}

function entry(png: string): GalleryEntry {
  return {
    id: "photo_1.jpg",
    trueClass: "Shoes",
    predicted: "Trousers&Jeans",
    confidence: 0.9,
    png,
  };
}

async function pixels(base64: string) {
  return await sharp(Buffer.from(base64, "base64")).raw().toBuffer({
    resolveWithObject: true,
  });
}

Deno.test("report thumbnails: JPEG of the same size and picture, fewer bytes, the same bytes every time", async () => {
  const png = await pngThumbnail();
  const [shown] = await withJpeg([entry(png)]);
  assert.equal(shown.image.type, "image/jpeg");
  assert.equal(shown.id, "photo_1.jpg");
  assert.ok(!("png" in shown));
  const a = await pixels(png);
  const b = await pixels(shown.image.base64);
  assert.deepEqual(
    [b.info.width, b.info.height, b.info.channels],
    [a.info.width, a.info.height, a.info.channels],
  );
  let diff = 0;
  for (let i = 0; i < a.data.length; i++) {
    diff += Math.abs(a.data[i] - b.data[i]);
  }
  assert.ok(
    diff / a.data.length < 3,
    `mean difference ${diff / a.data.length}`,
  );
  assert.ok(shown.image.base64.length < png.length, "smaller than the PNG");
  const [again] = await withJpeg([entry(png)]);
  assert.equal(again.image.base64, shown.image.base64);
});

Deno.test("report thumbnails: a thumbnail that is not a PNG is named", async () => {
  await assert.rejects(
    withJpeg([entry(btoa("not a png"))]),
    /the thumbnail of photo_1\.jpg is not a readable PNG/,
  );
});
