/**
 * Study 000's per-model hyperparameter searches for the Trousers & Jeans and
 * Shoes models (notebooks 05 and 06). The study chose each model's kernel
 * size(s), number of filters, dense size, L2 lambda and dropout rate by
 * search (TensorBoard HParams), and publishes only the chosen values, not
 * the grids. The grids here are **ours**: each dimension the study names
 * for the model, with the values the study's published settings use across
 * its models, so every published setting is one of the candidates:
 *
 * | models                              | architecture    | our grid                                                                             | candidates |
 * | ----------------------------------- | --------------- | ------------------------------------------------------------------------------------ | ---------- |
 * | Trousers & Jeans (all four levels)  | `dense-dense`   | kernel size 1 {3, 7} x kernel size 2 {3, 5} x filters {64, 96, 128} x dense {256, 512} | 24         |
 * | `Shoes_All_Dropout`                 | `dense-dropout` | kernel size {3, 5} x filters {64, 128} x dense {128, 256} x dropout {0.4}             | 8          |
 * | `Shoes_Gender_L2`, `_Male_`, `_Female_` | `dense`     | kernel size {3, 5} x filters {64, 128} x L2 {1e-5, 1e-4}                              | 8          |
 *
 * `Shoes_All_Dropout`'s dense size is not published; the faithful model uses
 * 128 (ours) and the search tries 128 and 256. Learning rates and the shoe
 * augmentation are the faithful models' (`specs.ts`).
 *
 * The profile sizes each search as it sizes the primary one
 * (`profileCandidates`: `smoke` trains the study's published setting only,
 * `course` it and two seeded others, `full` the whole grid by successive
 * halving); the winner by validation accuracy is tested once. The faithful
 * models of `category_models.ts` stay the reproduction; a search's winner
 * is shown beside the study's published setting.
 *
 * @module
 */
import type { StudyCnnOptions } from "../../models/study_cnn.ts";
import type { Params, SearchSpace } from "../../train/search.ts";
import type { LabContext } from "../../runs/lab_context.ts";
import {
  type CategoryLevel,
  GENDERED_CATEGORIES,
  type GenderedCategory,
  STUDY_000_BEST,
  type StudyModelSpec,
} from "./specs.ts";
import { loadLevel, type ShopArraysSource } from "./data.ts";
import {
  type LevelSearch,
  levelSearch,
  type LevelSearchResult,
  profileCandidates,
} from "./search.ts";

/** One model's search: the grid (ours), the shared architecture and the study's published setting. */
export interface ModelSearchSpec {
  level: CategoryLevel;
  /** The faithful model (its name, architecture, learning rate, augmentation). */
  spec: StudyModelSpec;
  /** The search's name: the model's name with `_Search`. */
  name: string;
  /** Our grid over the dimensions the study names for this model. */
  space: SearchSpace;
  /** The study's published setting, the search's first candidate. */
  published: Params;
  /** Dimensions of `published` the study does not give (the faithful model's values are ours). */
  unpublished: string[];
}

const TROUSERS_JEANS_SPACE: SearchSpace = {
  kernelSize: [3, 7],
  kernelSize2: [3, 5],
  filters: [64, 96, 128],
  denseSize: [256, 512],
};

const SHOES_DROPOUT_SPACE: SearchSpace = {
  kernelSize: [3, 5],
  filters: [64, 128],
  denseSize: [128, 256],
  dropout: [0.4],
};

const SHOES_L2_SPACE: SearchSpace = {
  kernelSize: [3, 5],
  filters: [64, 128],
  l2: [1e-5, 1e-4],
};

const LABELS: Record<string, string> = {
  kernelSize: "kernel",
  kernelSize2: "kernel 2",
  filters: "filters",
  denseSize: "dense",
  l2: "L2",
  dropout: "dropout",
};

/**
 * A setting as `kernel 3, filters 64, L2 1e-4` over the dimensions `keys`,
 * each of `ours` marked `(ours)`.
 */
export function formatSetting(
  keys: string[],
  params: Params,
  ours: string[] = [],
): string {
  return keys.map((key) => {
    const value = params[key];
    const shown = typeof value === "number" && value > 0 && value < 0.01
      ? value.toExponential()
      : String(value);
    return `${LABELS[key] ?? key} ${shown}${
      ours.includes(key) ? " (ours)" : ""
    }`;
  }).join(", ");
}

/**
 * The faithful model's values of the space's dimensions, and which of them
 * the study does not publish (the dense size of a model without one: the
 * builder's 128).
 */
function publishedSetting(
  space: SearchSpace,
  spec: StudyModelSpec,
): { published: Params; unpublished: string[] } {
  const options: Partial<StudyCnnOptions> = spec.options;
  const unpublished: string[] = [];
  const published = Object.fromEntries(
    Object.keys(space).map((key) => {
      const k = key as keyof StudyCnnOptions;
      if (options[k] !== undefined) return [key, options[k]];
      if (k === "kernelSize2") return [key, options.kernelSize];
      unpublished.push(key);
      return [key, k === "denseSize" ? 128 : space[key][0]];
    }),
  ) as Params;
  return { published, unpublished };
}

/** The per-model searches of a category, in the order the notebook runs them. */
export function modelSearchSpecs(
  category: GenderedCategory,
): ModelSearchSpec[] {
  return (["All", "Gender", "Male", "Female"] as const).map((level) => {
    const spec = STUDY_000_BEST[category][level];
    const space = category === "Trousers & Jeans"
      ? TROUSERS_JEANS_SPACE
      : level === "All"
      ? SHOES_DROPOUT_SPACE
      : SHOES_L2_SPACE;
    return {
      level,
      spec,
      name: `${spec.name}_Search`,
      space,
      ...publishedSetting(space, spec),
    };
  });
}

/** A {@linkcode LevelSearch} of one model's grid (see the module notes). */
export function modelSearch(
  category: GenderedCategory,
  search: ModelSearchSpec,
): LevelSearch {
  return levelSearch(
    (source, context) =>
      loadLevel(source, category, search.level, context.profile, context.seed),
    (context) => ({
      name: search.name,
      study: "000",
      level: search.level,
      category: GENDERED_CATEGORIES[category],
      candidates: profileCandidates(
        search.space,
        context.profile,
        context.seed,
        search.published,
      ),
      base: { architecture: search.spec.options.architecture },
      learningRate: search.spec.learningRate,
      augmentation: search.spec.augmentation,
      tags: {
        grid: "ours",
        studySetting: formatSetting(
          Object.keys(search.space),
          search.published,
        ),
      },
    }),
  );
}

/** One model's search with its result. */
export interface ModelSearchRun extends ModelSearchSpec {
  result: LevelSearchResult;
}

/**
 * Runs (or reuses) the per-model searches of a category: every trial and
 * each winner's test into run records tagged study `000`, the model's
 * level and category, `kind: search`.
 */
export async function runModelSearches(
  context: LabContext,
  source: ShopArraysSource,
  category: GenderedCategory,
  runsRoot?: string,
): Promise<ModelSearchRun[]> {
  const out: ModelSearchRun[] = [];
  for (const search of modelSearchSpecs(category)) {
    const result = await modelSearch(category, search)(
      context,
      source,
      runsRoot,
    );
    out.push({ ...search, result });
  }
  return out;
}
