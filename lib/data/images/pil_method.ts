/**
 * The fashion-shop studies' conversion method, described in this lab's
 * terms: PIL's `image.thumbnail((90, 120))` followed by `np.asarray(image)`.
 * `thumbnail` keeps the aspect ratio and never enlarges, ignores EXIF
 * orientation, and keeps the file's mode (grey, palette, CMYK, RGBA), so
 * the arrays it gives differ in shape from file to file. Notebook 01 sets it
 * beside {@linkcode decodeToRgb}.
 *
 * @module
 */
import sharp from "sharp";

/** Header facts sharp reads from a file (what PIL's mode depends on). */
export type ImageMetadata = Awaited<
  ReturnType<ReturnType<typeof sharp>["metadata"]>
>;

/**
 * The `[width, height]` PIL's `thumbnail(box)` gives a `width x height`
 * image: scaled to fit inside the box, aspect ratio kept, never enlarged.
 *
 * @example
 * pilThumbnailSize(224, 224); // [90, 90]
 * pilThumbnailSize(300, 400); // [90, 120]
 */
export function pilThumbnailSize(
  width: number,
  height: number,
  box: [number, number] = [90, 120],
): [number, number] {
  const scale = Math.min(box[0] / width, box[1] / height, 1);
  return [
    Math.max(1, Math.round(width * scale)),
    Math.max(1, Math.round(height * scale)),
  ];
}

/** The mode PIL opens an 8-bit file in: `P`, `CMYK`, `L`, `RGBA` or `RGB`. */
export function pilMode(m: ImageMetadata): string {
  if (m.isPalette) return "P";
  if (m.space === "cmyk") return "CMYK";
  if (m.channels === 1) return "L";
  return m.hasAlpha ? "RGBA" : "RGB";
}

const TRAILING_AXIS: Record<string, string> = {
  RGB: " x 3",
  L: "",
  P: " (palette indices)",
  CMYK: " x 4 (ink, not RGB)",
  RGBA: " x 4",
};

/**
 * The array `np.asarray` returns after `thumbnail((90, 120))`, as text
 * (`"90 x 90 x 3"`, `"120 x 90"` for grey, `"… x 4 (ink, not RGB)"` for
 * CMYK).
 */
export function pilArrayShape(m: ImageMetadata): string {
  const [width, height] = pilThumbnailSize(m.width!, m.height!);
  return `${height} x ${width}${TRAILING_AXIS[pilMode(m)]}`;
}

/**
 * The study's result rendered as a picture for comparison: the thumbnail
 * (RGB, alpha dropped, EXIF ignored) in the top-left corner of a grey
 * 90 x 120 canvas, as 120 x 90 x 3 bytes. Grey marks what the study's array
 * does not cover.
 */
export async function pilThumbnailPicture(path: string): Promise<Uint8Array> {
  const { data, info } = await sharp(path, { autoOrient: false })
    .resize(90, 120, { fit: "inside", withoutEnlargement: true })
    .removeAlpha().toColourspace("srgb").raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(
    await sharp({
      create: { width: 90, height: 120, channels: 3, background: "#c8c8c8" },
    }).composite([{
      input: data,
      raw: { width: info.width, height: info.height, channels: 3 },
      left: 0,
      top: 0,
    }]).removeAlpha().raw().toBuffer(),
  );
}
