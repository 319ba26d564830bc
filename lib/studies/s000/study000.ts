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
 * Every model trains through {@link trainStudyModel}, which records the run
 * with the tags `study`, `profile`, `model` (the study's name, e.g.
 * `Trousers&Jeans_All_L2`) and `level` (`Primary`, `All`, `Gender`, `Male`,
 * `Female`), so notebook 08 can find and re-test every model.
 *
 * Learning rate: the models with a wide hidden dense layer (Trousers&Jeans:
 * 256 or 512 units on 38k to 75k flattened features, 10M to 35M weights in
 * that one layer) train with Adam at 1e-4 instead of Keras' 1e-3. At 1e-3 the first updates drive the softmax into saturation (training
 * loss about 8 = 16.1 x the error rate, i.e. probabilities clipped at 1e-7),
 * the gradients vanish and the model predicts the majority class for good;
 * this happened at the course profile (4 epochs, 200 images per class). See
 * {@link STUDY_000_BEST} and notebook 05.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { MAIN_CATEGORIES, TAXONOMY } from "../../data/labels/taxonomy.ts";
import type { BackendChoice } from "../../backend.ts";
import type { Profile } from "../../profiles.ts";
import { createRng, shuffleInPlace } from "../../random.ts";
import {
  datasetDir,
  rawDataRoot,
  readFingerprint,
} from "../../data/acquire/fingerprint.ts";
import {
  type FashionArrays,
  fashionNpzName,
  readFashionNpz,
  type SplitTitle,
} from "../../data/formats/npz.ts";
import { convertDataset } from "../../data/images/convert_dataset.ts";
import { buildStudyCnn, type StudyCnnOptions } from "../../models/study_cnn.ts";
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
  type LabelledArrays,
  runClassifier,
  toTensors,
} from "../../execute/classifier_run.ts";

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
}

/** Adam's learning rate for models with a wide hidden dense layer (see the module docs). */
export const WIDE_DENSE_LEARNING_RATE = 1e-4;

/** Study 000's best hyperparameters per model (its "Best Hyperparameters" list). */
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

/**
 * Copies the chosen rows of an authors'-layout array set into labelled
 * arrays, in the order given, with each row's class index from `labelOf`.
 */
export function gatherRows(
  arrays: FashionArrays,
  rows: number[],
  labelOf: (row: number) => number,
): LabelledArrays {
  const size = arrays.height * arrays.width * 3;
  const images = new Uint8Array(rows.length * size);
  rows.forEach((r, j) =>
    images.set(arrays.images.subarray(r * size, (r + 1) * size), j * size)
  );
  return {
    images,
    shape: [arrays.height, arrays.width, 3],
    labels: rows.map(labelOf),
  };
}

/** Options of {@link loadLevel}. */
export interface LoadLevelOptions {
  /**
   * Study 001's flat labels for the combined level, with the category in
   * front (`Shoes-Female-High heels`); default false (`Female-High heels`).
   */
  categoryPrefix?: boolean;
}

/** Loads one model's train / validation / test arrays at a profile. */
export async function loadLevel(
  source: ShopArraysSource,
  category: GenderedCategory,
  level: CategoryLevel,
  profile: Profile,
  seed: number,
  options: LoadLevelOptions = {},
): Promise<LevelData> {
  const subset = level === "All" || level === "Gender" ? "All" : level;
  const splits = await Promise.all(
    (["Train", "Validation", "Test"] as SplitTitle[]).map((s) =>
      readSplit(source, category, subset, s)
    ),
  );
  const prefix = options.categoryPrefix && level === "All"
    ? `${GENDERED_CATEGORIES[category]}-`
    : "";
  const labelled = splits.map((a) =>
    a.labels.map((l, i) =>
      prefix + labelFor(level, String(l), String(a.genders[i]))
    )
  );
  return pickSplits(splits, labelled, profile, seed);
}

/**
 * Caps each split at the profile's images per class and gathers the rows:
 * class names come from the training split (sorted); validation and test
 * rows of other classes are left out.
 */
function pickSplits(
  splits: FashionArrays[],
  labelled: string[][],
  profile: Profile,
  seed: number,
): LevelData {
  const classNames = [...new Set(labelled[0])].sort();
  const pick = (k: number, limit: number | null): LabelledArrays => {
    const a = splits[k];
    const rows = capPerClass(labelled[k], limit, seed + k).filter((i) =>
      classNames.includes(labelled[k][i])
    );
    return gatherRows(a, rows, (r) => classNames.indexOf(labelled[k][r]));
  };
  return {
    train: pick(0, profile.maxTrainPerClass),
    validation: pick(1, profile.maxEvalPerClass),
    test: pick(2, profile.maxEvalPerClass),
    classNames,
  };
}

/** The authors' primary-category files: `Primary categories - <Split>.npz`. */
export function primaryNpzName(split: SplitTitle): string {
  return `Primary categories - ${split}.npz`;
}

/** The authors' integer codes of the primary files (catalog: 0 Glasses/Sunglasses, 1 Trousers/Jeans, 2 Shoes). */
const PRIMARY_CODES: Record<string, string> = {
  "0": "Glasses&Sunglasses",
  "1": "Trousers&Jeans",
  "2": "Shoes",
};

/**
 * Loads the primary 3-class task (`Glasses&Sunglasses`, `Shoes`,
 * `Trousers&Jeans`) at a profile: from the authors' `Primary categories`
 * files when the source has them, else assembled from each main category's
 * `All` files (every image labelled with its category), so the splits stay
 * the per-category splits and no image is in two of them.
 */
export async function loadPrimary(
  source: ShopArraysSource,
  profile: Profile,
  seed: number,
): Promise<LevelData> {
  const splitTitles: SplitTitle[] = ["Train", "Validation", "Test"];
  const authors = join(source.dir, primaryNpzName("Train"));
  if (await Deno.stat(authors).then(() => true, () => false)) {
    const splits = await Promise.all(
      splitTitles.map((s) =>
        readFashionNpz(join(source.dir, primaryNpzName(s)))
      ),
    );
    const labelled = splits.map((a) =>
      a.labels.map((l) => PRIMARY_CODES[String(l)] ?? String(l))
    );
    return pickSplits(splits, labelled, profile, seed);
  }
  const splits: FashionArrays[] = [];
  const labelled: string[][] = [];
  for (const split of splitTitles) {
    const parts = await Promise.all(
      MAIN_CATEGORIES.map((c) =>
        readFashionNpz(
          join(source.dir, fashionNpzName(TAXONOMY[c].fileName, "All", split)),
        )
      ),
    );
    splits.push(concatArrays(parts));
    labelled.push(
      parts.flatMap((p, k) => p.labels.map(() => MAIN_CATEGORIES[k])),
    );
  }
  return pickSplits(splits, labelled, profile, seed);
}

function concatArrays(parts: FashionArrays[]): FashionArrays {
  const { height, width } = parts[0];
  const images = new Uint8Array(parts.reduce((n, p) => n + p.images.length, 0));
  let offset = 0;
  for (const p of parts) {
    if (p.height !== height || p.width !== width) {
      throw new Error(
        `cannot stack ${p.width}x${p.height} images with ${width}x${height} ones`,
      );
    }
    images.set(p.images, offset);
    offset += p.images.length;
  }
  return {
    images,
    count: parts.reduce((n, p) => n + p.count, 0),
    height,
    width,
    labels: parts.flatMap((p) => p.labels),
    genders: parts.flatMap((p) => p.genders),
  };
}

/** What {@link trainStudyModel} needs besides the data. */
export interface StudyRunContext {
  profile: Profile;
  backend: BackendChoice;
  seed: number;
}

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

/** The run parameters of a spec: its options plus a non-default learning rate. */
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
  };
}

/**
 * Trains (or reuses) one model with `runClassifier`, its run tagged with
 * `model`, `level` (and `category`).
 */
export async function trainStudyModel(
  context: StudyRunContext,
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
    dataset: { id: run.source.datasetId, fingerprint: run.source.fingerprint },
    standIn: run.source.standIn,
    profile: context.profile,
    seed: context.seed,
    backend: context.backend,
    compile: spec.learningRate === undefined
      ? undefined
      : { learningRate: spec.learningRate },
    runsRoot: run.runsRoot,
    tags: {
      model: spec.name,
      level: run.level,
      ...(run.category ? { category: run.category } : {}),
    },
  });
  return result;
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
  context: StudyRunContext,
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
