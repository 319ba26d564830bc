/**
 * Trains one of study 000's (or 001's) models into a run record. Every model
 * trains through {@link trainStudyModel}, which records the run with the tags
 * `study`, `profile`, `model` (the study's name, e.g. `Trousers&Jeans_All_L2`)
 * and `level` (`Primary`, `All`, `Gender`, `Male`, `Female`), so notebook 08
 * can find and re-test every model. A spec's `augmentation` (the Shoes
 * models': the study's shoe-orientation flips) is applied to the training
 * batches, seeded from the run seed, and recorded in the run's parameters.
 *
 * @module
 */
import { buildStudyCnn } from "../../models/study_cnn.ts";
import {
  classifierRunId,
  type ClassifierRunResult,
  runClassifier,
} from "../../execute/classifier_run.ts";
import type { Profile } from "../../profiles.ts";
import { ModelLevel, StudyModelSpec } from "./specs.ts";
import { LevelData, ShopArraysSource, shopDatasetRef } from "./data.ts";
import type { LabContext } from "../../runs/lab_context.ts";
import { studyAugment } from "./shoe_orientation_augment.ts";

/** One model of study 000 / 001 to train into a run record. */
export interface StudyModelRun {
  /** Its name, architecture and learning rate. */
  spec: StudyModelSpec;
  /** The `level` tag. */
  level: ModelLevel;
  /** Its arrays. */
  data: LevelData;
  /** Where the arrays came from. */
  source: ShopArraysSource;
  /** Study id tag; default `000`. */
  study?: string;
  /** The category (`Trousers&Jeans`, `Shoes`), recorded as a tag; none for the primary model. */
  category?: string;
  /** Runs root (default `reports/runs`). */
  runsRoot?: string;
}

/**
 * The run parameters of a spec: its options plus a non-default learning
 * rate and its augmentation, if any.
 */
export function specParams(
  spec: StudyModelSpec,
): Record<string, string | number> {
  return {
    ...Object.fromEntries(
      Object.entries(spec.options).map(([k, v]) => [k, v as string | number]),
    ),
    ...(spec.learningRate === undefined
      ? {}
      : { learningRate: spec.learningRate }),
    ...(spec.augmentation === undefined
      ? {}
      : { augmentation: spec.augmentation }),
  };
}

/** The run id {@linkcode trainStudyModel} gives `spec` at `profile` and `seed`. */
export function studyModelRunId(
  spec: StudyModelSpec,
  profile: Profile,
  seed: number,
): string {
  return classifierRunId(spec.name, specParams(spec), profile, seed);
}

/**
 * Trains (or reuses) one model with `runClassifier`, its run tagged with
 * `model`, `level` (and `category`), its training batches augmented as its
 * spec says.
 */
export async function trainStudyModel(
  context: LabContext,
  run: StudyModelRun,
): Promise<ClassifierRunResult> {
  const { spec, data } = run;
  const classes = data.classNames.length;
  const result = await runClassifier({
    name: spec.name,
    study: run.study ?? "000",
    build: (seed) => buildStudyCnn({ ...spec.options, classes, seed }),
    params: specParams(spec),
    data,
    dataset: shopDatasetRef(run.source),
    standIn: run.source.standIn,
    profile: context.profile,
    seed: context.seed,
    backend: context.backend,
    compile: spec.learningRate === undefined
      ? undefined
      : { learningRate: spec.learningRate },
    augment: spec.augmentation === undefined
      ? undefined
      : studyAugment(spec.augmentation),
    runsRoot: run.runsRoot,
    tags: {
      model: spec.name,
      level: run.level,
      ...(run.category ? { category: run.category } : {}),
    },
  });
  return result;
}
