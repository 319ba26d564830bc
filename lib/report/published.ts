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
  {
    study: "002",
    model: "Basic CNN",
    metric: "test accuracy",
    value: 0.30,
    source: "results table, 'Test Accuracy' row",
  },
  {
    study: "002",
    model: "VGG16 v1",
    metric: "test accuracy",
    value: 0.76,
    source: "results table, 'Test Accuracy' row",
  },
  {
    study: "002",
    model: "VGG16 v2 (80/20)",
    metric: "test accuracy",
    value: 0.95,
    source: "results table, 'Test Accuracy' row",
  },
  {
    study: "002",
    model: "VGG16 v3 (50/50)",
    metric: "test accuracy",
    value: 0.85,
    source: "results table, 'Test Accuracy' row",
  },
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
    source: "Performance Evaluation",
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
