import assert from "node:assert/strict";

function assertEquals(actual: unknown, expected: unknown, message?: string) {
  assert.deepEqual(actual, expected, message ?? "values differ");
}
import sharp from "sharp";
import { join } from "node:path";
import { convertImages, type ConvertItem, stackImages } from "./convert.ts";
import { decodeToRgb, ImageDecodeError } from "./decode.ts";
import {
  concatBytes,
  makeBadInputs,
  motionPhotoTrailer,
} from "../../testing/bad_inputs.ts";
import { jpegEnd } from "./jpeg_end.ts";
import { datasetDir } from "../../testing/mirror.ts";

const W = 90;
const H = 120;

function pixel(rgb: Uint8Array, x: number, y: number): number[] {
  const o = (y * W + x) * 3;
  return [rgb[o], rgb[o + 1], rgb[o + 2]];
}

Deno.test("bad-input corpus: every case is converted or skipped with its reason, none dropped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bad_inputs_" });
  try {
    const cases = await makeBadInputs(dir);
    assert(cases.length >= 15, `only ${cases.length} kinds of input`);
    const items: ConvertItem[] = cases.map((c, i) => ({
      id: `case${i}`,
      path: c.path,
      label: c.label,
    }));
    const progress: number[] = [];
    const result = await convertImages(items, {
      width: W,
      height: H,
      concurrency: 3,
      knownLabels: new Set(["Shoes"]),
      onProgress: (p) => progress.push(p.done),
    });
    // Nothing dropped silently: every item is either converted or listed.
    assertEquals(
      result.converted.length + result.report.skipped.length,
      cases.length,
    );
    assertEquals(progress.length, cases.length);
    assertEquals(Math.max(...progress), cases.length);
    const convertedIds = new Set(result.converted.map((c) => c.item.id));
    const skippedById = new Map(result.report.skipped.map((s) => [s.id, s]));
    cases.forEach((c, i) => {
      const id = `case${i}`;
      if (c.expect === "converted") {
        assert(
          convertedIds.has(id),
          `${c.kind} should convert, got ${
            JSON.stringify(skippedById.get(id))
          }`,
        );
      } else {
        const skip = skippedById.get(id);
        assert(skip, `${c.kind} should be skipped as ${c.expect}`);
        assertEquals(skip.reason, c.expect, `${c.kind}: ${skip.message}`);
        assert(skip.message.length > 0);
      }
    });
    for (const c of result.converted) assertEquals(c.pixels.length, W * H * 3);
    const byKind = new Map(
      result.converted.map((
        c,
      ) => [cases[Number(c.item.id.slice(4))].kind, c.pixels]),
    );
    // Transparent PNG is flattened onto white.
    assertEquals(pixel(byKind.get("PNG with alpha (transparent)")!, 45, 60), [
      255,
      255,
      255,
    ]);
    // 16-bit PNG is scaled to 8 bits, not clipped.
    const deep = pixel(byKind.get("16-bit PNG")!, 45, 60);
    assert(
      Math.abs(deep[0] - 200) <= 2 && Math.abs(deep[1] - 100) <= 2,
      `16-bit: ${deep}`,
    );
    // CMYK comes back as red in RGB.
    const cmyk = pixel(byKind.get("CMYK JPEG")!, 45, 60);
    assert(cmyk[0] > 150 && cmyk[1] < 90 && cmyk[2] < 90, `CMYK: ${cmyk}`);
    // Greyscale gets three equal channels.
    const grey = pixel(byKind.get("greyscale JPEG")!, 45, 60);
    assertEquals(new Set(grey).size, 1);
    // Palette PNG is expanded to its colour.
    const pal = pixel(byKind.get("palette PNG")!, 45, 60);
    assert(pal[1] > 180 && pal[0] < 40, `palette: ${pal}`);
    // EXIF orientation 6: the stored 80x40 image (red left, blue right) is
    // displayed rotated 90 degrees clockwise: red on top, blue below, and
    // tall, so it fills the height with white padding at the sides.
    const rot = byKind.get("EXIF-rotated photo (orientation 6)")!;
    const top = pixel(rot, 45, 20);
    const bottom = pixel(rot, 45, 100);
    assert(top[0] > 150 && top[2] < 80, `top should be red: ${top}`);
    assert(
      bottom[2] > 150 && bottom[0] < 80,
      `bottom should be blue: ${bottom}`,
    );
    assertEquals(pixel(rot, 2, 60), [255, 255, 255]);
    // The report explains every reason it uses.
    for (const reason of Object.keys(result.report.skippedByReason)) {
      assert(reason in result.report.reasons);
    }
    assertEquals(
      stackImages(result.converted).length,
      result.converted.length * W * H * 3,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decodeToRgb: pixel limit is configurable and errors name the file", async () => {
  const png = await sharp({
    create: { width: 300, height: 300, channels: 3, background: "#000" },
  }).png().toBuffer();
  const bytes = new Uint8Array(png);
  const ok = await decodeToRgb(bytes, { width: 30, height: 40 });
  assertEquals(ok.length, 30 * 40 * 3);
  try {
    await decodeToRgb(bytes, { maxInputPixels: 1000 });
    throw new Error("expected a too-large error");
  } catch (error) {
    assert(error instanceof ImageDecodeError);
    assertEquals(error.reason, "too-large");
    assert(error.message.includes("<buffer>"));
  }
});

Deno.test("real product photos: 3:4 photo fills the box, square one is padded white", async () => {
  const dir = join(datasetDir("fashion-product-images"), "images");
  const files = [...Deno.readDirSync(dir)].slice(0, 400).map((e) =>
    join(dir, e.name)
  );
  const sizes = await Promise.all(
    files.map(async (f) => [f, await sharp(f).metadata()] as const),
  );
  const square = sizes.find(([, m]) => m.width === m.height)?.[0];
  const tall = sizes.find(([, m]) => m.width! * 4 === m.height! * 3)?.[0];
  assert(square && tall, "mirror should hold both square and 3:4 photos");
  const sq = await decodeToRgb(square, { width: W, height: H });
  // A square photo fits as 90x90: 15 rows of padding above and below.
  assertEquals(pixel(sq, 45, 2), [255, 255, 255]);
  assertEquals(pixel(sq, 45, 117), [255, 255, 255]);
  const t = await decodeToRgb(tall, { width: W, height: H });
  assertEquals(t.length, W * H * 3);
});

Deno.test("a JPEG with bytes after its end marker (motion photo) converts to the pixels of the same JPEG without them; a truncated one stays refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "motion_" });
  try {
    const photos = join(datasetDir("fashion-product-images"), "images");
    const photo = await Deno.readFile(join(photos, "10000.jpg"));
    const trailer = motionPhotoTrailer(200 * 1024);
    await Deno.writeFile(join(dir, "plain.jpg"), photo);
    await Deno.writeFile(
      join(dir, "motion.jpg"),
      concatBytes(photo, trailer),
    );
    // Cut inside the scan, then bytes holding FF D9: an end marker that
    // is not the photo's.
    await Deno.writeFile(
      join(dir, "cut.jpg"),
      concatBytes(
        photo.slice(0, photo.length - 500),
        concatBytes(new Uint8Array([0xff, 0xd9]), trailer),
      ),
    );
    assertEquals(jpegEnd(photo), photo.length);
    assertEquals(jpegEnd(concatBytes(photo, trailer)), photo.length);
    assertEquals(jpegEnd(photo.slice(0, photo.length - 500)), undefined);
    // The decoder alone refuses it: no end marker near the end of the file.
    await assert.rejects(
      decodeToRgb(join(dir, "motion.jpg")),
      /no end-of-image marker/,
    );
    const items = ["plain", "motion", "cut"].map((id) => ({
      id,
      path: join(dir, `${id}.jpg`),
      label: "Shoes",
    }));
    const result = await convertImages(items, { width: W, height: H });
    assertEquals(result.converted.map((c) => c.item.id), ["plain", "motion"]);
    assertEquals(result.converted[1].pixels, result.converted[0].pixels);
    assertEquals(result.converted[0].pixels, await decodeToRgb(photo));
    assertEquals(result.report.trailingDataIgnored, [{
      id: "motion",
      path: join(dir, "motion.jpg"),
      imageBytes: photo.length,
      ignoredBytes: trailer.length,
    }]);
    assertEquals(
      result.report.skipped.map((s) => [s.id, s.reason]),
      [["cut", "truncated"]],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("entries refused before decoding are listed with their reason and its meaning", async () => {
  const result = await convertImages([
    {
      id: "images/a.svg",
      path: "/x/images/a.svg",
      skip: { reason: "not-an-image-type", message: "/x/images/a.svg: .svg" },
    },
    {
      id: "images/sub",
      path: "/x/images/sub",
      skip: { reason: "folder", message: "/x/images/sub: a folder" },
    },
  ]);
  assertEquals(result.converted, []);
  assertEquals(result.report.total, 2);
  assertEquals(result.report.skippedByReason, {
    "not-an-image-type": 1,
    folder: 1,
  });
  assert(result.report.reasons.symlink.includes("symbolic link"));
  assert(
    result.report.reasons["not-an-image-type"].includes(
      "not an image file type the pipeline reads",
    ),
  );
});
