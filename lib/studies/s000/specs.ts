/**
 * Study 000's models as the study names them: the two categories with gender
 * and type, each model's architecture and training settings (the study's
 * "Best Hyperparameters" list), the three combined Trousers&Jeans models the
 * study compared, and the primary 3-class model.
 *
 * Learning rate: the models with a wide hidden dense layer (Trousers&Jeans:
 * 256 or 512 units on 38k to 75k flattened features, 10M to 35M weights in
 * that one layer) train with Adam at 1e-4 instead of Keras' 1e-3 (our
 * choice; the study does not give its rate). At 1e-3 the first updates drive
 * the softmax into saturation (training loss about 8 = 16.1 x the error
 * rate, i.e. probabilities clipped at 1e-7), the gradients vanish and the
 * model predicts the majority class for good; this happened at the course
 * profile (4 epochs, 200 images per class). See {@link STUDY_000_BEST} and
 * notebook 05.
 *
 * Augmentation: the Shoes models train with the study's shoe-orientation
 * augmentation (random horizontal flips of the training batches, seeded from
 * the run seed; see `shoe_orientation_augment.ts`), as the study augmented
 * its shoe images ("shoes have a direction that they are pointing to"). The
 * other models train on their images as they are.
 *
 * @module
 */
import { type StudyCnnOptions } from "../../models/study_cnn.ts";
import {
  SHOE_AUGMENTATION,
  type StudyAugmentation,
} from "./shoe_orientation_augment.ts";

/** The two categories with gender and type, as named in the authors' files and in the label tree. */
export const GENDERED_CATEGORIES = {
  "Trousers & Jeans": "Trousers&Jeans",
  "Shoes": "Shoes",
} as const;

/** A category as named in the authors' files. */
export type GenderedCategory = keyof typeof GENDERED_CATEGORIES;

/** Which model of a category: combined (`All`), gender, or the type model of one gender. */
export type CategoryLevel = "All" | "Gender" | "Male" | "Female";

/** The `level` tag of a run: a category's level, or the primary 3-class model. */
export type ModelLevel = CategoryLevel | "Primary";

/** One of the study's models: its name, architecture and training settings. */
export interface StudyModelSpec {
  /** The study's name for it, e.g. `Trousers&Jeans_All_L2` (the run's `model` tag). */
  name: string;
  /** Architecture and hyperparameters. */
  options: Partial<StudyCnnOptions>;
  /**
   * Adam's learning rate; default 1e-3 (Keras' default, which the study
   * used). Set lower for the wide-dense models (see the module docs).
   */
  learningRate?: number;
  /**
   * Training-time augmentation (recorded as `params.augmentation`); none
   * when absent.
   */
  augmentation?: StudyAugmentation;
}

/** Adam's learning rate for models with a wide hidden dense layer (see the module docs). */
export const WIDE_DENSE_LEARNING_RATE = 1e-4;

/**
 * Study 000's best hyperparameters per model (its "Best Hyperparameters"
 * list); the Shoes models with the study's shoe augmentation.
 */
export const STUDY_000_BEST: Record<
  GenderedCategory,
  Record<CategoryLevel, StudyModelSpec>
> = {
  "Trousers & Jeans": {
    All: {
      name: "Trousers&Jeans_All",
      options: {
        architecture: "dense-dense",
        kernelSize: 7,
        kernelSize2: 3,
        filters: 96,
        denseSize: 512,
      },
      learningRate: WIDE_DENSE_LEARNING_RATE,
    },
    Gender: {
      name: "Trousers&Jeans_Gender",
      options: {
        architecture: "dense-dense",
        kernelSize: 3,
        kernelSize2: 5,
        filters: 128,
        denseSize: 512,
      },
      learningRate: WIDE_DENSE_LEARNING_RATE,
    },
    Male: {
      name: "Trousers&Jeans_Male",
      options: {
        architecture: "dense-dense",
        kernelSize: 3,
        kernelSize2: 3,
        filters: 64,
        denseSize: 256,
      },
      learningRate: WIDE_DENSE_LEARNING_RATE,
    },
    Female: {
      name: "Trousers&Jeans_Female",
      options: {
        architecture: "dense-dense",
        kernelSize: 3,
        kernelSize2: 3,
        filters: 128,
        denseSize: 256,
      },
      learningRate: WIDE_DENSE_LEARNING_RATE,
    },
  },
  "Shoes": {
    All: {
      name: "Shoes_All_Dropout",
      options: {
        architecture: "dense-dropout",
        kernelSize: 5,
        filters: 128,
        dropout: 0.4,
      },
      augmentation: SHOE_AUGMENTATION,
    },
    Gender: {
      name: "Shoes_Gender_L2",
      options: { architecture: "dense", kernelSize: 5, filters: 64, l2: 1e-4 },
      augmentation: SHOE_AUGMENTATION,
    },
    Male: {
      name: "Shoes_Male_L2",
      options: { architecture: "dense", kernelSize: 3, filters: 64, l2: 1e-4 },
      augmentation: SHOE_AUGMENTATION,
    },
    Female: {
      name: "Shoes_Female_L2",
      options: { architecture: "dense", kernelSize: 5, filters: 64, l2: 1e-5 },
      augmentation: SHOE_AUGMENTATION,
    },
  },
};

/** Names of the three combined Trousers&Jeans models the study compared. */
export type TrousersJeansVariant = "All" | "All_L2" | "All_Dropout";

/**
 * The three combined Trousers&Jeans models: `All` (architecture 2,
 * Conv-Pool-Conv-Pool-Flatten-Dense-Dense), `All_L2` (the same with L2
 * lambda 1e-5 on every kernel) and `All_Dropout` (architecture 3, a 0.4
 * dropout after the dense layer); all with kernels 7 then 3, 96 filters and
 * a 512-unit dense layer.
 */
export const TROUSERS_JEANS_COMBINED: Record<
  TrousersJeansVariant,
  StudyModelSpec
> = {
  All: STUDY_000_BEST["Trousers & Jeans"].All,
  All_L2: {
    name: "Trousers&Jeans_All_L2",
    options: { ...STUDY_000_BEST["Trousers & Jeans"].All.options, l2: 1e-5 },
    learningRate: WIDE_DENSE_LEARNING_RATE,
  },
  All_Dropout: {
    name: "Trousers&Jeans_All_Dropout",
    options: {
      ...STUDY_000_BEST["Trousers & Jeans"].All.options,
      architecture: "dense-dropout",
      dropout: 0.4,
    },
    learningRate: WIDE_DENSE_LEARNING_RATE,
  },
};

/** The primary 3-class model as the study reports it: architecture 1, kernel 3, 64 filters. */
export const PRIMARY_BEST: StudyModelSpec = {
  name: "Primary_Classification",
  options: { architecture: "dense", kernelSize: 3, filters: 64 },
};
