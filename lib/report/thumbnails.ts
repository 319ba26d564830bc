/**
 * The thumbnails of misclassified images as a page embeds them. A record's
 * `misclassified.json` keeps each thumbnail as a lossless PNG
 * (`lib/runs/gallery.ts`); the report embeds JPEG instead (quality 85, no
 * chroma subsampling), about a fifth of the bytes for these small photos,
 * so that a page with every run's mistakes stays quick to open. sharp's
 * JPEG encoder gives the same bytes for the same pixels, so the report
 * stays byte-identical for the same records. The notebooks' galleries are
 * the report's, JPEG too.
 *
 * @module
 */
import sharp from "sharp";
import { Buffer } from "node:buffer";
import type { GalleryEntry } from "../runs/gallery.ts";

/** A gallery entry with its thumbnail as the page embeds it. */
export type ShownEntry = Omit<GalleryEntry, "png"> & {
  /** The thumbnail: its MIME type and base64 bytes. */
  image: { type: "image/jpeg"; base64: string };
};

/** The JPEG quality of the report's thumbnails. */
export const THUMBNAIL_JPEG_QUALITY = 85;

/**
 * `entries` with their thumbnails as JPEG (see the module notes).
 *
 * @throws naming the entry when its PNG cannot be decoded.
 */
export function withJpeg(
  entries: readonly GalleryEntry[],
): Promise<ShownEntry[]> {
  return Promise.all(entries.map(async ({ png, ...rest }) => {
    let jpeg: Buffer;
    try {
      jpeg = await sharp(Buffer.from(png, "base64"))
        .jpeg({ quality: THUMBNAIL_JPEG_QUALITY, chromaSubsampling: "4:4:4" })
        .toBuffer();
    } catch (error) {
      throw new Error(
        `the thumbnail of ${rest.id} is not a readable PNG: ${
          (error as Error).message
        }`,
      );
    }
    return {
      ...rest,
      image: { type: "image/jpeg", base64: jpeg.toString("base64") },
    };
  }));
}
