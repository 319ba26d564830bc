/**
 * Study 004 (a CNN on Fashion-MNIST): the run behind notebook 09 and
 * `deno task train` (`runs.ts`), with the study's published accuracy, and
 * the confusion-matrix cells its text quotes beside ours
 * (`confusion_cells.ts`).
 *
 * @module
 */
export {
  chosenEpochCount,
  fashionMnistSplits,
  followsStudyOnAllTraining,
  HELD_OUT_DIVISOR,
  runStudy004,
  runStudy004Job,
  type Study004Job,
  type Study004Result,
  type Study004Split,
  study004SplitIndices,
  study004Splits,
  STUDY_004_JOBS,
  STUDY_004_NAME,
  STUDY_004_PUBLISHED_ACCURACY,
  STUDY_004_SELECTION_NAME,
  VALIDATION_HELD_OUT,
  VALIDATION_NONE_EPOCHS_FROM_SELECTION,
} from "./runs.ts";
export {
  cellLabel,
  compareConfusionCells,
  type ConfusionCellRow,
  confusionCellsMarkdown,
} from "./confusion_cells.ts";
