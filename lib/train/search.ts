/**
 * Hyperparameter candidates: a search space, every combination of it (grid)
 * or a seeded sample (random), the validation accuracy a trial is judged
 * by, and how a search spends its epochs: every candidate to the full
 * budget (exhaustive) or successive halving (short rungs, the best
 * 1/η trained further). Running the trials as run records is
 * `lib/execute/search_runs.ts`.
 *
 * @module
 */
import { createRng, shuffleInPlace } from "../random.ts";
import type { Profile } from "../profiles.ts";
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

/**
 * How a search trains its candidates: each to its full epochs
 * (`exhaustive`), or by successive halving with epochs as the budget
 * (`halving`, see {@linkcode halvingSchedule}).
 */
export type SearchStrategy =
  | { kind: "exhaustive" }
  | {
    kind: "halving";
    /** Each rung keeps the best `floor(n / eta)` trials (at least one) and multiplies the epochs by `eta`. */
    eta: number;
    /** Epochs of the first rung. */
    minEpochs: number;
    /** The cap: epochs of the last rung (the profile's epochs). */
    maxEpochs: number;
  };

/** One rung of successive halving. */
export interface HalvingRung {
  /** 0-based rung index. */
  rung: number;
  /** Every trial of the rung is trained to this many epochs in all (continuing from the previous rung). */
  epochs: number;
  /** Trials trained in this rung. */
  trials: number;
  /** Trials kept for the next rung (1 in the last rung: the winner). */
  kept: number;
}

/** The strategy a profile's searches use (`search`, `halvingEta`, `halvingMinEpochs`, capped at `epochs`). */
export function searchStrategy(
  profile: Pick<
    Profile,
    "search" | "halvingEta" | "halvingMinEpochs" | "epochs"
  >,
): SearchStrategy {
  return profile.search === "halving"
    ? {
      kind: "halving",
      eta: profile.halvingEta,
      minEpochs: profile.halvingMinEpochs,
      maxEpochs: profile.epochs,
    }
    : { kind: "exhaustive" };
}

/**
 * The rungs of successive halving over `candidates` trials: rung `r`
 * trains its trials to `minEpochs * eta^r` epochs (capped at `maxEpochs`)
 * and keeps the best `floor(n / eta)` (at least one). Rungs go on until
 * the cap is reached; when a single trial remains before that, it gets
 * one last rung at the cap (so the chosen configuration always trains
 * the full budget, early stopping aside). The last rung's best trial wins.
 *
 * @example
 * ```ts
 * halvingSchedule(144, { eta: 3, minEpochs: 2, maxEpochs: 30 });
 * // epochs 2, 6, 18, 30 with 144, 48, 16, 5 trials
 * halvingSchedule(12, { eta: 3, minEpochs: 2, maxEpochs: 30 });
 * // epochs 2, 6, 30 with 12, 4, 1 trials
 * ```
 *
 * @throws when the parameters are not positive integers or `eta < 2`.
 */
export function halvingSchedule(
  candidates: number,
  options: { eta: number; minEpochs: number; maxEpochs: number },
): HalvingRung[] {
  const { eta, minEpochs, maxEpochs } = options;
  for (
    const [name, value, least] of [
      ["candidates", candidates, 1],
      ["eta", eta, 2],
      ["minEpochs", minEpochs, 1],
      ["maxEpochs", maxEpochs, 1],
    ] as const
  ) {
    if (!Number.isInteger(value) || value < least) {
      throw new Error(
        `Successive halving: ${name} must be an integer of at least ${least}, got ${value}`,
      );
    }
  }
  const rungs: HalvingRung[] = [];
  let trials = candidates;
  for (let rung = 0;; rung++) {
    const epochs = trials === 1
      ? maxEpochs
      : Math.min(minEpochs * eta ** rung, maxEpochs);
    if (epochs >= maxEpochs) {
      rungs.push({ rung, epochs: maxEpochs, trials, kept: 1 });
      return rungs;
    }
    const kept = Math.max(1, Math.floor(trials / eta));
    rungs.push({ rung, epochs, trials, kept });
    trials = kept;
  }
}

/**
 * Indices of `scores` best first (highest score; the earlier index on
 * ties): how a rung ranks its trials by validation accuracy.
 */
export function rankBest(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}
