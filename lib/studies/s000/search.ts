/**
 * Hyperparameter searches of studies 000 and 001 over the fashion-shop CNN
 * ({@link buildStudyCnn}), sized by the profile: `grid: "one"` trains one
 * candidate (the study's reported best where it is in the space), `"subset"`
 * that one plus seeded random others up to `maxTrials`, `"full"` the whole
 * grid. Every trial and the single test evaluation are run records (through
 * `runSearch`), tagged with `study`, `profile`, `model` and `level`; the
 * winner is chosen on validation accuracy only. The profile's `search`
 * says how the candidates are trained: each to the profile's epochs
 * (`exhaustive`: `smoke`, `course`) or by successive halving with epochs as
 * the budget (`halving`: `full`; short rungs, the best 1/η trained on);
 * {@link StudyCnnSearch.strategy} overrides it (e.g. the studies' plain grid
 * at `full`: `{ kind: "exhaustive" }`).
 *
 * @example
 * ```ts
 * const source = await shopArrays();
 * const result = await runPrimarySearch(lab, source);
 * result.best.params; result.testMetrics.accuracy;
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Profile } from "../../profiles.ts";
import { buildStudyCnn, type StudyCnnOptions } from "../../models/study_cnn.ts";
import { compileClassifier } from "../../train/compile.ts";
import { fit } from "../../train/fit.ts";
import { predictClasses } from "../../train/predict.ts";
import {
  gridSearch,
  type Params,
  randomSearch,
  type SearchSpace,
  type SearchStrategy,
  searchStrategy,
  validationAccuracy,
} from "../../train/search.ts";
import { runSearch, type SearchResult } from "../../execute/search_runs.ts";
import {
  type ClassifierMetrics,
  classifierMetrics,
} from "../../runs/classifier_metrics.ts";
import {
  profileFitOptions,
  splitSizes,
  toTensors,
} from "../../execute/classifier_run.ts";
import { arrayImages } from "../../execute/gallery.ts";
import { type SeedSpread, seedSpread } from "../../eval/seed_spread.ts";
import {
  type LevelData,
  loadPrimary,
  type ShopArraysSource,
  shopDatasetRef,
} from "./data.ts";
import {
  type ModelLevel,
  PRIMARY_BEST,
  WIDE_DENSE_LEARNING_RATE,
} from "./specs.ts";
import { backendRef, type LabContext } from "../../runs/lab_context.ts";
import {
  studyAugment,
  type StudyAugmentation,
} from "./shoe_orientation_augment.ts";

/**
 * The candidates a profile tries from `space`: one (`preferred`, default
 * the grid's first), a seeded subset of `profile.maxTrials` that starts with
 * `preferred`, or the whole grid (`full`, still capped by `maxTrials`).
 *
 * @throws when `preferred` is not a combination of `space`.
 */
export function profileCandidates(
  space: SearchSpace,
  profile: Pick<Profile, "grid" | "maxTrials">,
  seed: number,
  preferred?: Params,
): Params[] {
  const grid = gridSearch(space);
  const key = (p: Params) =>
    JSON.stringify(Object.keys(space).map((k) => p[k]));
  const first = preferred ?? grid[0];
  const match = grid.find((p) => key(p) === key(first));
  if (!match) {
    throw new Error(
      `The preferred candidate ${
        JSON.stringify(first)
      } is not in the search space ${JSON.stringify(space)}`,
    );
  }
  const limit = Math.max(1, Math.min(profile.maxTrials, grid.length));
  if (profile.grid === "one") return [match];
  if (profile.grid === "full") return grid.slice(0, limit);
  const others = randomSearch(space, grid.length, seed).filter((p) =>
    key(p) !== key(match)
  );
  return [match, ...others].slice(0, limit);
}

/** Everything a study CNN search needs. */
export interface StudyCnnSearch {
  /** The model's name (the `model` tag); trials are `<name> trial`, the test run `<name> test`. */
  name: string;
  /** Study id tag, `000` or `001`. */
  study: string;
  /** The `level` tag. */
  level: ModelLevel;
  /** The category tag, if any. */
  category?: string;
  /** The arrays. */
  data: LevelData;
  /** Where they came from. */
  source: ShopArraysSource;
  /** Candidates (e.g. from {@link profileCandidates}); their keys are {@link StudyCnnOptions}. */
  candidates: Params[];
  /** Options every candidate shares (the architecture). */
  base: Partial<StudyCnnOptions>;
  /** Adam's learning rate; default 1e-3. */
  learningRate?: number;
  /** Runs root (default `reports/runs`). */
  runsRoot?: string;
  /** Called with the test split just before the winner is evaluated on it (tests count calls). */
  onTest?: (params: Params) => void;
  /** How the candidates are trained; default the profile's (`searchStrategy(profile)`). */
  strategy?: SearchStrategy;
  /**
   * Training-time augmentation of every candidate (seeded from the run
   * seed), recorded in each trial's parameters as `augmentation`; none when
   * absent.
   */
  augmentation?: StudyAugmentation;
  /** More tags for every record of the search (e.g. `grid: "ours"`). */
  tags?: Record<string, string>;
  /**
   * Seeds the winner is trained and tested with in all (default 1); a
   * search whose winner stands beside a published number passes the
   * profile's `seedReplicates`.
   */
  winnerSeeds?: number;
}

/** What {@linkcode runStudyCnnSearch} returns. */
export type StudyCnnSearchResult = SearchResult<Params> & {
  /** The winner's test metrics (its own seed's), with its validation accuracy. */
  metrics: ClassifierMetrics;
  /** The test accuracy's spread over the winner's seeds (`winnerSeeds`); absent in a trial job. */
  seeds?: SeedSpread;
};

/**
 * Runs a search of study CNNs: each candidate trained at the profile's
 * epochs and batch size (under successive halving: to each rung's epochs,
 * capped at the profile's), with the search's augmentation if any,
 * validated every epoch (early stopping per the profile), the winner by
 * validation accuracy evaluated once on the test split into a run record
 * with the classifier metrics (accuracy, n, Wilson and t intervals,
 * confusion matrix, per-class report).
 */
export async function runStudyCnnSearch(
  context: LabContext,
  search: StudyCnnSearch,
): Promise<StudyCnnSearchResult> {
  const { data, profile } = { data: search.data, profile: context.profile };
  const classes = data.classNames.length;
  const result = await runSearch<Params>({
    name: search.name,
    seed: context.seed,
    candidates: search.candidates.map((c) => ({
      ...c,
      ...(search.base.architecture
        ? { architecture: search.base.architecture }
        : {}),
      ...(search.learningRate === undefined
        ? {}
        : { learningRate: search.learningRate }),
      ...(search.augmentation === undefined
        ? {}
        : { augmentation: search.augmentation }),
      epochs: profile.epochs,
      batchSize: profile.batchSize,
      profile: profile.name,
    })),
    strategy: search.strategy ?? searchStrategy(profile),
    winnerSeeds: search.winnerSeeds,
    root: search.runsRoot,
    info: {
      dataset: shopDatasetRef(search.source),
      splits: splitSizes(data),
      backend: backendRef(context.backend),
      tags: {
        study: search.study,
        profile: profile.name,
        model: search.name,
        level: search.level,
        kind: "search",
        ...search.tags,
        ...(search.category ? { category: search.category } : {}),
        ...(search.source.standIn ? { standIn: search.source.standIn } : {}),
      },
    },
    train: async (params, { seed, checkpointPath, epochs }) => {
      const options = cnnOptions(search.base, params);
      const model = buildStudyCnn({ ...options, classes, seed });
      compileClassifier(model, { learningRate: search.learningRate });
      const train = toTensors(data.train, classes);
      const validation = toTensors(data.validation, classes);
      try {
        const fitted = await fit(model, train, {
          ...profileFitOptions(profile, seed),
          // A halving rung's epochs; exhaustive searches train the profile's.
          epochs: epochs ?? profile.epochs,
          validation,
          checkpointPath,
          augment: search.augmentation === undefined
            ? undefined
            : studyAugment(search.augmentation),
        });
        return {
          model,
          history: fitted.history,
          valAccuracy: validationAccuracy(fitted),
        };
      } finally {
        tf.dispose([train.x, train.y, validation.x, validation.y]);
      }
    },
    test: async (model, params) => {
      search.onTest?.(params);
      const test = toTensors(data.test, classes);
      try {
        const [predictions] = await predictClasses(model, test.x);
        const trueLabels = Array.from(data.test.labels);
        const metrics = classifierMetrics(
          trueLabels,
          predictions.predicted,
          data.classNames,
          null,
        );
        return {
          predictions: {
            classNames: data.classNames,
            trueLabels,
            predictedLabels: predictions.predicted,
            probabilities: predictions.probabilities,
          },
          metrics: { ...metrics } as Record<string, unknown>,
          testImages: arrayImages(data.test),
        };
      } finally {
        tf.dispose([test.x, test.y]);
      }
    },
  });
  const metrics = {
    ...(result.testMetrics as unknown as ClassifierMetrics),
    validationAccuracy: result.best.valAccuracy,
  };
  // A trial job tests nothing.
  const seeds = result.seedTests.length
    ? seedSpread(result.seedTests.map((t) => t.testMetrics.accuracy as number))
    : undefined;
  return { ...result, metrics, seeds };
}

/** The study CNN options of a candidate (only the keys the builder knows). */
export function cnnOptions(
  base: Partial<StudyCnnOptions>,
  params: Params,
): Partial<StudyCnnOptions> {
  const options: Partial<StudyCnnOptions> = { ...base };
  for (
    const key of [
      "kernelSize",
      "kernelSize2",
      "filters",
      "denseSize",
      "l2",
      "dropout",
    ] as const
  ) {
    if (typeof params[key] === "number") options[key] = params[key] as number;
  }
  return options;
}

/**
 * The primary model's search space: study 000's own HParams dimensions for
 * it, kernel size {3, 5, 7} x number of filters {32, 64, 96, 128} (the
 * study publishes its best primary setting as `kernel_size` 3,
 * `kernel_num` 64; the values are those study 001 logged for the same
 * grid), on the study's primary architecture 1
 * (Conv-Pool-Conv-Pool-Flatten-Dense). Twelve candidates: every one is
 * searched at `full`.
 */
export const PRIMARY_SPACE: SearchSpace = {
  kernelSize: [3, 5, 7],
  filters: [32, 64, 96, 128],
};

/** The primary model's first candidate: the study's best setting (kernel size 3, 64 filters). */
export const PRIMARY_PREFERRED: Params = {
  kernelSize: PRIMARY_BEST.options.kernelSize!,
  filters: PRIMARY_BEST.options.filters!,
};

/** A study CNN search's result with the arrays it ran on. */
export type LevelSearchResult = StudyCnnSearchResult & {
  data: LevelData;
};

/**
 * A search of one model of the shop data: `(context, source, runsRoot?,
 * onTest?)` → the search's result with its arrays. `runsRoot` defaults to
 * `reports/runs`; `onTest` is called just before the winner is tested.
 */
export type LevelSearch = (
  context: LabContext,
  source: ShopArraysSource,
  runsRoot?: string,
  onTest?: (params: Params) => void,
) => Promise<LevelSearchResult>;

/**
 * A {@linkcode LevelSearch} that loads its arrays with `load` and runs
 * {@linkcode runStudyCnnSearch} on them with the settings `search` gives
 * for the context.
 */
export function levelSearch(
  load: (
    source: ShopArraysSource,
    context: LabContext,
  ) => Promise<LevelData>,
  search: (
    context: LabContext,
  ) => Omit<StudyCnnSearch, "data" | "source" | "runsRoot" | "onTest">,
): LevelSearch {
  return async (context, source, runsRoot, onTest) => {
    const data = await load(source, context);
    const result = await runStudyCnnSearch(context, {
      ...search(context),
      data,
      source,
      runsRoot,
      onTest,
    });
    return { ...result, data };
  };
}

/**
 * Study 000's primary 3-class model (main categories) with its
 * hyperparameter search: loads the task at the profile, runs the profile's
 * candidates of {@link PRIMARY_SPACE}, tests the winner once, then trains
 * and tests it with each of the profile's further seeds (`seedReplicates`).
 */
export const runPrimarySearch: LevelSearch = levelSearch(
  (source, context) => loadPrimary(source, context.profile, context.seed),
  (context) => ({
    name: PRIMARY_BEST.name,
    study: "000",
    level: "Primary",
    candidates: profileCandidates(
      PRIMARY_SPACE,
      context.profile,
      context.seed,
      PRIMARY_PREFERRED,
    ),
    base: { architecture: PRIMARY_BEST.options.architecture },
    learningRate: WIDE_DENSE_LEARNING_RATE,
    winnerSeeds: context.profile.seedReplicates,
  }),
);
