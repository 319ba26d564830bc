import assert from "node:assert/strict";
import sharp from "sharp";
import { join } from "node:path";
import {
  classifySharpError,
  type DecodeOptions,
  decodeToRgb,
  DEFAULT_DECODE,
  ImageDecodeError,
} from "./decode.ts";
import { makeBadInputs } from "../../testing/bad_inputs.ts";
import { datasetDir } from "../../testing/mirror.ts";

/**
 * The conversion as sharp does it in one pipeline with `fit: "contain"`:
 * the bytes every committed conversion was made with. `decodeToRgb` pads
 * 8-bit RGB images itself and must give exactly these bytes.
 */
async function sharpContain(
  bytes: Uint8Array,
  options: DecodeOptions,
): Promise<Uint8Array> {
  const o = { ...DEFAULT_DECODE, ...options };
  const data = await sharp(bytes, {
    limitInputPixels: o.maxInputPixels,
    failOn: "error",
  })
    .rotate()
    .flatten({ background: o.background })
    .toColourspace("srgb")
    .resize(o.width, o.height, {
      fit: "contain",
      background: o.background,
      kernel: o.kernel,
    })
    .removeAlpha()
    .raw({ depth: "uchar" })
    .toBuffer();
  return new Uint8Array(data);
}

/** Deterministic colour texture, `channels` bands, as raw bytes. */
function texture(width: number, height: number, channels: number): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  let x = 0x2545f491;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const p = Math.floor(i / channels);
    out[i] = ((p % width) * 3 + Math.floor(p / width) * 2 + (x & 31)) & 255;
  }
  return out;
}

/** One image of each kind the decoder handles differently, at `width x height`. */
async function kinds(
  width: number,
  height: number,
): Promise<[string, Uint8Array][]> {
  const raw = (channels: number) =>
    sharp(texture(width, height, channels), {
      raw: { width, height, channels: channels as 1 | 2 | 3 | 4 },
    });
  const made: [string, Promise<Buffer>][] = [
    ["JPEG", raw(3).jpeg({ quality: 90 }).toBuffer()],
    ["progressive JPEG", raw(3).jpeg({ progressive: true }).toBuffer()],
    ["JPEG with a P3 profile", raw(3).withIccProfile("p3").jpeg().toBuffer()],
    ["CMYK JPEG", raw(3).toColourspace("cmyk").jpeg().toBuffer()],
    ["greyscale JPEG", raw(1).jpeg().toBuffer()],
    ["PNG", raw(3).png().toBuffer()],
    ["palette PNG", raw(3).png({ palette: true }).toBuffer()],
    ["PNG with alpha", raw(4).png().toBuffer()],
    ["greyscale PNG with alpha", raw(2).png().toBuffer()],
    ["16-bit PNG", raw(3).toColourspace("rgb16").png().toBuffer()],
    ["WebP", raw(3).webp().toBuffer()],
    ["GIF", raw(3).gif().toBuffer()],
    ["TIFF", raw(3).tiff().toBuffer()],
  ];
  for (const orientation of [3, 5, 6, 8]) {
    made.push([
      `JPEG with EXIF orientation ${orientation}`,
      raw(3).jpeg().withMetadata({ orientation }).toBuffer(),
    ]);
  }
  return await Promise.all(
    made.map(async ([kind, bytes]) =>
      [`${kind} ${width}x${height}`, new Uint8Array(await bytes)] as [
        string,
        Uint8Array,
      ]
    ),
  );
}

/** The pixels, or the reason and message of the refusal. */
async function outcome(
  run: () => Promise<Uint8Array>,
): Promise<Uint8Array | string> {
  try {
    return await run();
  } catch (error) {
    const message = (error as Error).message;
    return error instanceof ImageDecodeError
      ? `${error.reason}: ${message}`
      : `${classifySharpError(message)}: ${message}`;
  }
}

Deno.test("decodeToRgb gives the bytes of sharp's one-pipeline contain for every kind of input, box and background", async () => {
  // Inputs that must convert, and the bad-input corpus, whose refused
  // files are refused by the decoder's guards before any resizing.
  const mustConvert: [string, Uint8Array][] = [];
  for (
    const [w, h] of [[224, 224], [301, 97], [37, 53], [600, 450]]
  ) {
    mustConvert.push(...await kinds(w, h));
  }
  const photos = join(datasetDir("fashion-product-images"), "images");
  for (const name of ["10000.jpg", "10001.jpg"]) {
    mustConvert.push([name, await Deno.readFile(join(photos, name))]);
  }
  const corpus: [string, Uint8Array][] = [];
  const dir = await Deno.makeTempDir({ prefix: "decode_kinds_" });
  try {
    for (const c of await makeBadInputs(dir)) {
      const bytes = await Deno.readFile(c.path).catch(() => undefined);
      if (bytes?.length) corpus.push([c.kind, bytes]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const boxes: DecodeOptions[] = [
    {},
    { width: 31, height: 17, background: { r: 12, g: 200, b: 99 } },
    {
      width: 224,
      height: 224,
      background: { r: 10.5, g: 0.25, b: 254.75 },
    },
  ];
  let compared = 0;
  for (const [kind, bytes] of [...mustConvert, ...corpus]) {
    for (const options of boxes) {
      const what = `${kind}, ${JSON.stringify(options)}`;
      const actual = await outcome(() => decodeToRgb(bytes, options));
      if (typeof actual === "string") {
        assert(!mustConvert.some(([k]) => k === kind), `${what}: ${actual}`);
        continue;
      }
      assert.deepEqual(
        actual,
        await outcome(() => sharpContain(bytes, options)),
        what,
      );
      compared++;
    }
  }
  assert(compared >= mustConvert.length * boxes.length, `${compared} compared`);
});
