/**
 * `deno task data [--mirror DIR] [--from DIR] [--force] <id...>`: installs
 * catalog datasets into `data/raw/<id>/`, verified; `--list` prints the
 * catalog. See `lib/data/acquire/acquire.ts`.
 *
 * Environment: `FASHION_MIRROR` (mirror root when `--mirror` is not given),
 * `FASHION_DATA_DIR` (install root instead of `data/raw`).
 *
 * @example
 * ```sh
 * deno task data --mirror ../shared/datasets fashion-mnist fashion-product-images
 * deno task data fashion-shop --from ~/Downloads/dataset
 * deno task data --list
 * ```
 *
 * @module
 */
import { acquireDatasets } from "../lib/data/acquire/acquire.ts";
import { datasetIds, formatCatalog } from "../lib/data/acquire/catalog.ts";
import { TaskArgs } from "./args.ts";

const USAGE =
  `usage: deno task data [--mirror DIR] [--from DIR] [--force] <id...>
       deno task data --list

  --mirror DIR  offline mirror root (default: env FASHION_MIRROR)
  --from DIR    install one dataset from a folder you supply
  --force       re-hash installed files instead of trusting the cache
  --list        print the catalog

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
  cli.directory("mirror", values.mirror);
  cli.directory("from", values.from);
  try {
    const results = await acquireDatasets(positionals, {
      mirror: values.mirror,
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
