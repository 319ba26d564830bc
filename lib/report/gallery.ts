/**
 * Galleries of misclassified images as the report and the notebooks show
 * them, from a record's `misclassified.json` (`lib/runs/gallery.ts`): each
 * thumbnail with its true and predicted class and the model's confidence,
 * inline as JPEG data (`thumbnails.ts`), so the page stays one
 * self-contained file. A photo
 * check's gallery holds its most confident mistakes
 * (`lib/report/photo_checks.ts`); a test run's the first
 * {@linkcode TEST_GALLERY_MAX} mistakes of each head, in test order
 * ({@linkcode testGalleryHtml}).
 *
 * @module
 */
import { formatPercent as percent } from "../eval/format.ts";
import { TEST_GALLERY_MAX } from "../runs/gallery.ts";
import { escape } from "./html.ts";
import type { ShownEntry } from "./thumbnails.ts";

/** The box a thumbnail is drawn in, width x height (small images are enlarged by a whole factor). */
const BOX = { width: 90, height: 120 };

/**
 * An HTML gallery of misclassified images: each thumbnail with its name,
 * true and predicted class and the model's confidence. Inline image data,
 * so the page stays one self-contained file.
 */
export function galleryHtml(entries: readonly ShownEntry[]): string {
  return `<div class="misclassified" style="display:flex;flex-wrap:wrap;gap:.6rem">${
    entries.map((e) => {
      const w = e.width ?? BOX.width;
      const h = e.height ?? BOX.height;
      const scale = Math.max(
        1,
        Math.floor(Math.min(BOX.width / w, BOX.height / h)),
      );
      return `<figure style="width:${
        Math.max(96, w * scale + 6)
      }px;margin:0"><img alt="${escape(e.id)}" width="${w * scale}" height="${
        h * scale
      }" style="border:1px solid #ddd${
        scale > 1 ? ";image-rendering:pixelated" : ""
      }" src="data:${e.image.type};base64,${
        escape(e.image.base64)
      }"><figcaption style="font-size:11px;word-break:break-all">${
        escape(e.trueClass)
      } → <b>${escape(e.predicted)}</b> (${percent(e.confidence)})<br><small>${
        escape(e.id)
      }</small></figcaption></figure>`;
    }).join("")
  }</div>`;
}

/** One head's mistakes: how many there were, and those the record keeps. */
export interface HeadMistakes {
  /** The head (absent for a single-output run). */
  head?: string;
  /** Test images the head got wrong. */
  wrong: number;
  /** Test images. */
  n: number;
}

/** The heading of a test gallery: how many mistakes it shows of how many, and the cap. */
export function testGalleryHeading(shown: number, m: HeadMistakes): string {
  const of = m.head === undefined ? "" : `${m.head}: `;
  if (m.wrong === 0) return `${of}no test image misclassified (n ${m.n})`;
  return `${of}misclassified test images: ${
    shown < m.wrong
      ? `the first ${shown} of ${m.wrong} mistakes in test order (the record keeps at most ${TEST_GALLERY_MAX} per head)`
      : `all ${m.wrong} mistakes, in test order`
  } (n ${m.n})`;
}

/**
 * A test run's gallery (its record's `misclassified.json`), one block per
 * head: a heading saying how many of the head's mistakes are shown (the
 * first {@linkcode TEST_GALLERY_MAX} in test order at most), then the
 * thumbnails. Empty when the record keeps no gallery.
 */
export function testGalleryHtml(
  gallery: readonly ShownEntry[] | undefined,
  heads: readonly HeadMistakes[],
): string {
  if (!gallery) return "";
  return heads.map((m) => {
    const mine = gallery.filter((e) => e.head === m.head);
    return `<div class="test-gallery"><h5>${
      escape(testGalleryHeading(mine.length, m))
    }</h5>${mine.length ? galleryHtml(mine) : ""}</div>`;
  }).join("\n");
}
