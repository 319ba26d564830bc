/**
 * Study 000's (and 001's) models as a catalog: which notebook trains each,
 * how its data is loaded, the study's published test accuracy, and the
 * training of a category's models (notebooks 05 and 06). Notebook 08 uses
 * the catalog to find each model's run record and test the saved model on
 * its held-out test set again, without training.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { getProfile, type Profile } from "../../profiles.ts";
import { loadModel } from "../../models/model_files.ts";
import { predictClasses } from "../../train/predict.ts";
import { PUBLISHED } from "../../published/published.ts";
import { formatPercent as percent } from "../../eval/format.ts";
import {
  DEFAULT_RUNS_ROOT,
  readHeadPredictions,
  type RunJson,
} from "../../runs/record.ts";
import { readRunFolders } from "../../runs/run_index.ts";
import {
  type ClassifierMetrics,
  classifierMetrics,
  type ClassifierRunResult,
  toTensors,
} from "../../execute/classifier_run.ts";
import {
  type CategoryLevel,
  GENDERED_CATEGORIES,
  type GenderedCategory,
  type LevelData,
  loadLevel,
  loadPrimary,
  type ModelLevel,
  PRIMARY_BEST,
  type ShopArraysSource,
  STUDY_000_BEST,
  type StudyModelSpec,
  type StudyRunContext,
  trainStudyModel,
  TROUSERS_JEANS_COMBINED,
} from "./study000.ts";
import { loadShoes001, STUDY_001_SHOES_MODEL } from "../s001/shoes_grid.ts";

/** One model of the catalog. */
export interface CatalogEntry {
  /** Study id, `000` or `001`. */
  study: "000" | "001";
  /** The `model` tag, e.g. `Trousers&Jeans_All_L2`. */
  model: string;
  /** The `level` tag. */
  level: ModelLevel;
  /** The notebook that trains it. */
  notebook: string;
  /** Whether its record is a search (the model is in the `<model> test` run). */
  search: boolean;
  /** Loads its train / validation / test arrays at a profile. */
  load(
    source: ShopArraysSource,
    profile: Profile,
    seed: number,
  ): Promise<LevelData>;
}

const levelEntry = (
  category: GenderedCategory,
  level: CategoryLevel,
  spec: StudyModelSpec,
  notebook: string,
): CatalogEntry => ({
  study: "000",
  model: spec.name,
  level,
  notebook,
  search: false,
  load: (source, profile, seed) =>
    loadLevel(source, category, level, profile, seed),
});

/** Every model of studies 000 and 001 that the notebooks train (Glasses&Sunglasses aside). */
export const MODEL_CATALOG: CatalogEntry[] = [
  {
    study: "000",
    model: PRIMARY_BEST.name,
    level: "Primary",
    notebook: "03_primary_classification",
    search: true,
    load: loadPrimary,
  },
  ...Object.values(TROUSERS_JEANS_COMBINED).map((spec) =>
    levelEntry("Trousers & Jeans", "All", spec, "05_trousers_jeans")
  ),
  ...(["Gender", "Male", "Female"] as const).map((level) =>
    levelEntry(
      "Trousers & Jeans",
      level,
      STUDY_000_BEST["Trousers & Jeans"][level],
      "05_trousers_jeans",
    )
  ),
  ...(["All", "Gender", "Male", "Female"] as const).map((level) =>
    levelEntry("Shoes", level, STUDY_000_BEST.Shoes[level], "06_shoes")
  ),
  {
    study: "001",
    model: STUDY_001_SHOES_MODEL,
    level: "All",
    notebook: "06_shoes",
    search: true,
    load: (source, profile, seed) => loadShoes001(source, { profile, seed }),
  },
];

/** The study's published test accuracy of a model, if it has one. */
export function publishedTestAccuracy(
  study: string,
  model: string,
): number | undefined {
  return PUBLISHED.find((p) =>
    p.study === study && p.model === model && p.metric === "test accuracy"
  )?.value;
}

/** The models of a category a notebook trains: the combined one(s), then the chain. */
export function categoryModels(
  category: GenderedCategory,
): { level: CategoryLevel; spec: StudyModelSpec }[] {
  const combined = category === "Trousers & Jeans"
    ? Object.values(TROUSERS_JEANS_COMBINED).map((spec) => ({
      level: "All" as const,
      spec,
    }))
    : [{ level: "All" as const, spec: STUDY_000_BEST[category].All }];
  return [
    ...combined,
    ...(["Gender", "Male", "Female"] as const).map((level) => ({
      level,
      spec: STUDY_000_BEST[category][level],
    })),
  ];
}

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
  context: StudyRunContext,
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

/** Complete run records under `root`. */
export async function completeRuns(
  root = DEFAULT_RUNS_ROOT,
): Promise<{ dir: string; run: RunJson }[]> {
  const out: { dir: string; run: RunJson }[] = [];
  for (const { dir, run } of await readRunFolders(root)) {
    if (run?.status === "complete") out.push({ dir, run });
  }
  return out.sort((a, b) => a.run.id < b.run.id ? -1 : 1);
}

/**
 * The run holding a catalog model's final weights at a profile: tagged with
 * its study, model and profile, with a saved model (a search's `test` run,
 * not its trials); the latest when there are several.
 */
export function findModelRun(
  runs: { dir: string; run: RunJson }[],
  entry: CatalogEntry,
  profile: string,
): { dir: string; run: RunJson } | undefined {
  const matching = runs.filter(({ run }) =>
    run.tags?.study === entry.study &&
    run.tags?.model === entry.model &&
    run.tags?.profile === profile &&
    run.files.includes("model/model.json") &&
    (entry.search ? run.name === `${entry.model} test` : true)
  );
  return matching.sort((a, b) =>
    (a.run.finishedAt ?? "") < (b.run.finishedAt ?? "") ? -1 : 1
  ).at(-1);
}

/** One row of notebook 08's table. */
export interface ModelTestRow {
  study: string;
  model: string;
  level: ModelLevel;
  notebook: string;
  /** The run re-tested, or undefined when the model has not been trained at this profile. */
  runId?: string;
  /** Metrics of the re-test on the held-out test set (the validation accuracy is the training run's). */
  metrics?: ClassifierMetrics;
  /** Test images whose re-test prediction equals the prediction recorded by the training run. */
  agreeing?: number;
  /** The study's published test accuracy. */
  published?: number;
}

/**
 * Tests every catalog model that has a run at `profile` on its held-out
 * test set: loads the saved model, rebuilds the test split from the data
 * source with the run's profile and seed, predicts, and computes the
 * metrics; never trains. Models without a run are listed with the notebook
 * that makes them.
 */
export async function testAllModels(
  source: ShopArraysSource,
  profile: Profile,
  runsRoot = DEFAULT_RUNS_ROOT,
): Promise<ModelTestRow[]> {
  const runs = await completeRuns(runsRoot);
  const rows: ModelTestRow[] = [];
  for (const entry of MODEL_CATALOG) {
    const row: ModelTestRow = {
      study: entry.study,
      model: entry.model,
      level: entry.level,
      notebook: entry.notebook,
      published: publishedTestAccuracy(entry.study, entry.model),
    };
    rows.push(row);
    const found = findModelRun(runs, entry, profile.name);
    if (!found) continue;
    const data = await entry.load(
      source,
      getProfile(found.run.tags?.profile ?? profile.name),
      found.run.seed,
    );
    const recorded = await readHeadPredictions(found.dir);
    if (
      JSON.stringify(recorded.classNames) !== JSON.stringify(data.classNames)
    ) {
      throw new Error(
        `${found.run.id}: recorded classes ${recorded.classNames} differ from the data's ${data.classNames}; was the data converted again?`,
      );
    }
    const model = await loadModel(join(found.dir, "model"));
    const { x, y } = toTensors(data.test, data.classNames.length);
    try {
      const [predictions] = await predictClasses(model, x);
      const trueLabels = Array.from(data.test.labels);
      row.runId = found.run.id;
      const recordedMetrics = JSON.parse(
        await Deno.readTextFile(join(found.dir, "metrics.json")),
      ) as { validationAccuracy?: number | null; valAccuracy?: number };
      row.metrics = classifierMetrics(
        trueLabels,
        predictions.predicted,
        data.classNames,
        recordedMetrics.valAccuracy ?? recordedMetrics.validationAccuracy ??
          null,
      );
      row.agreeing = predictions.predicted.filter((p, i) =>
        p === recorded.predictedLabels[i]
      ).length;
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
  }
  return rows;
}

/** One model's result for {@link resultsTable}. */
export interface ResultRow {
  study: string;
  model: string;
  level: string;
  metrics?: ClassifierMetrics;
  runId?: string;
  /** What to show instead of numbers when there are none. */
  note?: string;
}

/**
 * A markdown table of models: test n, accuracy, 95% Wilson interval,
 * validation accuracy, the study's published test accuracy, and the run.
 */
export function resultsTable(rows: ResultRow[]): string {
  const header = [
    "study",
    "model",
    "level",
    "n",
    "test accuracy",
    "95% Wilson",
    "validation",
    "published test",
    "run",
  ];
  const line = (cells: (string | number)[]) =>
    `| ${cells.map((c) => String(c).replaceAll("|", "\\|")).join(" | ")} |`;
  return [
    line(header),
    line(header.map(() => "---")),
    ...rows.map((r) => {
      const m = r.metrics;
      return line([
        r.study,
        r.model,
        r.level,
        m ? m.n : "–",
        m ? `${percent(m.accuracy)} (${m.correct}/${m.n})` : r.note ?? "–",
        m ? `${percent(m.wilson95.low)}–${percent(m.wilson95.high)}` : "–",
        percent(m?.validationAccuracy),
        percent(publishedTestAccuracy(r.study, r.model), 2),
        r.runId ?? "–",
      ]);
    }),
  ].join("\n");
}
