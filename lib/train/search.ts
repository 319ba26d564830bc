/**
 * Hyperparameter candidates: a search space, every combination of it (grid)
 * or a seeded sample (random), and the validation accuracy a trial is
 * judged by. Running the trials as run records is `lib/execute/search_runs.ts`.
 *
 * @module
 */
import { createRng, shuffleInPlace } from "../random.ts";
import type { FitResult } from "./fit.ts";

/** A hyperparameter value. */
export type ParamValue = number | string | boolean;

/** Hyperparameters of one candidate. */
export type Params = Record<string, ParamValue>;

/** The values to try for each hyperparameter. */
export type SearchSpace = Record<string, readonly ParamValue[]>;

/**
 * Every combination of `space`, the first key varying slowest.
 *
 * @example
 * ```ts
 * gridSearch({ kernelSize: [3, 5], filters: [32, 64] });
 * // [{kernelSize:3,filters:32}, {kernelSize:3,filters:64}, {kernelSize:5,filters:32}, {kernelSize:5,filters:64}]
 * ```
 */
export function gridSearch(space: SearchSpace): Params[] {
  let combos: Params[] = [{}];
  for (const [key, values] of Object.entries(space)) {
    if (values.length === 0) {
      throw new Error(`Search space "${key}" has no values; give at least one`);
    }
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combos;
}

/** `count` distinct combinations of `space`, drawn with `seed` (all of them if `count` is larger). */
export function randomSearch(
  space: SearchSpace,
  count: number,
  seed: number,
): Params[] {
  const grid = gridSearch(space);
  return shuffleInPlace(grid, createRng(seed)).slice(0, count);
}

/** The validation accuracy of the epoch whose weights a fit ended with. */
export function validationAccuracy(result: FitResult): number {
  const logs = result.history[result.bestEpoch];
  const acc = logs?.val_acc;
  if (acc === undefined) {
    throw new Error(
      "The fit has no val_acc: pass validation data and compile with metrics ['accuracy']",
    );
  }
  return acc;
}
