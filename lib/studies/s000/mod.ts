/**
 * Study 000 (fashion shop: three main categories, then gender and type):
 * what its notebooks (02-08) use. The study's files, by concept:
 *
 * | file                       | what                                                          |
 * | -------------------------- | ------------------------------------------------------------- |
 * | `specs.ts`                 | the models as the study names them, its best hyperparameters  |
 * | `data.ts`                  | the authors' arrays or the stand-in; one model's splits        |
 * | `train.ts`                 | one model trained into a tagged run record                    |
 * | `search.ts`                | the primary model's search (and the level searches of 001)    |
 * | `category_models.ts`       | a category's combined model(s) and hierarchical chain (jobs)  |
 * | `model_searches.ts`        | our per-model grids for those models (`model_search_table.ts`) |
 * | `compare.ts`               | combined vs hierarchical on the same test images              |
 * | `catalog.ts`, `test_all.ts`| every model, re-tested from its run record (notebook 08)      |
 * | `glasses.ts`               | Glasses vs Sunglasses, where the data allows it               |
 * | `shop_photos.ts`           | the primary model scored on the shop's own photos             |
 * | `street_photos.ts`         | ... and on street photos of shoes and pants                   |
 * | `primary_variants.ts`      | primary models that carry over to those photos (notebook 12)  |
 * | `variant_augment.ts`       | ... their augmentation steps, composed in one order           |
 * | `variant_training.ts`      | ... each variant trained into its run record                  |
 * | `primary_variant_jobs.ts`  | ... all of them as one batch (jobs with an executor)          |
 * | `variant_tables.ts`        | notebook 12's tables, McNemar and the best variant            |
 * | `variant_seed_spread.ts`   | ... the robust option over seeds, against the goal            |
 * | `photo_goal.ts`            | ... the goal on the photos: thresholds and shortfalls         |
 * | `variant_data_curve.ts`    | ... the robust option with fewer stand-in photos per class    |
 * | `shop_framing.ts`          | why it fails there: framing measured and changed              |
 * | `shoe_orientation*.ts`     | the shoe-orientation augmentation and its ablation            |
 *
 * @module
 */
export {
  GENDERED_CATEGORIES,
  type GenderedCategory,
  PRIMARY_BEST,
  STUDY_000_BEST,
  type StudyModelSpec,
  TROUSERS_JEANS_COMBINED,
} from "./specs.ts";
export {
  type LevelData,
  loadLevel,
  loadPrimary,
  shopArrays,
  type ShopArraysSource,
} from "./data.ts";
export { specParams, trainStudyModel } from "./train.ts";
export { PRIMARY_SPACE, runPrimarySearch } from "./search.ts";
export { trainCategoryModels } from "./category_models.ts";
export {
  type ModelSearchRun,
  modelSearchSpecs,
  runModelSearches,
} from "./model_searches.ts";
export { modelSearchTable } from "./model_search_table.ts";
export {
  type CategoryComparison,
  compareCombinedAndHierarchical,
} from "./compare.ts";
export { type CatalogEntry, STUDY_000_CATALOG } from "./catalog.ts";
export { resultsTable, testAllModels } from "./test_all.ts";
export { decideGlasses, trainGlasses } from "./glasses.ts";
export {
  checkPrimaryOnPhotos,
  SHOP_PHOTOS,
  shopPhotos,
} from "./shop_photos.ts";
export { STREET_PHOTOS, streetPhotos } from "./street_photos.ts";
export {
  PRIMARY_VARIANTS,
  type PrimaryVariant,
  primaryVariant,
  ROBUST_PRIMARY,
} from "./primary_variants.ts";
export { HEAD_EPOCHS, trainPrimaryVariant } from "./variant_training.ts";
export {
  PRIMARY_VARIANT_JOBS,
  trainPrimaryVariants,
  trainPrimaryVariantSeeds,
} from "./primary_variant_jobs.ts";
export {
  mistakesAcrossSeeds,
  seedSpreadTable,
  variantAcrossSeeds,
} from "./variant_seed_spread.ts";
export { PHOTO_GOAL, photoGoalShortfalls } from "./photo_goal.ts";
export { dataCurveTable, variantDataCurve } from "./variant_data_curve.ts";
export {
  bestVariant,
  mcnemarTable,
  type VariantResult,
  variantsTable,
} from "./variant_tables.ts";
export {
  framingByClass,
  framingFinding,
  framingInterventions,
  framingTable,
  interventionsTable,
} from "./shop_framing.ts";
export {
  facingCounts,
  runShoeOrientationExperiment,
  VARIANT_DESCRIPTIONS,
} from "./shoe_orientation.ts";
export {
  allTrainingShoes,
  canonicalisationGrid,
  shopSampleShoes,
} from "./shoe_orientation_views.ts";
