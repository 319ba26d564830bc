/**
 * Study 000's comparison: Trousers&Jeans and Shoes classified by a
 * **combined** model (one flat `Gender-Type` label) and by a **hierarchical**
 * chain (gender, then the type model of that gender), each with the study's
 * best hyperparameters, then scored on the same test images with the study's
 * point score (+1 gender right, +1 type right), exact-path accuracy and
 * McNemar's test; the comparison is recorded as its own run.
 *
 * @module
 */
import { join } from "node:path";
import { loadModel } from "../../models/model_files.ts";
import {
  compareApproaches,
  type LabelPath,
  modelClassifier,
  predictPaths,
} from "../../eval/hierarchy.ts";
import { RunRecord } from "../../runs/record.ts";
import { rebuildRunIndex } from "../../runs/run_index.ts";
import * as tf from "@tensorflow/tfjs";
import {
  type ClassifierRunResult,
  toTensors,
} from "../../execute/classifier_run.ts";
import {
  CategoryLevel,
  GENDERED_CATEGORIES,
  GenderedCategory,
  STUDY_000_BEST,
} from "./specs.ts";
import { LevelData, loadLevel, shopArrays, shopDatasetRef } from "./data.ts";
import { trainStudyModel } from "./train.ts";
import { backendRef, type LabContext } from "../../runs/lab_context.ts";

/** The four models of a category and the comparison of both approaches. */
export interface CategoryComparison {
  category: GenderedCategory;
  runs: Record<CategoryLevel, ClassifierRunResult>;
  comparisonRunId: string;
  comparison: ReturnType<typeof compareApproaches>;
  standIn: string | null;
}

/**
 * Trains (or reuses) the combined model and the hierarchical chain of one
 * category, then scores both on the same test images (the combined model's
 * test split) and records the comparison as its own run.
 */
export async function compareCombinedAndHierarchical(
  context: LabContext,
  category: GenderedCategory,
  runsRoot?: string,
): Promise<CategoryComparison> {
  const source = await shopArrays();
  const runs = {} as Record<CategoryLevel, ClassifierRunResult>;
  const data = {} as Record<CategoryLevel, LevelData>;
  for (const level of ["All", "Gender", "Male", "Female"] as CategoryLevel[]) {
    const spec = STUDY_000_BEST[category][level];
    data[level] = await loadLevel(
      source,
      category,
      level,
      context.profile,
      context.seed,
    );
    runs[level] = await trainStudyModel(context, {
      spec,
      level,
      data: data[level],
      source,
      category: GENDERED_CATEGORIES[category],
      runsRoot,
    });
  }
  const models = await Promise.all(
    (["All", "Gender", "Male", "Female"] as CategoryLevel[]).map((l) =>
      loadModel(join(runs[l].dir, "model"))
    ),
  );
  const [combined, gender, male, female] = models.map((m, i) =>
    modelClassifier(
      m,
      data[(["All", "Gender", "Male", "Female"] as CategoryLevel[])[i]]
        .classNames,
    )
  );
  const test = data.All.test;
  const treeCategory = GENDERED_CATEGORIES[category];
  const truth: LabelPath[] = Array.from(test.labels).map((k) => {
    const [g, ...type] = data.All.classNames[k].split("-");
    return { category: treeCategory, gender: g, type: type.join("-") };
  });
  const { x, y } = toTensors(test, data.All.classNames.length);
  const options = {
    models: {
      [treeCategory]: {
        combined,
        gender,
        typeByGender: { Male: male, Female: female },
      },
    },
    category: treeCategory,
  };
  const combinedPaths = await predictPaths(x, {
    ...options,
    approach: "combined",
  });
  const hierarchicalPaths = await predictPaths(x, {
    ...options,
    approach: "hierarchical",
  });
  tf.dispose([x, y]);
  models.forEach((m) => m.dispose());
  const comparison = compareApproaches(truth, combinedPaths, hierarchicalPaths);

  const run = await RunRecord.start({
    name: `${treeCategory} combined vs hierarchical`,
    params: Object.fromEntries(
      Object.entries(runs).map(([level, r]) => [level, r.runId]),
    ),
    seed: context.seed,
    dataset: shopDatasetRef(source),
    splits: { test: truth.length },
    backend: backendRef(context.backend),
    tags: {
      study: "000",
      profile: context.profile.name,
      kind: "comparison",
      ...(source.standIn ? { standIn: source.standIn } : {}),
    },
  }, { root: runsRoot, overwrite: true });
  await run.writeMetrics({
    combined: { ...comparison.combined, exactCorrect: undefined },
    hierarchical: { ...comparison.hierarchical, exactCorrect: undefined },
    mcnemar: comparison.mcnemar,
  });
  await run.writePredictions({
    heads: {
      combined: pathPredictions(truth, combinedPaths),
      hierarchical: pathPredictions(truth, hierarchicalPaths),
    },
  });
  await run.complete();
  await rebuildRunIndex(run.root);
  return {
    category,
    runs,
    comparisonRunId: run.id,
    comparison,
    standIn: source.standIn,
  };
}

/** Paths as flat `Gender-Type` predictions (one-hot rows: a chain yields no joint probability). */
function pathPredictions(truth: LabelPath[], predicted: LabelPath[]) {
  const key = (p: LabelPath) => `${p.gender}-${p.type}`;
  const names = [...new Set([...truth, ...predicted].map(key))].sort();
  const predictedLabels = predicted.map((p) => names.indexOf(key(p)));
  return {
    classNames: names,
    trueLabels: truth.map((p) => names.indexOf(key(p))),
    predictedLabels,
    probabilities: predictedLabels.map((k) =>
      names.map((_, j) => (j === k ? 1 : 0))
    ),
  };
}
