/**
 * The studies' published numbers, the first column of every comparison in
 * the report, each with where it was found in the study text
 * (`../shared/studies/`).
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
  /** Test images behind the value, where the study says. */
  n?: number;
  /** The study's own 95% interval, where it gives one (study 002: t-based, on validation). */
  interval?: { low: number; high: number; of: string };
  /**
   * Tags our runs of this model carry, when their names differ from the
   * study's (study 002's VGG16 rows are our MobileNetV2 runs at the same
   * split). Without it a run matches by its `model` tag or its name.
   */
  ours?: Record<string, string>;
}

const acc = (
  study: string,
  model: string,
  validation: number,
  test: number,
): PublishedNumber[] => [
  {
    study,
    model,
    metric: "validation accuracy",
    value: validation,
    source: "Results · Accuracy",
  },
  {
    study,
    model,
    metric: "test accuracy",
    value: test,
    source: "Results · Accuracy",
  },
];

const study002 = (
  model: string,
  value: number,
  low: number,
  high: number,
  ours: Record<string, string>,
): PublishedNumber => ({
  study: "002",
  model,
  metric: "test accuracy",
  value,
  source: "results table, 'Test Accuracy' row; 600 test images (20%)",
  n: 600,
  interval: { low, high, of: "its range with 95% confidence, t-based" },
  ours,
});

/** Every published number the report compares against. */
export const PUBLISHED: PublishedNumber[] = [
  ...acc("000", "Primary_Classification", 1.0, 0.9975),
  ...acc("000", "Glasses&Sunglasses", 0.964, 0.956),
  ...acc("000", "Shoes_All_Dropout", 0.762, 0.7512),
  ...acc("000", "Shoes_Gender_L2", 0.835, 0.8223),
  ...acc("000", "Shoes_Male_L2", 0.882, 0.8764),
  ...acc("000", "Shoes_Female_L2", 0.899, 0.8528),
  ...acc("000", "Trousers&Jeans_All", 0.774, 0.762),
  ...acc("000", "Trousers&Jeans_All_L2", 0.748, 0.746),
  ...acc("000", "Trousers&Jeans_All_Dropout", 0.722, 0.736),
  ...acc("000", "Trousers&Jeans_Gender", 0.908, 0.906),
  ...acc("000", "Trousers&Jeans_Male", 0.896, 0.872),
  ...acc("000", "Trousers&Jeans_Female", 0.84, 0.86),
  {
    study: "000",
    model: "Trousers&Jeans combined",
    metric: "points",
    value: 869,
    source: "Combined model vs Hierarchical model",
  },
  {
    study: "000",
    model: "Trousers&Jeans hierarchical",
    metric: "points",
    value: 868,
    source: "Combined model vs Hierarchical model",
  },
  {
    study: "000",
    model: "Shoes combined",
    metric: "points",
    value: 981,
    source: "Combined model vs Hierarchical model",
  },
  {
    study: "000",
    model: "Shoes hierarchical",
    metric: "points",
    value: 991,
    source: "Combined model vs Hierarchical model",
  },
  study002("Basic CNN", 0.30, 0.27, 0.33, {
    model: "baseline",
    split: "80/20",
  }),
  study002("VGG16 v1", 0.76, 0.75, 0.78, {
    model: "mobilenetv2",
    split: "80/20",
  }),
  study002("VGG16 v2 (80/20)", 0.95, 0.85, 1.0, {
    model: "mobilenetv2",
    split: "80/20",
  }),
  study002("VGG16 v3 (50/50)", 0.85, 0.58, 0.91, {
    model: "mobilenetv2",
    split: "50/50",
  }),
  {
    study: "003",
    model: "final multi-output model, masterCategory",
    metric: "test accuracy",
    value: 0.992,
    source: "Project Overview",
  },
  {
    study: "003",
    model: "final multi-output model, subCategory",
    metric: "test accuracy",
    value: 0.973,
    source: "Project Overview",
  },
  {
    study: "003",
    model: "final multi-output model, gender",
    metric: "test accuracy",
    value: 0.921,
    source: "Project Overview",
  },
  {
    study: "003",
    model: "final multi-output model",
    metric: "average accuracy",
    value: 0.962,
    source: "Project Overview",
  },
  {
    study: "004",
    model: "Fashion-MNIST CNN",
    metric: "test accuracy",
    value: 0.89,
    source: "Performance Evaluation; the 10,000 official test images",
    n: 10000,
  },
];

/** The studies, as the report titles them. */
export const STUDY_TITLES: Record<string, string> = {
  "000": "Fashion shop: main categories, then gender and type",
  "001": "Fashion shop, second team (labels such as Shoes-Female-Sandals)",
  "002": "Dress / pullover / shirt: CNN from scratch vs transfer learning",
  "003": "Multi-output network (masterCategory, subCategory, gender)",
  "004": "Fashion-MNIST CNN",
};
