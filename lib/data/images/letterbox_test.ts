import assert from "node:assert/strict";
import sharp from "sharp";
import { centredOffset, isByteColour, letterbox } from "./letterbox.ts";

const WHITE = { r: 255, g: 255, b: 255 };

/** `width x height` RGB whose pixel (x, y) is (x, y, 7). */
function ramp(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rgb.set([x, y, 7], (y * width + x) * 3);
  }
  return rgb;
}

Deno.test("centredOffset rounds odd margins down, as sharp's contain does", () => {
  const box = { width: 90, height: 120 };
  assert.deepEqual(centredOffset({ width: 90, height: 90 }, box), {
    left: 0,
    top: 15,
  });
  assert.deepEqual(centredOffset({ width: 80, height: 119 }, box), {
    left: 5,
    top: 0,
  });
  assert.deepEqual(centredOffset({ width: 1, height: 8 }, box), {
    left: 44,
    top: 56,
  });
});

Deno.test("letterbox centres the image on the background and returns a full image as it is", () => {
  const image = ramp(3, 2);
  const boxed = letterbox(image, { width: 3, height: 2 }, {
    width: 6,
    height: 5,
  }, { r: 1, g: 2, b: 3 });
  assert.equal(boxed.length, 6 * 5 * 3);
  const at = (
    x: number,
    y: number,
  ) => [...boxed.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3)];
  assert.deepEqual(at(0, 0), [1, 2, 3]);
  assert.deepEqual(at(1, 1), [0, 0, 7]); // the image's (0, 0) at (1, 1)
  assert.deepEqual(at(3, 2), [2, 1, 7]);
  assert.deepEqual(at(4, 1), [1, 2, 3]);
  assert.deepEqual(at(5, 4), [1, 2, 3]);
  const full = ramp(4, 4);
  assert.equal(
    letterbox(full, { width: 4, height: 4 }, { width: 4, height: 4 }, WHITE),
    full,
  );
});

Deno.test("letterbox refuses an image larger than the box, a wrong byte count and a background that is not bytes", () => {
  assert.throws(
    () =>
      letterbox(ramp(5, 2), { width: 5, height: 2 }, {
        width: 4,
        height: 4,
      }, WHITE),
    /does not fit/,
  );
  assert.throws(
    () =>
      letterbox(ramp(2, 2), { width: 3, height: 2 }, {
        width: 4,
        height: 4,
      }, WHITE),
    /bytes for a 3x2/,
  );
  assert.throws(
    () =>
      letterbox(ramp(2, 2), { width: 2, height: 2 }, {
        width: 4,
        height: 4,
      }, { r: 0.5, g: 0, b: 0 }),
    /not three bytes/,
  );
  assert.equal(isByteColour({ r: 0, g: 128, b: 255 }), true);
  assert.equal(isByteColour({ r: 256, g: 0, b: 0 }), false);
  assert.equal(isByteColour({ r: -1, g: 0, b: 0 }), false);
});

Deno.test("letterbox gives the bytes of sharp's own contain embed", async () => {
  const box = { width: 31, height: 20 };
  for (const [width, height] of [[10, 7], [9, 20], [31, 3], [30, 19]]) {
    const image = ramp(width, height);
    for (const background of [WHITE, { r: 12, g: 200, b: 99 }]) {
      const embedded = await sharp(image, {
        raw: { width, height, channels: 3 },
      }).resize(box.width, box.height, {
        fit: "contain",
        background,
        kernel: "nearest",
        withoutEnlargement: true,
      }).raw().toBuffer();
      assert.deepEqual(
        letterbox(image, { width, height }, box, background),
        new Uint8Array(embedded),
        `${width}x${height} on ${JSON.stringify(background)}`,
      );
    }
  }
});
