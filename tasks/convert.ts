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
import { join, resolve } from "node:path";
import {
  convertDataset,
  CONVERTIBLE_DATASETS,
  summarizeReport,
} from "../lib/data/images/convert_dataset.ts";
import { existsOrFalseSync as exists } from "../lib/io/exists.ts";
import { TaskArgs } from "./args.ts";

const cli = new TaskArgs(
  "convert",
  `usage: deno task convert --dataset ${
    CONVERTIBLE_DATASETS.join("|")
  } [--out DIR] [--in DIR] [--width 90 --height 120] [--limit-per-class N] [--seed 42] [--min-class-size 40] [--concurrency 4] [--phash-threshold 6] [--remove-near-duplicates] [--quiet]`,
);
const { values } = cli.parse({
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

const dataset = cli.oneOf(
  "dataset",
  values.dataset ??
    cli.fail(`--dataset is required: ${CONVERTIBLE_DATASETS.join(", ")}`),
  CONVERTIBLE_DATASETS,
);
const width = cli.positiveInt("width", values.width);
const height = cli.positiveInt("height", values.height);
const limitPerClass = cli.positiveInt(
  "limit-per-class",
  values["limit-per-class"],
);
const seed = cli.integer("seed", values.seed);
const minClassSize = cli.positiveInt(
  "min-class-size",
  values["min-class-size"],
);
const concurrency = cli.positiveInt("concurrency", values.concurrency);
const threshold = cli.integer("phash-threshold", values["phash-threshold"], {
  min: 0,
  max: 64,
});
const mirror = Deno.env.get("FASHION_MIRROR") ?? "../shared/datasets";
const inDir = resolve(
  values.in ??
    (exists(join("data/raw", dataset))
      ? join("data/raw", dataset)
      : join(mirror, dataset)),
);
if (!exists(inDir)) {
  cli.fail(
    `input folder ${inDir} does not exist; run 'deno task data' or pass --in <folder>`,
  );
}
const outDir = resolve(values.out ?? join("data/processed", dataset));

console.log(`convert ${dataset}: ${inDir} -> ${outDir}`);
let lastPrint = 0;
const report = await convertDataset({
  dataset,
  inDir,
  outDir,
  width,
  height,
  limitPerClass,
  seed,
  minClassSize,
  concurrency,
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
