/**
 * Study 003 (one network, three heads: masterCategory, subCategory,
 * gender): what notebook 10 uses. Its files: `labels.ts` (the label rule on
 * `styles.csv`), `data.ts` (images and per-head splits), `train.ts` (the
 * multi-output fit and per-head metrics), `runs.ts` (the run with the
 * study's settings and the published numbers beside ours), `tuning.ts`
 * (the tuning search over a grid of ours).
 *
 * @module
 */
export { MULTI_OUTPUT_HEADS } from "../../models/multi_output.ts";
export {
  loadStudy003Data,
  majorityBaseline,
  sampleIndices,
  STUDY_003_INPUT,
} from "./data.ts";
export { headCounts } from "./labels.ts";
export { runStudy003, STUDY_003_PUBLISHED } from "./runs.ts";
export {
  STUDY_003_TUNED,
  STUDY_003_TUNING_SPACE,
  tuneStudy003,
  tuningCandidates,
} from "./tuning.ts";
