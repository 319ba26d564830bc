/**
 * Generates the bad-input corpus for the conversion tests into a folder, with
 * sharp, at test time (nothing binary is committed). Each case says what the
 * converter must do with it: convert it, or skip it with a named reason.
 *
 * Run by hand to inspect the files:
 * `deno run -A lib/testing/bad_inputs.ts /tmp/bad`
 *
 * @module
 */
import sharp from "sharp";
import { join } from "node:path";
import type { SkipReason } from "../data/images/decode.ts";
import type { EntrySkipReason } from "../data/images/convert.ts";

/** One generated input and the expected outcome. */
export interface BadInputCase {
  /** Short name of the kind of input. */
  kind: string;
  /** Generated file. */
  path: string;
  /** Label to give the item (`undefined` = label missing). */
  label?: string;
  /** `converted`, or the reason it must be skipped with. */
  expect: "converted" | SkipReason;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * A PNG whose header claims `width x height` pixels but whose data is a few
 * bytes: a decompression bomb's header, safe to generate.
 */
export function bombPngHeader(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const idat = new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", idat),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A solid-colour sharp image of `width x height` (3 or 4 channels). */
function solid(
  width: number,
  height: number,
  colour: { r: number; g: number; b: number; alpha?: number },
) {
  return sharp({
    create: {
      width,
      height,
      channels: colour.alpha === undefined ? 3 : 4,
      background: colour,
    },
  });
}

/** Left half red, right half blue, `width x height`, as raw RGB. */
export function redBlueHalves(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (x < width / 2) rgb[o] = 220;
      else rgb[o + 2] = 220;
    }
  }
  return rgb;
}

/**
 * `size` bytes that look like the video a phone appends to a "motion
 * photo" after the JPEG's end-of-image marker: an MP4 `ftyp` box, then
 * pseudo-random data that holds JPEG markers (`FF D8`, `FF D9`) on purpose.
 */
export function motionPhotoTrailer(size = 64 * 1024): Uint8Array {
  const out = new Uint8Array(size);
  const head = [0, 0, 0, 0x18, ...new TextEncoder().encode("ftypmp42")];
  out.set(head.slice(0, size));
  let x = 0x9e3779b9;
  for (let i = head.length; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  for (let i = 512; i + 4 < size; i += 4096) {
    out.set([0xff, 0xd9, 0xff, 0xd8], i);
  }
  return out;
}

/** `a` followed by `b`. */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Writes every case into `dir` and returns them. */
export async function makeBadInputs(dir: string): Promise<BadInputCase[]> {
  await Deno.mkdir(dir, { recursive: true });
  const cases: BadInputCase[] = [];
  const add = async (
    kind: string,
    file: string,
    bytes: Uint8Array | null,
    expect: BadInputCase["expect"],
    label: string | null = "Shoes",
  ) => {
    const path = join(dir, file);
    if (bytes) await Deno.writeFile(path, bytes);
    cases.push({ kind, path, label: label ?? undefined, expect });
  };
  const noise = await sharp({
    create: {
      width: 96,
      height: 128,
      channels: 3,
      background: "#808080",
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  }).jpeg({ quality: 90 }).toBuffer();

  await add("plain JPEG (control)", "ok.jpg", buf(noise), "converted");
  await add("zero-byte file", "empty.jpg", new Uint8Array(0), "empty-file");
  await add(
    "truncated JPEG",
    "truncated.jpg",
    buf(noise).slice(0, Math.floor(noise.length * 0.5)),
    "truncated",
  );
  await add(
    "text file named .jpg",
    "text.jpg",
    new TextEncoder().encode("this is not an image\n"),
    "not-an-image",
  );
  await add(
    "PNG with alpha (transparent)",
    "alpha.png",
    buf(await solid(40, 40, { r: 0, g: 0, b: 0, alpha: 0 }).png().toBuffer()),
    "converted",
  );
  await add(
    "16-bit PNG",
    "deep16.png",
    buf(
      await solid(30, 40, { r: 200, g: 100, b: 50 }).toColourspace("rgb16")
        .png().toBuffer(),
    ),
    "converted",
  );
  await add(
    "CMYK JPEG",
    "cmyk.jpg",
    buf(
      await solid(30, 40, { r: 200, g: 30, b: 30 }).toColourspace("cmyk")
        .jpeg().toBuffer(),
    ),
    "converted",
  );
  await add(
    "greyscale JPEG",
    "grey.jpg",
    buf(await sharp(noise).greyscale().jpeg().toBuffer()),
    "converted",
  );
  await add(
    "palette PNG",
    "palette.png",
    buf(
      await solid(30, 40, { r: 10, g: 200, b: 10 }).png({ palette: true })
        .toBuffer(),
    ),
    "converted",
  );
  await add(
    "1x1 image",
    "pixel.png",
    buf(await solid(1, 1, { r: 0, g: 0, b: 0 }).png().toBuffer()),
    "too-small",
  );
  await add(
    "decompression bomb (100000 x 100000 header)",
    "bomb.png",
    bombPngHeader(100_000, 100_000),
    "too-large",
  );
  await add(
    "EXIF-rotated photo (orientation 6)",
    "exif_rotated.jpg",
    buf(
      await sharp(redBlueHalves(80, 40), {
        raw: { width: 80, height: 40, channels: 3 },
      }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer(),
    ),
    "converted",
  );
  await add("missing label", "ok.jpg", null, "label-missing", null);
  await add("unknown class", "ok.jpg", null, "unknown-class", "Handbags");
  await add("file that does not exist", "missing.jpg", null, "unreadable");
  const png = buf(await sharp(noise).png().toBuffer()).slice();
  png.fill(0x41, 100, 400); // overwrite compressed data, CRCs now wrong
  await add("corrupt PNG data", "corrupt.png", png, "truncated");
  await add(
    "WebP",
    "ok.webp",
    buf(await sharp(noise).webp().toBuffer()),
    "converted",
  );
  await add(
    "GIF",
    "ok.gif",
    buf(await sharp(noise).gif().toBuffer()),
    "converted",
  );
  await add(
    "JPEG with 64 KiB after its end marker (motion photo)",
    "motion.jpg",
    concatBytes(buf(noise), motionPhotoTrailer()),
    "converted",
  );
  await add(
    "truncated JPEG with bytes after the cut (end marker among them)",
    "truncated_trailer.jpg",
    concatBytes(
      buf(noise).slice(0, Math.floor(noise.length * 0.5)),
      concatBytes(new Uint8Array([0xff, 0xd9]), motionPhotoTrailer()),
    ),
    "truncated",
  );
  await add(
    "tiny JPEG (90 x 4, under the minimum side)",
    "sliver.jpg",
    buf(await solid(90, 4, { r: 0, g: 0, b: 0 }).jpeg().toBuffer()),
    "too-small",
  );
  return cases;
}

/** An entry of a dataset folder that is no image file to read. */
export interface OddEntry {
  /** Short name of the kind of entry. */
  kind: string;
  /** Its name in the folder. */
  name: string;
  /** The reason it must be listed with. */
  expect: EntrySkipReason;
}

/**
 * Writes entries that a dataset's image folder can hold but the pipeline
 * does not read into `dir`: files of other types (`.svg`, `.heic`,
 * `.avif`, `.bmp`), files without extension, a symbolic link to a good
 * JPEG and a folder holding one. `jpeg` is a good JPEG's bytes.
 */
export async function makeOddEntries(
  dir: string,
  jpeg: Uint8Array,
): Promise<OddEntry[]> {
  await Deno.mkdir(dir, { recursive: true });
  const entries: OddEntry[] = [];
  const file = async (
    kind: string,
    name: string,
    bytes: Uint8Array,
  ) => {
    await Deno.writeFile(join(dir, name), bytes);
    entries.push({ kind, name, expect: "not-an-image-type" });
  };
  const text = (t: string) => new TextEncoder().encode(t);
  await file(
    "SVG drawing",
    "drawing.svg",
    text(
      '<svg xmlns="http://www.w3.org/2000/svg" width="90" height="120"><rect width="90" height="120" fill="red"/></svg>\n',
    ),
  );
  // Real container headers with a JPEG after them: only the name decides.
  await file(
    "HEIC photo",
    "phone.heic",
    concatBytes(text("\0\0\0\x18ftypheic\0\0\0\0mif1heic"), jpeg),
  );
  await file(
    "AVIF image",
    "web.avif",
    concatBytes(text("\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"), jpeg),
  );
  await file("BMP image", "scan.bmp", bmp24(16, 16));
  await file("JPEG without extension", "photo", jpeg);
  await file("text file without extension", "README", text("notes\n"));
  await Deno.writeFile(join(dir, "..", "linked_target.jpg"), jpeg);
  await Deno.symlink(
    join(dir, "..", "linked_target.jpg"),
    join(dir, "link.jpg"),
  );
  entries.push({
    kind: "symbolic link to a JPEG",
    name: "link.jpg",
    expect: "symlink",
  });
  await Deno.mkdir(join(dir, "more"));
  await Deno.writeFile(join(dir, "more", "inside.jpg"), jpeg);
  entries.push({
    kind: "folder holding a JPEG",
    name: "more",
    expect: "folder",
  });
  return entries;
}

/** A `width x height` 24-bit BMP, all red. */
export function bmp24(width: number, height: number): Uint8Array {
  const row = Math.ceil((width * 3) / 4) * 4;
  const out = new Uint8Array(54 + row * height);
  const v = new DataView(out.buffer);
  out.set([0x42, 0x4d]); // "BM"
  v.setUint32(2, out.length, true);
  v.setUint32(10, 54, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, width, true);
  v.setInt32(22, height, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, 24, true);
  v.setUint32(34, row * height, true);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[54 + y * row + x * 3 + 2] = 255;
  }
  return out;
}

function buf(
  b: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number },
): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (!dir) {
    console.error(
      "usage: deno run -A lib/testing/bad_inputs.ts <dir>",
    );
    Deno.exit(2);
  }
  for (const c of await makeBadInputs(dir)) {
    console.log(`${c.expect.padEnd(14)} ${c.kind}  ${c.path}`);
  }
}
