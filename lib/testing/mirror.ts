/**
 * Where tests find the real datasets: `$FASHION_MIRROR`, else
 * `../shared/datasets` beside the repository root.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (two folders above this file's folder). */
export const REPO_ROOT: string = resolve(
  fileURLToPath(new URL("../../", import.meta.url)),
);

/** The dataset mirror folder used by tests. */
export function mirrorDir(): string {
  return resolve(
    Deno.env.get("FASHION_MIRROR") ??
      join(REPO_ROOT, "..", "shared", "datasets"),
  );
}

/** Folder of one dataset in the mirror, e.g. `datasetDir("fashion-product-images")`. */
export function datasetDir(id: string): string {
  return join(mirrorDir(), id);
}
