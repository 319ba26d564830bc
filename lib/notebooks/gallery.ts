/**
 * The misclassified test images of the models a notebook trains, inline:
 * per run, the first {@linkcode TEST_GALLERY_MAX} mistakes of each head in
 * test order, from the record's `misclassified.json`, drawn by the report's
 * own gallery code (`lib/report/gallery.ts`) with the same headings, so a
 * notebook and the report show the same pictures.
 *
 * @module
 */
import { basename, join } from "node:path";
import type { ClassifierMetrics } from "../runs/classifier_metrics.ts";
import { readGallery, TEST_GALLERY_MAX } from "../runs/gallery.ts";
import type { RunJson } from "../runs/run_json.ts";
import {
  type HeadMistakes,
  testGalleryHeading,
  testGalleryHtml,
} from "../report/gallery.ts";
import { type ShownEntry, withJpeg } from "../report/thumbnails.ts";
import { escape } from "../report/html.ts";
import { type ChartOptions, runDir, type RunRef } from "./charts.ts";
import { showHtml } from "./display.ts";

export { TEST_GALLERY_MAX };

/** One run's gallery: its name and id, each head's mistakes and the entries its record keeps. */
export interface RunGallery {
  /** The run id. */
  id: string;
  /** The run's name (`run.json` `name`). */
  name: string;
  /** Mistakes and test images per head (one, without a head name, for a single-output run). */
  heads: HeadMistakes[];
  /** The record's `misclassified.json`, thumbnails as the report embeds them (JPEG); null when the record keeps none. */
  entries: ShownEntry[] | null;
}

const NO_GALLERY =
  "This record keeps no misclassified images (a record made before test runs kept them, or one without test predictions).";

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** Reads a run's gallery and how many test images each head got wrong. */
export async function runGallery(
  run: RunRef,
  options: ChartOptions = {},
): Promise<RunGallery> {
  const dir = runDir(run, options);
  const json = await readJson(join(dir, "run.json")) as RunJson;
  const metrics = await readJson(join(dir, "metrics.json")) as
    & Partial<ClassifierMetrics>
    & { heads?: Record<string, ClassifierMetrics> };
  const heads: HeadMistakes[] = metrics.heads
    ? Object.entries(metrics.heads).map(([head, m]) => ({
      head,
      wrong: m.n - m.correct,
      n: m.n,
    }))
    : typeof metrics.n === "number" && typeof metrics.correct === "number"
    ? [{ wrong: metrics.n - metrics.correct, n: metrics.n }]
    : [];
  let entries: ShownEntry[] | null = null;
  try {
    await Deno.stat(join(dir, "misclassified.json"));
    entries = await withJpeg(await readGallery(dir));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return { id: json.id || basename(dir), name: json.name, heads, entries };
}

/** The HTML of a run's gallery under a heading with its name (or `title`) and id. */
export function runGalleryHtml(g: RunGallery, title?: string): string {
  return `<div><p style="margin:8px 0 4px"><b>${
    escape(title ?? g.name)
  }</b> <code>${escape(g.id)}</code></p>${
    g.entries
      ? testGalleryHtml(g.entries, g.heads)
      : `<p>${escape(NO_GALLERY)}</p>`
  }</div>`;
}

function galleryPlain(g: RunGallery, title?: string): string {
  const name = `${title ?? g.name} (${g.id})`;
  if (!g.entries) return `${name}: ${NO_GALLERY}`;
  return `${name}: ${
    g.heads.map((m) =>
      testGalleryHeading(
        g.entries!.filter((e) => e.head === m.head).length,
        m,
      )
    ).join("; ")
  }`;
}

/**
 * Shows the misclassified test images of one or more runs (each under its
 * name, or `title`): per head, the first {@linkcode TEST_GALLERY_MAX}
 * mistakes in test order with true and predicted class and confidence, as
 * the report shows them.
 *
 * @example
 * ```ts
 * await showRunCharts(result);
 * await showMisclassified(result);
 * ```
 */
export async function showMisclassified(
  runs: RunRef | RunRef[],
  options: ChartOptions & { title?: string } = {},
): Promise<void> {
  const list = Array.isArray(runs) ? runs : [runs];
  const galleries = await Promise.all(list.map((r) => runGallery(r, options)));
  await showHtml(
    galleries.map((g) => runGalleryHtml(g, options.title)).join(""),
    galleries.map((g) => galleryPlain(g, options.title)).join("\n"),
  );
}
