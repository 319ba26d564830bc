/**
 * `deno task convert`: converts a raw dataset folder into `.npz` arrays in
 * the fashion-shop authors' layout, with a seeded split and a report.
 *
 *   deno task convert --dataset fashion-product-images|fashion-shop-samples|clothing-dataset-small
 *                     [--out data/processed/<dataset>] [--in <raw folder>]
 *                     [--width 90 --height 120] [--limit-per-class N] [--seed 42]
 *                     [--min-class-size 40] [--concurrency 4]
 *                     [--phash-threshold 6] [--remove-near-duplicates]
 *
 * The raw folder defaults to `data/raw/<dataset>` (written by `deno task
 * data`) and falls back to `$FASHION_MIRROR/<dataset>` (default
 * `../shared/datasets`). See lib/data/images/convert_dataset.ts for the outputs.
 */
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import {
  convertDataset,
  CONVERTIBLE_DATASETS,
  type ConvertibleDataset,
  summarizeReport,
} from "../lib/data/images/convert_dataset.ts";
import { existsOrFalseSync as exists } from "../lib/io/exists.ts";

function fail(message: string): never {
  console.error(`convert: ${message}`);
  Deno.exit(2);
}

function positiveInt(
  name: string,
  value: string | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    fail(`--${name} must be a positive integer, got '${value}'`);
  }
  return n;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dataset: { type: "string" },
    in: { type: "string" },
    out: { type: "string" },
    width: { type: "string", default: "90" },
    height: { type: "string", default: "120" },
    "limit-per-class": { type: "string" },
    seed: { type: "string", default: "42" },
    "min-class-size": { type: "string", default: "40" },
    concurrency: { type: "string", default: "4" },
    "phash-threshold": { type: "string", default: "6" },
    "remove-near-duplicates": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
  },
});

const dataset = values.dataset as ConvertibleDataset | undefined;
if (!dataset || !CONVERTIBLE_DATASETS.includes(dataset)) {
  fail(
    `--dataset must be one of ${CONVERTIBLE_DATASETS.join(", ")}; got '${
      dataset ?? ""
    }'`,
  );
}
const mirror = Deno.env.get("FASHION_MIRROR") ?? "../shared/datasets";
const inDir = resolve(
  values.in ??
    (exists(join("data/raw", dataset))
      ? join("data/raw", dataset)
      : join(mirror, dataset)),
);
if (!exists(inDir)) {
  fail(
    `input folder ${inDir} does not exist; run 'deno task data' or pass --in <folder>`,
  );
}
const outDir = resolve(values.out ?? join("data/processed", dataset));
const seed = Number(values.seed);
if (!Number.isInteger(seed)) {
  fail(`--seed must be an integer, got '${values.seed}'`);
}
const threshold = Number(values["phash-threshold"]);
if (!Number.isInteger(threshold) || threshold < 0 || threshold > 64) {
  fail(`--phash-threshold must be 0..64, got '${values["phash-threshold"]}'`);
}

console.log(`convert ${dataset}: ${inDir} -> ${outDir}`);
let lastPrint = 0;
const report = await convertDataset({
  dataset,
  inDir,
  outDir,
  width: positiveInt("width", values.width),
  height: positiveInt("height", values.height),
  limitPerClass: positiveInt("limit-per-class", values["limit-per-class"]),
  seed,
  minClassSize: positiveInt("min-class-size", values["min-class-size"]),
  concurrency: positiveInt("concurrency", values.concurrency),
  phashThreshold: threshold,
  removeNearDuplicates: values["remove-near-duplicates"],
  onProgress: (p) => {
    const now = performance.now();
    if (values.quiet || (now - lastPrint < 1000 && p.done < p.total)) return;
    lastPrint = now;
    console.log(
      `  ${p.done}/${p.total} (${((100 * p.done) / p.total).toFixed(0)}%), ` +
        `${p.skipped} skipped, ${p.imagesPerSecond.toFixed(1)} img/s`,
    );
  },
});
console.log(summarizeReport(report));
console.log(`report: ${join(outDir, "conversion-report.json")}`);
