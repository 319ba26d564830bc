/**
 * Combined vs hierarchical classification (study 000), on tensors.
 *
 * - **Combined**: one model per main category predicts one flat label such
 *   as `Female-Sandals/Flip flops/Slippers` (gender and type together).
 * - **Hierarchical**: a gender model first, then the type model of the
 *   predicted gender.
 *
 * Either pipeline can start with the primary (main category) model, which
 * routes each image to its category's models; an image routed to the wrong
 * category gets a path in that category, as in the deployed system. Paths
 * print like study 001's labels: `Shoes-Female-Sandals/Flip flops/Slippers`.
 *
 * Scores: the study's point score (+1 when the gender is right, +1 when
 * the type is right; both only count when the main category is right,
 * since a mis-routed image gets no path in its true category), exact-path
 * accuracy (category, gender and type all right), per-level accuracy,
 * and McNemar's test between the two pipelines on exact-path correctness.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type McNemarResult, mcnemarTest } from "./mcnemar.ts";

/** A trained classifier: class names and an async batch prediction (N x C probabilities). */
export interface Classifier {
  /** Class names, in output order. */
  classNames: string[];
  /** Probabilities for each image, row-major N x classNames.length. */
  predict(images: tf.Tensor4D): Promise<Float32Array>;
}

/** Wraps a TF.js layers model (softmax output) as a {@linkcode Classifier}. */
export function modelClassifier(
  model: tf.LayersModel,
  classNames: string[],
): Classifier {
  return {
    classNames,
    predict: async (images) => {
      const output = model.predict(images) as tf.Tensor;
      const values = await output.data() as Float32Array;
      output.dispose();
      return values;
    },
  };
}

/** A label path: main category, gender (where the category has one), type. */
export interface LabelPath {
  category: string;
  gender: string | null;
  type: string;
}

/** `Shoes-Female-High heels`, or `Glasses&Sunglasses-Sunglasses` without gender. */
export function formatPath(path: LabelPath): string {
  return [path.category, path.gender, path.type].filter((p) => p !== null).join(
    "-",
  );
}

/** The models of one main category, for both pipelines. */
export interface CategoryModels {
  /** Combined model over `Gender-Type` labels (e.g. `Male-Jeans`). */
  combined?: Classifier;
  /** Gender model (`Male`, `Female`). */
  gender?: Classifier;
  /** Type model per gender. */
  typeByGender?: Record<string, Classifier>;
}

function argmaxRows(probabilities: Float32Array, classes: number): number[] {
  const n = probabilities.length / classes;
  if (!Number.isInteger(n)) {
    throw new Error(
      `Prediction of ${probabilities.length} values is not N x ${classes}`,
    );
  }
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (probabilities[i * classes + c] > probabilities[i * classes + best]) {
        best = c;
      }
    }
    return best;
  });
}

/** Predicted class names of `images` by `classifier`. */
export async function predictNames(
  classifier: Classifier,
  images: tf.Tensor4D,
): Promise<string[]> {
  if (images.shape[0] === 0) return [];
  const probabilities = await classifier.predict(images);
  return argmaxRows(probabilities, classifier.classNames.length).map((k) =>
    classifier.classNames[k]
  );
}

/** Runs `fn` on the rows of `images` whose `keys` equal each distinct key, and scatters the results back. */
async function routeBy<T>(
  images: tf.Tensor4D,
  keys: string[],
  fn: (key: string, subset: tf.Tensor4D) => Promise<T[]>,
): Promise<T[]> {
  const out = new Array<T>(keys.length);
  for (const key of [...new Set(keys)]) {
    const rows = keys.flatMap((k, i) => (k === key ? [i] : []));
    const index = tf.tensor1d(rows, "int32");
    const subset = tf.gather(images, index) as tf.Tensor4D;
    const results = await fn(key, subset);
    tf.dispose([index, subset]);
    rows.forEach((row, j) => (out[row] = results[j]));
  }
  return out;
}

/** Splits a combined label `Gender-Type` at its first `-`. */
export function splitCombinedLabel(
  label: string,
): { gender: string; type: string } {
  const cut = label.indexOf("-");
  if (cut <= 0) {
    throw new Error(`Combined label "${label}" is not of the form Gender-Type`);
  }
  return { gender: label.slice(0, cut), type: label.slice(cut + 1) };
}

/** Which pipeline to run. */
export type Approach = "combined" | "hierarchical";

/**
 * Labels `images` with full paths. With `primary`, each image goes to the
 * models of its predicted main category; without it, all images belong to
 * `category` (the study's comparison within Trousers&Jeans or Shoes).
 */
export async function predictPaths(
  images: tf.Tensor4D,
  options: {
    approach: Approach;
    models: Record<string, CategoryModels>;
    primary?: Classifier;
    category?: string;
  },
): Promise<LabelPath[]> {
  const n = images.shape[0];
  let categories: string[];
  if (options.primary) categories = await predictNames(options.primary, images);
  else if (options.category) categories = new Array(n).fill(options.category);
  else {throw new Error(
      "predictPaths needs a primary classifier or a fixed category",
    );}

  return await routeBy(images, categories, async (category, subset) => {
    const models = options.models[category];
    if (!models) throw new Error(`No models for main category "${category}"`);
    if (options.approach === "combined") {
      if (!models.combined) {
        throw new Error(`No combined model for "${category}"`);
      }
      return (await predictNames(models.combined, subset)).map((label) => ({
        category,
        ...splitCombinedLabel(label),
      }));
    }
    if (!models.gender || !models.typeByGender) {
      throw new Error(
        `No hierarchical models (gender, types by gender) for "${category}"`,
      );
    }
    const genders = await predictNames(models.gender, subset);
    return await routeBy(subset, genders, async (gender, ofGender) => {
      const typeModel = models.typeByGender![gender];
      if (!typeModel) {
        throw new Error(`No type model for ${category} / ${gender}`);
      }
      return (await predictNames(typeModel, ofGender)).map((type) => ({
        category,
        gender,
        type,
      }));
    });
  });
}

/** The study's scores of predicted paths against the truth. */
export interface PathScore {
  /** Images scored. */
  n: number;
  /** Study 000's points: +1 gender right, +1 type right (main category right). */
  points: number;
  /** Highest possible points (2 per image). */
  maxPoints: number;
  /** Fraction with category, gender and type all right. */
  exactPathAccuracy: number;
  /** Accuracy at each level. */
  perLevel: { category: number; gender: number; type: number };
  /** Per image: whole path right. */
  exactCorrect: boolean[];
}

/** Scores `predicted` paths against `truth` (same images, same order). */
export function scorePaths(
  truth: LabelPath[],
  predicted: LabelPath[],
): PathScore {
  if (truth.length !== predicted.length) {
    throw new Error(
      `Scoring ${predicted.length} predicted paths against ${truth.length} true ones`,
    );
  }
  let points = 0;
  const level = { category: 0, gender: 0, type: 0 };
  const exactCorrect = truth.map((t, i) => {
    const p = predicted[i];
    const category = t.category === p.category;
    const gender = category && t.gender === p.gender;
    const type = category && t.type === p.type;
    if (category) level.category++;
    if (gender) level.gender++;
    if (type) level.type++;
    points += (gender ? 1 : 0) + (type ? 1 : 0);
    return category && gender && type;
  });
  const n = truth.length;
  const rate = (k: number) => (n ? k / n : Number.NaN);
  return {
    n,
    points,
    maxPoints: 2 * n,
    exactPathAccuracy: rate(exactCorrect.filter(Boolean).length),
    perLevel: {
      category: rate(level.category),
      gender: rate(level.gender),
      type: rate(level.type),
    },
    exactCorrect,
  };
}

/** Combined vs hierarchical on the same images. */
export interface ApproachComparison {
  combined: PathScore;
  hierarchical: PathScore;
  /** McNemar on exact-path correctness; b = combined right and hierarchical wrong. */
  mcnemar: McNemarResult;
}

/** Scores both pipelines' paths and tests whether they differ. */
export function compareApproaches(
  truth: LabelPath[],
  combined: LabelPath[],
  hierarchical: LabelPath[],
): ApproachComparison {
  const c = scorePaths(truth, combined);
  const h = scorePaths(truth, hierarchical);
  return {
    combined: c,
    hierarchical: h,
    mcnemar: mcnemarTest(c.exactCorrect, h.exactCorrect),
  };
}
