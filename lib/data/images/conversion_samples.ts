/**
 * Real photos turned into the awkward inputs a converter meets in practice,
 * for notebook 01: copies of one shop photo stored sideways, grey, CMYK,
 * with a transparent background or as a palette PNG; and damaged copies of
 * shop photos (cut off, corrupted, empty, not an image, tiny). Everything is
 * written with sharp into a folder the caller owns.
 *
 * (The tests' corpus of broken files, `lib/testing/bad_inputs.ts`,
 * is synthetic and covers more kinds; this one starts from real photos.)
 *
 * @module
 */
import sharp from "sharp";
import { join } from "node:path";

/** One input file with what it is. */
export interface NamedInput {
  /** What the file is, e.g. `"CMYK JPEG"`. */
  name: string;
  /** Its path. */
  path: string;
}

/**
 * The shop photo with its near-white background made transparent (RGB
 * under it zero, as many exports store it), as RGBA pixels.
 */
async function transparentBackground(path: string) {
  const { data: rgb, info } = await sharp(path).raw()
    .toBuffer({ resolveWithObject: true });
  const rgba = new Uint8Array(info.width * info.height * 4);
  for (let p = 0; p < info.width * info.height; p++) {
    const [r, g, b] = rgb.subarray(p * 3, p * 3 + 3);
    const white = r > 235 && g > 235 && b > 235;
    rgba.set(white ? [0, 0, 0, 0] : [r, g, b, 255], p * 4);
  }
  return sharp(rgba, {
    raw: { width: info.width, height: info.height, channels: 4 },
  });
}

/**
 * Writes variants of `shopPhoto` into `dir` and returns them after the
 * originals: the shop photo itself, the given product photos, then the photo
 * stored sideways (EXIF orientation 6), greyscale, CMYK, as a PNG with a
 * transparent background and as a 16-colour palette PNG.
 */
export async function makeConversionVariants(
  shopPhoto: string,
  productPhotos: readonly NamedInput[],
  dir: string,
): Promise<NamedInput[]> {
  const write = async (
    name: string,
    file: string,
    image: ReturnType<typeof sharp>,
  ): Promise<NamedInput> => {
    await image.toFile(join(dir, file));
    return { name, path: join(dir, file) };
  };
  return [
    { name: "shop photo, 300 x 400", path: shopPhoto },
    ...productPhotos,
    await write(
      "stored sideways, EXIF orientation 6",
      "exif6.jpg",
      sharp(shopPhoto).rotate(270).withMetadata({ orientation: 6 }).jpeg(),
    ),
    await write(
      "greyscale JPEG",
      "grey.jpg",
      sharp(shopPhoto).toColourspace("b-w").jpeg(),
    ),
    await write(
      "CMYK JPEG",
      "cmyk.jpg",
      sharp(shopPhoto).toColourspace("cmyk").jpeg(),
    ),
    await write(
      "PNG, transparent background",
      "alpha.png",
      (await transparentBackground(shopPhoto)).png(),
    ),
    await write(
      "palette PNG, 16 colours",
      "palette.png",
      sharp(shopPhoto).png({ palette: true, colours: 16 }),
    ),
  ];
}

/**
 * Copies `photos` into `dir` as `photo_<i>.jpg` and adds damaged copies of
 * the first: cut off half way (`photo_0_cut.jpg`, as an interrupted download
 * leaves it), a PNG with bytes overwritten (`photo_0_damaged.png`, its chunk
 * checksums no longer match), an empty `empty.jpg`, a text file named
 * `notes.jpg` and a 6 x 8 pixel `photo_0_tiny.jpg`. Returns the file names,
 * sorted.
 */
export async function makeDamagedCopies(
  photos: readonly string[],
  dir: string,
): Promise<string[]> {
  if (photos.length === 0) throw new Error("makeDamagedCopies needs a photo");
  for (const [i, path] of photos.entries()) {
    await Deno.copyFile(path, join(dir, `photo_${i}.jpg`));
  }
  const original = await Deno.readFile(join(dir, "photo_0.jpg"));
  await Deno.writeFile(
    join(dir, "photo_0_cut.jpg"),
    original.slice(0, original.length >> 1),
  );
  const png = new Uint8Array(await sharp(original).png().toBuffer());
  png.fill(0x41, 200, 600);
  await Deno.writeFile(join(dir, "photo_0_damaged.png"), png);
  await Deno.writeFile(join(dir, "empty.jpg"), new Uint8Array(0));
  await Deno.writeTextFile(join(dir, "notes.jpg"), "not an image\n");
  await sharp(original).resize(6, 8).toFile(join(dir, "photo_0_tiny.jpg"));
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}
