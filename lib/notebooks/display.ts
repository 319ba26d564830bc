/**
 * Helpers that turn results into what a notebook shows: markdown tables and
 * HTML image grids (PNG data URLs made with sharp).
 *
 * @module
 */
import { rgbToPng } from "../data/images/decode.ts";
import type { ImageRow } from "../data/labelled_arrays.ts";
import { jupyterDisplay } from "../train/progress.ts";

/** A markdown table from a header row and body rows. */
export function markdownTable(
  header: string[],
  rows: (string | number)[][],
): string {
  const line = (cells: (string | number)[]) =>
    `| ${cells.map((c) => String(c).replaceAll("|", "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join(
    "\n",
  );
}

/** A confusion matrix as a markdown table (rows: true class, columns: predicted). */
export function confusionTable(
  matrix: number[][],
  classNames: string[],
): string {
  return markdownTable(
    ["true \\ predicted", ...classNames],
    matrix.map((row, i) => [classNames[i], ...row]),
  );
}

/** An HTML grid of images, one row per label, each image a PNG data URL. */
export async function imageGridHtml(
  rows: ImageRow[],
  width: number,
  height: number,
): Promise<string> {
  const parts: string[] = ['<table style="border-collapse:collapse">'];
  for (const row of rows) {
    parts.push(
      `<tr><th style="text-align:right;padding-right:8px">${row.label}</th>`,
    );
    for (const rgb of row.images) {
      const png = encodeBase64(await rgbToPng(rgb, width, height));
      parts.push(
        `<td><img width="${width}" height="${height}" src="data:image/png;base64,${png}"></td>`,
      );
    }
    parts.push("</tr>");
  }
  parts.push("</table>");
  return parts.join("");
}

/** Base64 of bytes, for data URLs. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Shows text in the notebook (a `text/plain` display) or, outside a kernel,
 * prints it. Prefer it to `console.log` in notebooks: the kernel forwards
 * console output asynchronously, and a headless run (nbconvert) can close
 * a cell before late console output arrives; a display is sent before the
 * cell finishes.
 */
export async function show(text: string): Promise<void> {
  const display = jupyterDisplay();
  if (display) {
    await display({ "text/plain": text }, { raw: true });
    await settle();
  } else console.log(text);
}

/**
 * How long a display helper waits after sending a display. The Deno kernel
 * can put a display on the wire after the cell's "idle" message when the
 * machine is busy, and nbclient then drops it (the cell looks silent); a
 * short wait while the cell is still running lets it go out first (measured:
 * a display followed by a cell that shows nothing lost its output in 2 of 3
 * runs on a loaded 2-core machine, and in none of 4 with the wait).
 */
export const DISPLAY_SETTLE_MS = 50;

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, DISPLAY_SETTLE_MS));
}

/** Shows markdown in the notebook (printed as-is outside a kernel). */
export async function showMarkdown(markdown: string): Promise<void> {
  const display = jupyterDisplay();
  if (display) {
    await display({ "text/markdown": markdown, "text/plain": markdown }, {
      raw: true,
    });
    await settle();
  } else console.log(markdown);
}

/**
 * Shows HTML in the notebook, with a plain-text fallback for terminals
 * (default: the HTML's text without its tags).
 */
export async function showHtml(
  html: string,
  plain: string = html.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim(),
): Promise<void> {
  const display = jupyterDisplay();
  if (display) {
    await display({ "text/html": html, "text/plain": plain }, { raw: true });
    await settle();
  } else console.log(plain);
}
