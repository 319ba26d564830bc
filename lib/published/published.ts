/**
 * The studies' published numbers, the first column of every comparison in
 * the report, each with where it was found in the study text
 * (`../shared/studies/`, files {@linkcode STUDY_FILES}): its section
 * (`source`) and the line that states it (`line`). Every number is stored
 * once, here: the studies, their notebooks and the report read it from this
 * module.
 *
 * @module
 */

/** One published figure. */
export interface PublishedNumber {
  /** Study id, e.g. `000`. */
  study: string;
  /** The model as the study names it. */
  model: string;
  /** What was measured. */
  metric:
    | "test accuracy"
    | "validation accuracy"
    | "points"
    | "average accuracy";
  /** The value (accuracies as fractions). */
  value: number;
  /** Where in the study text. */
  source: string;
  /**
   * The line of the study's file ({@linkcode STUDY_FILES}) that states the
   * value, counted from 1.
   */
  line: number;
  /** Test images behind the value, where the study says. */
  n?: number;
  /** The study's own 95% interval, where it gives one (study 002: t-based, on validation). */
  interval?: { low: number; high: number; of: string };
  /**
   * The line of the study's file that states `interval`, counted from 1,
   * where the interval is given on another line than the value.
   */
  intervalLine?: number;
  /**
   * Tags our runs of this model carry, when their names differ from the
   * study's (study 002's VGG16 rows are our MobileNetV2 runs of the same
   * set-up). Without it a run matches by its `model` tag or its name.
   */
  ours?: Record<string, string>;
}

/** A model's validation and test accuracy, both stated on `line`. */
const acc = (
  study: string,
  model: string,
  validation: number,
  test: number,
  line: number,
): PublishedNumber[] => [
  {
    study,
    model,
    metric: "validation accuracy",
    value: validation,
    source: "Results · Accuracy",
    line,
  },
  {
    study,
    model,
    metric: "test accuracy",
    value: test,
    source: "Results · Accuracy",
    line,
  },
];

/** Study 002's train / validation split schemes. */
export const SPLIT_SCHEMES = ["80/20", "50/50"] as const;

/** `80/20` or `50/50`. */
export type SplitScheme = typeof SPLIT_SCHEMES[number];

/** Study 002's two models. */
export const STUDY_002_MODELS = ["baseline", "mobilenetv2"] as const;

/** `baseline` (CNN from scratch) or `mobilenetv2` (pretrained base + new head). */
export type Study002Model = typeof STUDY_002_MODELS[number];

/**
 * Study 002's set-ups that our runs follow: the basic CNN, and VGG16 v1, v2
 * and v3 (each on our pretrained base; the settings are in
 * `lib/studies/s002/settings.ts`).
 */
export const STUDY_002_SETUP_IDS = ["basic-cnn", "v1", "v2", "v3"] as const;

/** One of {@linkcode STUDY_002_SETUP_IDS}. */
export type Study002SetupId = typeof STUDY_002_SETUP_IDS[number];

/** One published result of study 002 (its "Final results table"). */
export interface Study002Published {
  /** The study's model name. */
  model: string;
  /** Midterm or final phase. */
  phase: "midterm" | "final";
  /** Its train/validation split. */
  split: SplitScheme;
  /** Test accuracy, when reported. */
  testAccuracy: number | null;
  /** The "accuracy range with 95% confidence" the study gives. */
  interval: { low: number; high: number };
  /** Which of our models follows it; `null`: none (no larger pretrained base). */
  ours: Study002Model | null;
  /** Our set-up with this row's settings; `null`: not run. */
  setup: Study002SetupId | null;
  /**
   * The tags of the runs the report sets beside this row. VGG16 v1 and v2
   * share model and split, so their set-up tells them apart; every 50/50
   * run of the pretrained model is one of v3's two swapped halves.
   */
  tags: Record<string, string> | null;
  /**
   * The line of the study's file that states `testAccuracy` (the table's
   * "Test Accuracy" row, `NA` where there is none), counted from 1.
   */
  line: number;
  /**
   * The line of the study's file that states `interval` (the table's
   * "accuracy range with 95% confidence" row), counted from 1.
   */
  intervalLine: number;
}

/** The study's results table. */
export const STUDY_002_PUBLISHED: readonly Study002Published[] = [
  {
    model: "Basic CNN",
    phase: "midterm",
    split: "80/20",
    testAccuracy: 0.30,
    interval: { low: 0.27, high: 0.33 },
    ours: "baseline",
    setup: "basic-cnn",
    tags: { model: "baseline", split: "80/20", setup: "basic-cnn" },
    line: 112,
    intervalLine: 111,
  },
  {
    model: "VGG16 v1",
    phase: "midterm",
    split: "80/20",
    testAccuracy: 0.76,
    interval: { low: 0.75, high: 0.78 },
    ours: "mobilenetv2",
    setup: "v1",
    tags: {
      model: "mobilenetv2",
      split: "80/20",
      setup: "v1",
      balance: "augment",
    },
    line: 112,
    intervalLine: 111,
  },
  {
    model: "VGG16 v2",
    phase: "final",
    split: "80/20",
    testAccuracy: 0.95,
    interval: { low: 0.85, high: 1 },
    ours: "mobilenetv2",
    setup: "v2",
    tags: {
      model: "mobilenetv2",
      split: "80/20",
      setup: "v2",
      balance: "augment",
    },
    line: 112,
    intervalLine: 111,
  },
  {
    model: "VGG16 v3",
    phase: "final",
    split: "50/50",
    testAccuracy: 0.85,
    interval: { low: 0.58, high: 0.91 },
    ours: "mobilenetv2",
    setup: "v3",
    tags: { model: "mobilenetv2", split: "50/50", setup: "v3" },
    line: 112,
    intervalLine: 111,
  },
  {
    model: "ResNet50",
    phase: "final",
    split: "80/20",
    testAccuracy: null,
    interval: { low: 0.57, high: 0.80 },
    ours: null,
    setup: null,
    tags: null,
    line: 112,
    intervalLine: 111,
  },
];

/** Study 002's results-table rows with a test accuracy, as comparison numbers. */
const study002Numbers = (): PublishedNumber[] =>
  STUDY_002_PUBLISHED.filter((row) => row.testAccuracy !== null).map((row) => ({
    study: "002",
    model: row.phase === "final" ? `${row.model} (${row.split})` : row.model,
    metric: "test accuracy",
    value: row.testAccuracy!,
    source: "results table, 'Test Accuracy' row; 600 test images (20%)",
    n: 600,
    interval: {
      low: row.interval.low,
      high: row.interval.high,
      of: "its range with 95% confidence, t-based",
    },
    ...(row.tags ? { ours: row.tags } : {}),
    line: row.line,
    intervalLine: row.intervalLine,
  }));

/** Every published number the report compares against. */
export const PUBLISHED: PublishedNumber[] = [
  ...acc("000", "Primary_Classification", 1.0, 0.9975, 16),
  ...acc("000", "Glasses&Sunglasses", 0.964, 0.956, 17),
  ...acc("000", "Shoes_All_Dropout", 0.762, 0.7512, 18),
  ...acc("000", "Shoes_Gender_L2", 0.835, 0.8223, 19),
  ...acc("000", "Shoes_Male_L2", 0.882, 0.8764, 20),
  ...acc("000", "Shoes_Female_L2", 0.899, 0.8528, 21),
  ...acc("000", "Trousers&Jeans_All", 0.774, 0.762, 22),
  ...acc("000", "Trousers&Jeans_All_L2", 0.748, 0.746, 23),
  ...acc("000", "Trousers&Jeans_All_Dropout", 0.722, 0.736, 24),
  ...acc("000", "Trousers&Jeans_Gender", 0.908, 0.906, 25),
  ...acc("000", "Trousers&Jeans_Male", 0.896, 0.872, 26),
  ...acc("000", "Trousers&Jeans_Female", 0.84, 0.86, 27),
  {
    study: "000",
    model: "Trousers&Jeans combined",
    metric: "points",
    value: 869,
    source: "Combined model vs Hierarchical model",
    line: 44,
  },
  {
    study: "000",
    model: "Trousers&Jeans hierarchical",
    metric: "points",
    value: 868,
    source: "Combined model vs Hierarchical model",
    line: 44,
  },
  {
    study: "000",
    model: "Shoes combined",
    metric: "points",
    value: 981,
    source: "Combined model vs Hierarchical model",
    line: 45,
  },
  {
    study: "000",
    model: "Shoes hierarchical",
    metric: "points",
    value: 991,
    source: "Combined model vs Hierarchical model",
    line: 45,
  },
  ...study002Numbers(),
  {
    study: "003",
    model: "final multi-output model, masterCategory",
    metric: "test accuracy",
    value: 0.992,
    source: "Project Overview",
    line: 32,
  },
  {
    study: "003",
    model: "final multi-output model, subCategory",
    metric: "test accuracy",
    value: 0.973,
    source: "Project Overview",
    line: 32,
  },
  {
    study: "003",
    model: "final multi-output model, gender",
    metric: "test accuracy",
    value: 0.921,
    source: "Project Overview",
    line: 32,
  },
  {
    study: "003",
    model: "final multi-output model",
    metric: "average accuracy",
    value: 0.962,
    source: "Project Overview",
    line: 32,
  },
  {
    study: "004",
    model: "Fashion-MNIST CNN",
    metric: "test accuracy",
    value: 0.89,
    source: "Performance Evaluation; the 10,000 official test images",
    line: 79,
    n: 10000,
  },
];

/**
 * One confusion-matrix cell a study quotes in its text: how many test
 * images of class `trueClass` the model gave to `predictedClass` (the
 * diagonal when both are the same), out of `n` images of `trueClass`.
 * Kept apart from {@linkcode PUBLISHED}: the report's comparisons take
 * accuracies and points, and these counts are compared in the study's
 * notebook instead.
 */
export interface PublishedConfusionCell {
  /** Study id, e.g. `004`. */
  study: string;
  /** The model as the study names it. */
  model: string;
  /** The true class, as our dataset names it (Fashion-MNIST's class names). */
  trueClass: string;
  /** The predicted class, as our dataset names it. */
  predictedClass: string;
  /** How the study writes the true class. */
  trueAs: string;
  /** How the study writes the predicted class. */
  predictedAs: string;
  /** Test images of `trueClass` given to `predictedClass`. */
  count: number;
  /** Test images of `trueClass` (the row's total). */
  n: number;
  /** Where in the study text. */
  source: string;
  /** The line of the study's file that states `count`, counted from 1. */
  line: number;
}

/**
 * The cells of study 004's confusion matrix its text quotes (section
 * "Performance Evaluation"): Shirt recall, Shirts taken for T-shirt/top,
 * Trouser and Bag recall, each out of the class's 1000 test images.
 */
export const STUDY_004_CONFUSION_CELLS: readonly PublishedConfusionCell[] = [
  {
    study: "004",
    model: "Fashion-MNIST CNN",
    trueClass: "Shirt",
    predictedClass: "Shirt",
    trueAs: "Shirt",
    predictedAs: "Shirt",
    count: 650,
    n: 1000,
    source: "Performance Evaluation",
    line: 72,
  },
  {
    study: "004",
    model: "Fashion-MNIST CNN",
    trueClass: "Shirt",
    predictedClass: "T-shirt/top",
    trueAs: "Shirt",
    predictedAs: "T-Shirt/Top",
    count: 158,
    n: 1000,
    source: "Performance Evaluation",
    line: 72,
  },
  {
    study: "004",
    model: "Fashion-MNIST CNN",
    trueClass: "Trouser",
    predictedClass: "Trouser",
    trueAs: "Trouser",
    predictedAs: "Trouser",
    count: 966,
    n: 1000,
    source: "Performance Evaluation",
    line: 75,
  },
  {
    study: "004",
    model: "Fashion-MNIST CNN",
    trueClass: "Bag",
    predictedClass: "Bag",
    trueAs: "Bag",
    predictedAs: "Bag",
    count: 966,
    n: 1000,
    source: "Performance Evaluation",
    line: 76,
  },
];

/**
 * Each study's write-up, by study id: the file, in the studies folder
 * (`../shared/studies/` beside the repository, or `$FASHION_STUDIES`),
 * whose lines `line` and `intervalLine` count.
 */
export const STUDY_FILES: Record<string, string> = {
  "000": "000_5ba39e152207de9d.txt",
  "001": "001_b77aaac72c1c95b4.txt",
  "002": "002_25f10913abae18c5.txt",
  "003": "003_5064fbb10f297324.txt",
  "004": "004_f6479cd675b21133.txt",
};

/** The studies, as the report titles them. */
export const STUDY_TITLES: Record<string, string> = {
  "000": "Fashion shop: main categories, then gender and type",
  "001": "Fashion shop, second team (labels such as Shoes-Female-Sandals)",
  "002": "Dress / pullover / shirt: CNN from scratch vs transfer learning",
  "003": "Multi-output network (masterCategory, subCategory, gender)",
  "004": "Fashion-MNIST CNN",
};

/**
 * The published value of one study's model and metric; throws when the
 * study has no such number (a typo in a name should not pass quietly).
 *
 * @example
 * ```ts
 * publishedValue("004", "Fashion-MNIST CNN", "test accuracy"); // 0.89
 * ```
 */
export function publishedValue(
  study: string,
  model: string,
  metric: PublishedNumber["metric"],
): number {
  const found = PUBLISHED.find((p) =>
    p.study === study && p.model === model && p.metric === metric
  );
  if (!found) {
    throw new Error(
      `No published ${metric} of "${model}" in study ${study} (lib/published/published.ts)`,
    );
  }
  return found.value;
}
