/**
 * Study 001 (same fashion-shop data, second team): one flat label per image
 * such as `Shoes-Female-Sandals`, and an HParams grid of filter size
 * {3, 5, 7} x number of filters {32, 64, 96, 128} (`STUDY_001_GRID`), each
 * trial logged as a run record tagged study `001`, accuracy and confusion
 * matrix per model.
 *
 * Study 001 does not say which head its CNN had; we use study 000's
 * architecture 1 (Conv-Pool-Conv-Pool-Flatten-Dense(softmax)), whose only
 * hyperparameters are the two in the grid.
 *
 * Study 001 works on the same shoe photos as study 000, so its grid trains
 * with study 000's shoe-orientation augmentation like study 000's Shoes
 * models: random horizontal flips of the training batches, seeded from the
 * run seed, recorded in every trial's parameters as `augmentation`
 * (`../s000/shoe_orientation_augment.ts`).
 *
 * @module
 */
import type { SearchSpace } from "../../train/search.ts";
import {
  type LevelData,
  loadLevel,
  type ShopArraysSource,
} from "../s000/data.ts";
import {
  type LevelSearch,
  levelSearch,
  profileCandidates,
} from "../s000/search.ts";
import type { LabContext } from "../../runs/lab_context.ts";
import { SHOE_AUGMENTATION } from "../s000/shoe_orientation_augment.ts";

/** Study 001's HParams grid: kernel size x number of filters. */
export const STUDY_001_GRID: SearchSpace = {
  kernelSize: [3, 5, 7],
  filters: [32, 64, 96, 128],
};

/** The `model` tag (and run name) of study 001's Shoes grid. */
export const STUDY_001_SHOES_MODEL = "Shoes_Combined_001";

/**
 * Study 001's grid on the Shoes combined labels (`Shoes-Female-High heels`,
 * ...): the profile's candidates of `STUDY_001_GRID`, the winner by
 * validation accuracy, tested once, then trained and tested with each of
 * the profile's further seeds (`seedReplicates`); every candidate trains
 * with the shoe augmentation.
 */
export const runShoesGrid001: LevelSearch = levelSearch(
  (source, context) => loadShoes001(source, context),
  (context) => ({
    name: STUDY_001_SHOES_MODEL,
    study: "001",
    level: "All",
    category: "Shoes",
    candidates: profileCandidates(
      STUDY_001_GRID,
      context.profile,
      context.seed,
    ),
    base: { architecture: "dense" },
    augmentation: SHOE_AUGMENTATION,
    winnerSeeds: context.profile.seedReplicates,
  }),
);

/** The Shoes arrays with study 001's flat labels, at the context's profile. */
export function loadShoes001(
  source: ShopArraysSource,
  context: Pick<LabContext, "profile" | "seed">,
): Promise<LevelData> {
  return loadLevel(source, "Shoes", "All", context.profile, context.seed, {
    categoryPrefix: true,
  });
}
