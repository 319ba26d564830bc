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
import {
  replicateSeeds,
  type SeedSpread,
  seedSpread,
} from "../../eval/seed_spread.ts";

/** A trained model of a category with its data's class names. */
export interface CategoryModelRun {
  level: CategoryLevel;
  spec: StudyModelSpec;
  /** The run with the context's seed. */
  run: ClassifierRunResult;
  /** The same model with each of the profile's `seedReplicates` seeds (`run` first). */
  seedRuns: ClassifierRunResult[];
  /** Their test accuracies' spread. */
  seeds: SeedSpread;
}

/**
 * Trains (or reuses) every model of a category (see {@link categoryModels}),
 * each into a run record tagged `study`, `profile`, `model`, `level`,
 * `category`, with each of the profile's `seedReplicates` seeds (the
 * context's seed first; the splits stay those of the context's seed).
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
    const seedRuns: ClassifierRunResult[] = [];
    for (
      const seed of replicateSeeds(context.seed, context.profile.seedReplicates)
    ) {
      seedRuns.push(
        await trainStudyModel({ ...context, seed }, {
          spec,
          level,
          data: data.get(level)!,
          source,
          category: GENDERED_CATEGORIES[category],
          runsRoot,
        }),
      );
    }
    out.push({
      level,
      spec,
      run: seedRuns[0],
      seedRuns,
      seeds: seedSpread(seedRuns.map((r) => r.metrics.accuracy)),
    });
  }
  return out;
}
