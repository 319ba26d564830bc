/**
 * Galleries of misclassified images as run records keep them
 * (`misclassified.json`): each mistake with its true and predicted class,
 * the model's confidence and a small PNG thumbnail in base64, so the report
 * and the notebooks can show the images without reading the dataset.
 *
 * Two kinds of record carry one: a photo check (the most confident of its
 * mistakes, up to 48, `lib/execute/photo_check.ts`) and an evaluated test
 * run (the first {@linkcode TEST_GALLERY_MAX} mistakes of each head in test
 * order, `lib/execute/gallery.ts`).
 *
 * @module
 */
import { join } from "node:path";

/** One misclassified image with its thumbnail, as `misclassified.json` holds it. */
export interface GalleryEntry {
  /** Its name: a photo's file name, or `test <index>` for a test image. */
  id: string;
  /** True class name. */
  trueClass: string;
  /** Predicted class name. */
  predicted: string;
  /** The model's probability of the predicted class. */
  confidence: number;
  /** PNG of the image, base64. */
  png: string;
  /** A test image's position in the test split (0-based). */
  index?: number;
  /** The output head the mistake belongs to (multi-output runs). */
  head?: string;
  /** The thumbnail's width in pixels (absent: 90). */
  width?: number;
  /** The thumbnail's height in pixels (absent: 120). */
  height?: number;
}

/**
 * Mistakes of a test run kept in its `misclassified.json`, per head: the
 * first ones in test order. The report and the notebooks show them all and
 * say how many mistakes there were.
 */
export const TEST_GALLERY_MAX = 12;

/** A run's `misclassified.json` (empty when the record has none). */
export async function readGallery(dir: string): Promise<GalleryEntry[]> {
  try {
    return JSON.parse(
      await Deno.readTextFile(join(dir, "misclassified.json")),
    ) as GalleryEntry[];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw new Error(
      `${join(dir, "misclassified.json")}: ${(error as Error).message}`,
    );
  }
}
