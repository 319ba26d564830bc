/**
 * Training a category's models (notebooks 05 and 06): the combined model(s)
 * of Trousers&Jeans or Shoes, then the hierarchical chain (gender, then the
 * type model of each gender), each into its own run record.
 *
 * @module
 */

import type { ClassifierRunResult } from "../../execute/classifier_run.ts";
import {
  type CategoryLevel,
  GENDERED_CATEGORIES,
  type GenderedCategory,
  type StudyModelSpec,
} from "./specs.ts";
import { type LevelData, loadLevel, type ShopArraysSource } from "./data.ts";
import { trainStudyModel } from "./train.ts";
import { categoryModels } from "./catalog.ts";
import type { LabContext } from "../../runs/lab_context.ts";

/** A trained model of a category with its data's class names. */
export interface CategoryModelRun {
  level: CategoryLevel;
  spec: StudyModelSpec;
  run: ClassifierRunResult;
}

/**
 * Trains (or reuses) every model of a category (see {@link categoryModels}),
 * each into a run record tagged `study`, `profile`, `model`, `level`,
 * `category`.
 */
export async function trainCategoryModels(
  context: LabContext,
  source: ShopArraysSource,
  category: GenderedCategory,
  runsRoot?: string,
): Promise<CategoryModelRun[]> {
  const data = new Map<CategoryLevel, LevelData>();
  const out: CategoryModelRun[] = [];
  for (const { level, spec } of categoryModels(category)) {
    if (!data.has(level)) {
      data.set(
        level,
        await loadLevel(
          source,
          category,
          level,
          context.profile,
          context.seed,
        ),
      );
    }
    const run = await trainStudyModel(context, {
      spec,
      level,
      data: data.get(level)!,
      source,
      category: GENDERED_CATEGORIES[category],
      runsRoot,
    });
    out.push({ level, spec, run });
  }
  return out;
}
