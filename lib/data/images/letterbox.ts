/**
 * Padding a fitted RGB image to the full output box, as sharp's
 * `fit: "contain"` does with its embed step: the image is centred (left and
 * top offsets rounded down) on a canvas of the background colour.
 *
 * `decodeToRgb` resizes with `fit: "inside"` and pads here instead of
 * letting sharp embed: for an 8-bit RGB image the bytes are the same, and
 * sharp's embed converts its background colour with a libvips evaluation of
 * its own, which costs as much as a third of each image's conversion.
 *
 * @example
 * ```ts
 * const boxed = letterbox(rgb, { width: 90, height: 90 }, { width: 90, height: 120 }, WHITE);
 * boxed.length; // 120 * 90 * 3: 15 rows of white above and below
 * ```
 *
 * @module
 */
/** An RGB colour with 0..255 channels. */
export interface Rgb {
  /** Red. */
  r: number;
  /** Green. */
  g: number;
  /** Blue. */
  b: number;
}

/** Width and height in pixels. */
export interface Size {
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/** Where sharp's `contain` places an image inside the box: centred, offsets rounded down. */
export function centredOffset(
  image: Size,
  box: Size,
): { left: number; top: number } {
  return {
    left: Math.floor((box.width - image.width) / 2),
    top: Math.floor((box.height - image.height) / 2),
  };
}

/** True when `colour` is three whole numbers in 0..255, bytes a canvas can hold unchanged. */
export function isByteColour(colour: Rgb): boolean {
  return [colour.r, colour.g, colour.b].every((c) =>
    Number.isInteger(c) && c >= 0 && c <= 255
  );
}

/**
 * `rgb` (`image.height x image.width x 3`, row-major) centred on a
 * `box.height x box.width x 3` canvas of `background`. Returns `rgb` itself
 * when it already fills the box.
 *
 * @throws {Error} when the image is larger than the box, its byte count
 * does not match its size, or the background is not byte-valued.
 */
export function letterbox(
  rgb: Uint8Array,
  image: Size,
  box: Size,
  background: Rgb,
): Uint8Array {
  if (rgb.length !== image.width * image.height * 3) {
    throw new Error(
      `letterbox: ${rgb.length} bytes for a ${image.width}x${image.height} RGB image`,
    );
  }
  if (image.width > box.width || image.height > box.height) {
    throw new Error(
      `letterbox: a ${image.width}x${image.height} image does not fit in ${box.width}x${box.height}`,
    );
  }
  if (!isByteColour(background)) {
    throw new Error(
      `letterbox: background ${JSON.stringify(background)} is not three bytes`,
    );
  }
  if (image.width === box.width && image.height === box.height) return rgb;
  const out = new Uint8Array(box.width * box.height * 3);
  const row = box.width * 3;
  for (let x = 0; x < row; x += 3) {
    out[x] = background.r;
    out[x + 1] = background.g;
    out[x + 2] = background.b;
  }
  for (let y = 1; y < box.height; y++) out.copyWithin(y * row, 0, row);
  const { left, top } = centredOffset(image, box);
  const imageRow = image.width * 3;
  for (let y = 0; y < image.height; y++) {
    out.set(
      rgb.subarray(y * imageRow, (y + 1) * imageRow),
      (top + y) * row + left * 3,
    );
  }
  return out;
}
