/**
 * Study 002's run settings: the stand-in notes its records carry, the
 * optimizers, head dropout, fine-tuning, augmentation and epochs of its four
 * runs at a profile, and the types its runs share with the tables.
 *
 * @module
 */
import type { Profile } from "../../profiles.ts";
import {
  type AugmentParams,
  DEFAULT_AUGMENT,
} from "../../data/images/augment.ts";
import { type CompileOptions } from "../../train/compile.ts";
import type { ClassifierMetrics } from "../../runs/classifier_metrics.ts";
import type { SplitScheme } from "../../published/published.ts";
import type { Study002Model } from "../../published/published.ts";

/** What the run records say about the stand-ins. */
export const STUDY_002_STAND_IN =
  "clothing-dataset-small photos, not the study's scraped images: 'longsleeve' stands in for 'pullover'; " +
  "the dataset's train/validation/test folders are pooled and re-split 20% test, then 80/20 or 50/50";

/** The stand-in note of the transfer runs (data and base). */
export const STUDY_002_TRANSFER_STAND_IN =
  `${STUDY_002_STAND_IN}; MobileNetV2 (0.35, ImageNet) stands in for VGG16 / ResNet50`;

/** Settings of the four runs; every field has a profile-dependent default. */
export interface Study002Settings {
  /** Baseline optimizer; default Adam at 1e-4. */
  baselineCompile: CompileOptions;
  /** Transfer optimizer; default RMSprop at 2e-4 (the study's VGG16 v2). */
  transferCompile: CompileOptions;
  /** Dropout of the transfer head; default 0.5 (the study's VGG16 v2). */
  transferDropout: number;
  /** MobileNetV2 blocks fine-tuned with the head: the profile's `fineTuneBlocks` (2 at `full`, else 0). */
  fineTuneBlocks: number;
  /** Augmented copies of each training image whose features the transfer head also trains on; default 1. */
  augmentedCopies: number;
  /** The random transforms (both models); default {@linkcode DEFAULT_AUGMENT}. */
  augment: AugmentParams;
  /**
   * Epochs of the transfer model: at `smoke` the profile's (1); at `course`
   * and `full` the study's {@linkcode STUDY_002_EPOCHS}, with the profile's
   * early stopping (the head trains on precomputed features, well under a
   * second per epoch on a laptop CPU at `course`).
   */
  transferEpochs: number;
}

/** The study's training length: "trained over 20 epochs twice". */
export const STUDY_002_EPOCHS = 40;

/** The settings for a profile, with `overrides` applied. */
export function study002Settings(
  profile: Profile,
  overrides: Partial<Study002Settings> = {},
): Study002Settings {
  return {
    baselineCompile: { optimizer: "adam", learningRate: 1e-4 },
    transferCompile: { optimizer: "rmsprop", learningRate: 2e-4 },
    transferDropout: 0.5,
    fineTuneBlocks: profile.fineTuneBlocks,
    augmentedCopies: 1,
    augment: DEFAULT_AUGMENT,
    transferEpochs: profile.studyEpochs ? STUDY_002_EPOCHS : profile.epochs,
    ...overrides,
  };
}

/** One of the four runs. */
export interface Study002Run {
  /** Which model. */
  model: Study002Model;
  /** Which split scheme. */
  split: SplitScheme;
  /** The run id (folder name under the runs root). */
  runId: string;
  /** The run folder. */
  dir: string;
  /** Test metrics. */
  metrics: ClassifierMetrics;
  /** Images in training, validation and test. */
  splits: { train: number; validation: number; test: number };
  /** True when a complete run with the same id existed and was reused. */
  reused: boolean;
}

/** Options shared by the run functions. */
export interface Study002RunOptions {
  /** Runs root; default `reports/runs`. */
  runsRoot?: string;
  /** Settings overrides (see {@linkcode study002Settings}). */
  settings?: Partial<Study002Settings>;
  /** MobileNetV2 folder; default the installed copy, else the mirror's. */
  baseDir?: string;
}
