/**
 * Study 002's run settings: the stand-in notes its records carry, the
 * study's set-ups (basic CNN, VGG16 v1, v2, v3) with their optimizer,
 * learning rate, dropout and split, class balancing, fine-tuning,
 * augmentation and epochs at a profile, and the types its runs share with
 * the tables.
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
import type {
  SplitScheme,
  Study002Model,
  Study002SetupId,
} from "../../published/published.ts";

/** What the run records say about the stand-ins. */
export const STUDY_002_STAND_IN =
  "clothing-dataset-small photos, not the study's scraped images: 'longsleeve' stands in for 'pullover'; " +
  "the dataset's train/validation/test folders are pooled and re-split 20% test, then 80/20 or 50/50";

/** The stand-in note of the transfer runs (data and base). */
export const STUDY_002_TRANSFER_STAND_IN =
  `${STUDY_002_STAND_IN}; MobileNetV2 (0.35, ImageNet) stands in for VGG16 / ResNet50`;

/** One of the study's set-ups as its results table gives it. */
export interface Study002Setup {
  /** The study's name of the model (its results table's column). */
  published: string;
  /** Which of our models follows it. */
  model: Study002Model;
  /** Its train / validation split. */
  split: SplitScheme;
  /** Optimizer and learning rate. */
  compile: CompileOptions;
  /** Dropout before the classifier (0: none, the table's "NA"). */
  dropout: number;
  /**
   * The halves of a 50/50 split that train, one run each: v3 trains on
   * half A and validates on half B, then the other way round ("in the first
   * run, 50% is training data, then that same 50% is used as validation
   * data in the second run"). `[null]`: one run.
   */
  halves: readonly (Study002Half | null)[];
}

/** Which half of the 50/50 pool trains: `A` (the first half), or `B` (swapped). */
export type Study002Half = "A" | "B";

/**
 * Class balancing: `augment` tops every class's training images up to
 * {@linkcode balanceTarget} with augmented copies (the study's Keras
 * `ImageDataGenerator` step "to bring the total images per class to
 * 1000"); `none` trains on the photos as they are.
 */
export type BalanceMode = "augment" | "none";

/**
 * The study's set-ups, from its "Final results table" (line 91 of its
 * text): optimizer, learning rate, dropout and split. The basic CNN's
 * rate is the table's 0.1 (the text says it moved from 0.001 to 0.01; both
 * left it at chance). ResNet50 (RMSprop 2e-4, dropout 0.5, 80/20) is not
 * run: it needs a larger pretrained base than the workspace has offline.
 */
export const STUDY_002_SETUPS: Readonly<
  Record<Study002SetupId, Study002Setup>
> = {
  "basic-cnn": {
    published: "Basic CNN",
    model: "baseline",
    split: "80/20",
    compile: { optimizer: "adam", learningRate: 0.1 },
    dropout: 0,
    halves: [null],
  },
  v1: {
    published: "VGG16 v1",
    model: "mobilenetv2",
    split: "80/20",
    compile: { optimizer: "adam", learningRate: 0.005 },
    dropout: 0,
    halves: [null],
  },
  v2: {
    published: "VGG16 v2",
    model: "mobilenetv2",
    split: "80/20",
    compile: { optimizer: "rmsprop", learningRate: 2e-4 },
    dropout: 0.5,
    halves: [null],
  },
  v3: {
    published: "VGG16 v3",
    model: "mobilenetv2",
    split: "50/50",
    compile: { optimizer: "rmsprop", learningRate: 2e-4 },
    dropout: 0.5,
    halves: ["A", "B"],
  },
};

/** Settings of the runs; every field has a profile-dependent default. */
export interface Study002Settings {
  /** The set-ups' optimizer, rate and dropout; default {@linkcode STUDY_002_SETUPS}. */
  setups: Readonly<Record<Study002SetupId, Study002Setup>>;
  /** Class balancing of every set-up's runs; default `augment`, as the study did. */
  balance: BalanceMode;
  /**
   * Set-ups also run with the other balancing mode, so that balancing is
   * compared with none on the same test images; default `["v2"]` (the
   * study's best set-up).
   */
  balanceComparison: readonly Study002SetupId[];
  /** MobileNetV2 blocks fine-tuned with the head: the profile's `fineTuneBlocks` (2 at `full`, else 0). */
  fineTuneBlocks: number;
  /** Augmented copies of each training image whose features the transfer head also trains on; default 1. */
  augmentedCopies: number;
  /** The random transforms (both models, and the balancing copies); default {@linkcode DEFAULT_AUGMENT}. */
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
    setups: STUDY_002_SETUPS,
    balance: "augment",
    balanceComparison: ["v2"],
    fineTuneBlocks: profile.fineTuneBlocks,
    augmentedCopies: 1,
    augment: DEFAULT_AUGMENT,
    transferEpochs: profile.studyEpochs ? STUDY_002_EPOCHS : profile.epochs,
    ...overrides,
  };
}

/** Which run: a set-up, the half that trains (v3) and the class balancing. */
export interface Study002RunSpec {
  /** The study's set-up. */
  setup: Study002SetupId;
  /** The training half of v3's 50/50 split; `null` for the other set-ups. */
  half: Study002Half | null;
  /** Class balancing of the training images. */
  balance: BalanceMode;
}

/**
 * Every run of the study at `settings`, in order: each set-up (v3 as its
 * two halves) with the settings' balancing, then the set-ups of
 * `balanceComparison` with the other mode.
 */
export function study002RunSpecs(
  settings: Pick<Study002Settings, "setups" | "balance" | "balanceComparison">,
): Study002RunSpec[] {
  const specs: Study002RunSpec[] = [];
  const add = (setup: Study002SetupId, balance: BalanceMode) => {
    for (const half of settings.setups[setup].halves) {
      specs.push({ setup, half, balance });
    }
  };
  for (const setup of Object.keys(settings.setups) as Study002SetupId[]) {
    add(setup, settings.balance);
  }
  const other: BalanceMode = settings.balance === "augment"
    ? "none"
    : "augment";
  for (const setup of settings.balanceComparison) add(setup, other);
  return specs;
}

/** One run of the study. */
export interface Study002Run {
  /** Which model. */
  model: Study002Model;
  /** Which split scheme. */
  split: SplitScheme;
  /** The study's set-up it follows. */
  setup: Study002SetupId;
  /** v3's training half (`A`, or `B` with the halves swapped); `null` otherwise. */
  half: Study002Half | null;
  /** Class balancing of its training images. */
  balance: BalanceMode;
  /** A short label, e.g. `v3 half B` or `v2, no balancing`. */
  label: string;
  /** The run id (folder name under the runs root). */
  runId: string;
  /** The run folder. */
  dir: string;
  /** Test metrics. */
  metrics: ClassifierMetrics;
  /** Images in training (with balancing copies), validation and test. */
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
  /**
   * The seed of the network's initialisation and the batch order, when it
   * is not the context's: a seed replicate. The context's seed still makes
   * the data (splits, balancing copies, augmented features); the record
   * carries this seed and tags the other as `splitSeed`.
   */
  trainSeed?: number;
}
