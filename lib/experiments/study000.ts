/**
 * Study 000 (and 001's labels): Trousers&Jeans and Shoes classified by a
 * **combined** model (one flat `Gender-Type` label) and by a **hierarchical**
 * chain (gender, then the type model of that gender), each with the study's
 * best hyperparameters, then compared on the same test images with the
 * study's point score, exact-path accuracy and McNemar's test.
 *
 * Data: the fashion-shop authors' `.npz` files when the user has installed
 * them (`deno task data fashion-shop --from DIR`), else the real stand-in
 * converted from the product photos (`deno task convert --dataset
 * fashion-product-images`, run here on demand).
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { BackendChoice } from "../backend.ts";
import type { Profile } from "../profiles.ts";
import { createRng, shuffleInPlace } from "../random.ts";
import {
  datasetDir,
  rawDataRoot,
  readFingerprint,
} from "../data/fingerprint.ts";
import {
  fashionNpzName,
  readFashionNpz,
  type SplitTitle,
} from "../data/npz.ts";
import { convertDataset } from "../data/convert_dataset.ts";
import { buildStudyCnn, type StudyCnnOptions } from "../models/study_cnn.ts";
import { loadModel } from "../models/model_files.ts";
import {
  compareApproaches,
  type LabelPath,
  modelClassifier,
  predictPaths,
} from "../eval/hierarchy.ts";
import { RunRecord } from "../runs/record.ts";
import { rebuildRunIndex } from "../runs/run_index.ts";
import * as tf from "@tensorflow/tfjs";
import {
  type ClassifierRunResult,
  type LabelledArrays,
  runClassifier,
  toTensors,
} from "./classifier_run.ts";

/** The two categories with gender and type, as named in the authors' files and in the label tree. */
export const GENDERED_CATEGORIES = {
  "Trousers & Jeans": "Trousers&Jeans",
  "Shoes": "Shoes",
} as const;

/** A category as named in the authors' files. */
export type GenderedCategory = keyof typeof GENDERED_CATEGORIES;

/** Which model of a category: combined (`All`), gender, or the type model of one gender. */
export type CategoryLevel = "All" | "Gender" | "Male" | "Female";

/** Study 000's best hyperparameters per model (its "Best Hyperparameters" list). */
export const STUDY_000_BEST: Record<
  GenderedCategory,
  Record<CategoryLevel, { name: string; options: Partial<StudyCnnOptions> }>
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
    },
    Gender: {
      name: "Shoes_Gender_L2",
      options: { architecture: "dense", kernelSize: 5, filters: 64, l2: 1e-4 },
    },
    Male: {
      name: "Shoes_Male_L2",
      options: { architecture: "dense", kernelSize: 3, filters: 64, l2: 1e-4 },
    },
    Female: {
      name: "Shoes_Female_L2",
      options: { architecture: "dense", kernelSize: 5, filters: 64, l2: 1e-5 },
    },
  },
};

/** Where the `.npz` files come from, and what that means for the results. */
export interface ShopArraysSource {
  dir: string;
  datasetId: "fashion-shop" | "fashion-product-images";
  fingerprint: string;
  standIn: string | null;
}

/**
 * Finds the authors' arrays, or converts the product photos into the same
 * layout (once) and says they are a stand-in.
 */
export async function shopArrays(): Promise<ShopArraysSource> {
  const original = datasetDir("fashion-shop");
  if (
    await Deno.stat(join(original, fashionNpzName("Shoes", "All", "Train")))
      .then(() => true, () => false)
  ) {
    return {
      dir: original,
      datasetId: "fashion-shop",
      fingerprint: (await readFingerprint("fashion-shop")).sha256,
      standIn: null,
    };
  }
  const dir = join(
    dirname(rawDataRoot()),
    "processed",
    "fashion-product-images",
  );
  if (!await Deno.stat(join(dir, "split.json")).then(() => true, () => false)) {
    await convertDataset({
      dataset: "fashion-product-images",
      inDir: datasetDir("fashion-product-images"),
      outDir: dir,
    });
  }
  return {
    dir,
    datasetId: "fashion-product-images",
    fingerprint: (await readFingerprint("fashion-product-images")).sha256,
    standIn:
      "public product photos (fashion-product-images) mapped onto the fashion-shop label tree; " +
      "not the study's own photos",
  };
}

/** Arrays and class names of one model's task. */
export interface LevelData {
  train: LabelledArrays;
  validation: LabelledArrays;
  test: LabelledArrays;
  classNames: string[];
}

async function readSplit(
  source: ShopArraysSource,
  category: GenderedCategory,
  subset: string,
  split: SplitTitle,
) {
  return await readFashionNpz(
    join(source.dir, fashionNpzName(category, subset, split)),
  );
}

function labelFor(level: CategoryLevel, label: string, gender: string): string {
  if (level === "All") return `${gender}-${label}`;
  if (level === "Gender") return gender;
  return label;
}

/** Caps each class at `limit` images (seeded choice) and returns row indices. */
function capPerClass(
  labels: string[],
  limit: number | null,
  seed: number,
): number[] {
  const groups = new Map<string, number[]>();
  labels.forEach((l, i) => groups.set(l, [...(groups.get(l) ?? []), i]));
  const rng = createRng(seed);
  return [...groups.keys()].sort().flatMap((k) => {
    const rows = shuffleInPlace(groups.get(k)!, rng);
    return (limit === null ? rows : rows.slice(0, limit)).sort((a, b) => a - b);
  });
}

/** Loads one model's train / validation / test arrays at a profile. */
export async function loadLevel(
  source: ShopArraysSource,
  category: GenderedCategory,
  level: CategoryLevel,
  profile: Profile,
  seed: number,
): Promise<LevelData> {
  const subset = level === "All" || level === "Gender" ? "All" : level;
  const splits = await Promise.all(
    (["Train", "Validation", "Test"] as SplitTitle[]).map((s) =>
      readSplit(source, category, subset, s)
    ),
  );
  const labelled = splits.map((a) =>
    a.labels.map((l, i) => labelFor(level, String(l), String(a.genders[i])))
  );
  const classNames = [...new Set(labelled[0])].sort();
  const pick = (k: number, limit: number | null): LabelledArrays => {
    const a = splits[k];
    const rows = capPerClass(labelled[k], limit, seed + k).filter((i) =>
      classNames.includes(labelled[k][i])
    );
    const size = a.height * a.width * 3;
    const images = new Uint8Array(rows.length * size);
    rows.forEach((r, j) =>
      images.set(a.images.subarray(r * size, (r + 1) * size), j * size)
    );
    return {
      images,
      shape: [a.height, a.width, 3],
      labels: rows.map((r) => classNames.indexOf(labelled[k][r])),
    };
  };
  return {
    train: pick(0, profile.maxTrainPerClass),
    validation: pick(1, profile.maxEvalPerClass),
    test: pick(2, profile.maxEvalPerClass),
    classNames,
  };
}

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
  context: { profile: Profile; backend: BackendChoice; seed: number },
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
    const classes = data[level].classNames.length;
    runs[level] = await runClassifier({
      name: spec.name,
      study: "000",
      build: (seed) => buildStudyCnn({ ...spec.options, classes, seed }),
      params: Object.fromEntries(
        Object.entries(spec.options).map(([k, v]) => [k, v as string | number]),
      ),
      data: data[level],
      dataset: { id: source.datasetId, fingerprint: source.fingerprint },
      standIn: source.standIn,
      profile: context.profile,
      seed: context.seed,
      backend: context.backend,
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
    dataset: { id: source.datasetId, fingerprint: source.fingerprint },
    splits: { test: truth.length },
    backend: {
      name: context.backend.name,
      device: context.backend.device,
      packages: context.backend.packages,
    },
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
