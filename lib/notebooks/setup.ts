/**
 * The first cell of every notebook: point data paths at the repository's
 * `data/` (notebooks run from `notebooks/`), read the profile, select the
 * backend, and say what the notebook will do.
 *
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeBackend, selectBackend } from "../backend.ts";
import { getProfile } from "../profiles.ts";
import { show } from "./display.ts";
import type { LabContext } from "../runs/lab_context.ts";

/** The repository root. */
export const REPO_ROOT: string = fileURLToPath(
  new URL("../../", import.meta.url),
);

/** What a notebook starts with: the lab context and the dataset mirror. */
export interface NotebookContext extends LabContext {
  /** The dataset mirror folder (`FASHION_MIRROR`, relative to the repository root; default `../shared/datasets`). */
  mirror: string;
}

/**
 * Sets `FASHION_DATA_DIR` to the repository's `data/raw` (unless set), reads
 * `PROFILE` (default `course`) and `TFJS_BACKEND` (default `auto`), selects
 * the backend and shows both.
 */
export async function startNotebook(seed = 42): Promise<NotebookContext> {
  if (!Deno.env.get("FASHION_DATA_DIR")) {
    Deno.env.set("FASHION_DATA_DIR", join(REPO_ROOT, "data", "raw"));
  }
  const configured = Deno.env.get("FASHION_MIRROR") ?? "../shared/datasets";
  const mirror = isAbsolute(configured)
    ? configured
    : resolve(REPO_ROOT, configured);
  const profile = getProfile();
  const backend = await selectBackend();
  await show(
    [
      `profile  ${profile.description}`,
      `backend  ${describeBackend(backend)}`,
      `seed     ${seed}`,
    ].join("\n"),
  );
  return { profile, backend, seed, mirror };
}
