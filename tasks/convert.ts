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
 * data`; `FASHION_DATA_DIR` moves `data/raw`) and falls back to
 * `$FASHION_MIRROR/<dataset>` (default `../shared/datasets`); the output
 * folder to `data/processed/<dataset>` beside it, the folder the notebooks
 * read. The output folder is replaced as a whole and gets a manifest,
 * `conversion.json`; see lib/data/images/convert_dataset.ts for the outputs.
 *
 * Exit codes: 0 converted; 1 the conversion could not be made (a missing
 * folder, nothing convertible, an output folder holding other files), with
 * one message and the output folder left as it was; 2 a wrong command line.
 */
import { dirname, join, resolve } from "node:path";
import {
  conversionOptions,
  convertDataset,
  CONVERTIBLE_DATASETS,
  type DatasetConversionReport,
  summarizeReport,
} from "../lib/data/images/convert_dataset.ts";
import {
  describeDifferences,
  optionDifferences,
} from "../lib/data/images/conversion_manifest.ts";
import { rawDataRoot } from "../lib/data/acquire/fingerprint.ts";
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
const rawRoot = rawDataRoot();
const inDir = resolve(
  values.in ??
    (exists(join(rawRoot, dataset))
      ? join(rawRoot, dataset)
      : join(mirror, dataset)),
);
if (!exists(inDir)) {
  cli.fail(
    `input folder ${inDir} does not exist; run 'deno task data' or pass --in <folder>`,
  );
}
const studiesDir = resolve(join(dirname(rawRoot), "processed", dataset));
const outDir = resolve(values.out ?? studiesDir);

console.log(`convert ${dataset}: ${inDir} -> ${outDir}`);
let lastPrint = 0;
let report: DatasetConversionReport;
try {
  report = await convertDataset({
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
} catch (error) {
  console.error(
    `convert: ${error instanceof Error ? error.message : String(error)}`,
  );
  Deno.exit(1);
}
console.log(summarizeReport(report));
console.log(`report: ${join(outDir, "conversion-report.json")}`);
const differences = optionDifferences(
  report.manifest.options,
  conversionOptions({ dataset }),
);
if (
  dataset === "fashion-product-images" && outDir === studiesDir &&
  differences.length > 0
) {
  console.log(
    `note: ${outDir} is the folder the notebooks read, and it now holds a conversion with ${
      describeDifferences(differences)
    }; they will refuse it until it is deleted or converted again with the default options`,
  );
}
