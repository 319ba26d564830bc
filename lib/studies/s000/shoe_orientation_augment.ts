/**
 * Study 000's shoe augmentation, as its Shoes models train with it. The
 * study augments the shoe images before training "because shoes have a
 * direction that they are pointing to"; it does not say how. The workspace
 * uses random horizontal flips: each training batch mirrors each image with
 * probability ½ (`randomFlipBatch` of `lib/data/images/augment.ts`), so the
 * models see shoes facing both ways. Validation and test images are left as
 * they are.
 *
 * The flips draw from the run's seed only: the training loop (`fit`) gives
 * every batch its own stream derived from the run seed, the epoch and the
 * batch, so one seed fixes the initial weights, the batch order and every
 * flip, and a resumed run flips exactly as an uninterrupted one.
 *
 * Which models use it: the four Shoes models of `STUDY_000_BEST` (their
 * spec's `augmentation`) and study 001's Shoes grid. Their run
 * records carry `augmentation: "random-flip"` in their parameters, so the
 * augmented runs have run ids of their own. Notebook 02 keeps the ablation:
 * the combined Shoes model without augmentation, canonicalised, and with
 * these flips (`shoe_orientation.ts`).
 *
 * @module
 */
import { randomFlipBatch } from "../../data/images/augment.ts";
import { arrayAugment } from "../../train/array_augment.ts";
import type { BatchAugment } from "../../train/fit.ts";

/**
 * The training-time augmentations a study 000 / 001 model can have, by the
 * name its run records carry as `params.augmentation`.
 */
export type StudyAugmentation = "random-flip";

/** The shoe-orientation augmentation the Shoes models train with. */
export const SHOE_AUGMENTATION: StudyAugmentation = "random-flip";

/**
 * The per-batch training augmentation of a name, for `fit({ augment })` or
 * `runClassifier({ augment })`; its randomness comes from the `rng` the
 * training loop passes (seeded from the run seed).
 */
export function studyAugment(name: StudyAugmentation): BatchAugment {
  switch (name) {
    case "random-flip":
      return arrayAugment((batch, shape, rng) =>
        randomFlipBatch(batch, shape, rng)
      );
  }
}
