/**
 * Run profiles: the same notebooks and tasks serve CI, a classroom and a
 * full reproduction, at three sizes.
 *
 * | profile  | data                        | epochs | grids            | meant for                 |
 * | -------- | --------------------------- | ------ | ---------------- | ------------------------- |
 * | `smoke`  | a few dozen images per class | 1      | one setting      | CI; seconds per notebook  |
 * | `course` | a few hundred per class      | 4      | a small subset   | a laptop CPU; minutes     |
 * | `full`   | everything                   | study's | the study's grid | a GPU; the reproduction   |
 *
 * @module
 */

/** Profile names. */
export const PROFILE_NAMES = ["smoke", "course", "full"] as const;

/** A profile name. */
export type ProfileName = typeof PROFILE_NAMES[number];

/** How much data, training and search a profile runs. */
export interface Profile {
  /** The profile's name. */
  name: ProfileName;
  /** At most this many training images per class (`null`: all). */
  maxTrainPerClass: number | null;
  /** At most this many validation / test images per class (`null`: all). */
  maxEvalPerClass: number | null;
  /** Training epochs (upper bound when early stopping is on). */
  epochs: number;
  /** Early-stopping patience in epochs (`null`: no early stopping). */
  patience: number | null;
  /** Minibatch size. */
  batchSize: number;
  /** How much of a study's hyperparameter grid to try. */
  grid: "one" | "subset" | "full";
  /** Hyperparameter trials at most, for grid/random search. */
  maxTrials: number;
  /**
   * At most this many candidates of a grid that is ours, not the study's
   * (study 003's tuning grid: the study names the hyperparameters but no
   * values), drawn with the seed where the profile's `grid` is `full`: a
   * grid of ours stays small at full so the budget goes to the studies'
   * own configurations and grids.
   */
  oursGridTrials: number;
  /**
   * How a hyperparameter search trains its candidates: each to the
   * profile's epochs (`exhaustive`, the studies' plain grid), or by
   * successive halving with epochs as the budget (`halving`: short rungs,
   * the best 1/{@link Profile.halvingEta} of each rung trained further; see
   * `halvingSchedule` in `lib/train/search.ts`).
   */
  search: "exhaustive" | "halving";
  /** Successive halving: the factor η; each rung keeps the best 1/η of its trials and trains them to η times the epochs. */
  halvingEta: number;
  /** Successive halving: epochs of the first rung (later rungs: × η each, capped at {@link Profile.epochs}). */
  halvingMinEpochs: number;
  /**
   * Whether a model whose study gives its training length trains that long
   * (with the profile's early stopping) instead of {@link Profile.epochs}
   * (study 002's transfer head: "20 epochs twice").
   */
  studyEpochs: boolean;
  /** Blocks of a pretrained base fine-tuned with the new head (study 002's MobileNetV2). */
  fineTuneBlocks: number;
  /** Product photos notebook 01 surveys (file formats, PIL's array shapes); `null`: all. */
  conversionSurvey: number | null;
  /** Epochs of the primary-model variants' CNNs (notebook 12; augmented data learns slower). */
  variantEpochs: number;
  /** Augmented copies of each training image whose features the pretrained variants train on. */
  variantCopies: number;
  /**
   * Seeds the primary model's robust option trains with in notebook 12
   * (the run seed and the next ones; at a profile that samples the data,
   * each seed also draws its own sample), so that its photo scores' seed
   * spread stands beside them.
   */
  variantSeeds: number;
  /**
   * Training photos per class at which notebook 12 trains the robust option
   * again (with the `variantSeeds` seeds each), below the profile's own cap:
   * how much stand-in data it needs to carry over (empty: none).
   */
  variantDataCurve: readonly number[];
  /**
   * Seeds each model's chosen configuration trains with (the run seed and
   * the next ones), so that a result's seed-to-seed spread stands beside
   * it; search trials train with the run seed only.
   */
  seedReplicates: number;
  /**
   * Seconds one notebook cell may run when the notebooks are executed
   * headless (`null`: no limit; a `full` cell trains for hours).
   */
  cellTimeoutSeconds: number | null;
  /** One sentence for notebooks and logs. */
  description: string;
}

const PROFILES: Record<ProfileName, Profile> = {
  smoke: {
    name: "smoke",
    maxTrainPerClass: 24,
    maxEvalPerClass: 8,
    epochs: 1,
    patience: null,
    batchSize: 16,
    grid: "one",
    maxTrials: 1,
    oursGridTrials: 1,
    search: "exhaustive",
    halvingEta: 3,
    halvingMinEpochs: 2,
    studyEpochs: false,
    fineTuneBlocks: 0,
    conversionSurvey: 48,
    variantEpochs: 1,
    variantCopies: 1,
    variantSeeds: 2,
    variantDataCurve: [12],
    seedReplicates: 1,
    cellTimeoutSeconds: 1800,
    description:
      "smoke: a few dozen images per class, 1 epoch, one setting per grid; checks that everything runs (numbers mean nothing)",
  },
  course: {
    name: "course",
    maxTrainPerClass: 200,
    maxEvalPerClass: 60,
    epochs: 4,
    patience: 2,
    batchSize: 32,
    grid: "subset",
    maxTrials: 3,
    oursGridTrials: 3,
    search: "exhaustive",
    halvingEta: 3,
    halvingMinEpochs: 2,
    studyEpochs: true,
    fineTuneBlocks: 0,
    conversionSurvey: 1000,
    variantEpochs: 12,
    variantCopies: 4,
    variantSeeds: 5,
    variantDataCurve: [],
    seedReplicates: 1,
    cellTimeoutSeconds: 1800,
    description:
      "course: up to 200 training images per class, up to 4 epochs, a small part of each grid; minutes per notebook on a laptop CPU",
  },
  full: {
    name: "full",
    maxTrainPerClass: null,
    maxEvalPerClass: null,
    epochs: 30,
    patience: 5,
    batchSize: 32,
    grid: "full",
    maxTrials: Number.POSITIVE_INFINITY,
    oursGridTrials: 9,
    search: "halving",
    halvingEta: 3,
    halvingMinEpochs: 2,
    studyEpochs: true,
    fineTuneBlocks: 2,
    conversionSurvey: null,
    variantEpochs: 30,
    variantCopies: 4,
    variantSeeds: 5,
    variantDataCurve: [200, 400, 800],
    seedReplicates: 3,
    cellTimeoutSeconds: null,
    description:
      "full: all data, up to 30 epochs with early stopping, the studies' full grids; a GPU is recommended",
  },
};

/**
 * Returns the profile named by `name`, or by the `PROFILE` environment
 * variable, defaulting to `course`.
 *
 * @example
 * ```ts
 * const profile = getProfile();          // PROFILE=smoke -> the smoke profile
 * const full = getProfile("full");
 * ```
 */
export function getProfile(name?: string): Profile {
  const raw = (name ?? Deno.env.get("PROFILE") ?? "course").trim()
    .toLowerCase();
  if (!(PROFILE_NAMES as readonly string[]).includes(raw)) {
    throw new Error(
      `Unknown profile "${raw}" (from ${
        name === undefined ? "PROFILE" : "the profile option"
      }). Use one of: ${PROFILE_NAMES.join(", ")}.`,
    );
  }
  return PROFILES[raw as ProfileName];
}

/** Keeps at most `limit` items (all when `limit` is null). */
export function takeAtMost<T>(items: T[], limit: number | null): T[] {
  return limit === null ? items : items.slice(0, limit);
}
