/**
 * Study 002 (dress / pullover / shirt: a CNN from scratch vs a fine-tuned
 * pretrained CNN): what notebook 11 uses. Its files: `data.ts` (the
 * clothing photos, the 80/20 and 50/50 splits, the swapped 50/50 halves and
 * the class-balancing copies), `settings.ts` (the study's set-ups and the
 * runs' settings at a profile), `features.ts` (frozen MobileNetV2
 * features), `runs.ts` (the runs and their McNemar comparisons),
 * `tables.ts` (the notebook's tables beside the published results).
 *
 * @module
 */
export {
  SPLIT_SCHEMES,
  type SplitScheme,
  STUDY_002_PUBLISHED,
} from "../../published/published.ts";
export {
  balanceTarget,
  loadStudy002Data,
  planTopUp,
  study002Partition,
  STUDY_002_CLASSES,
} from "./data.ts";
export {
  study002RunSpecs,
  study002Settings,
  STUDY_002_SETUPS,
} from "./settings.ts";
export { compareStudy002Runs, runStudy002 } from "./runs.ts";
export {
  study002ResultsTable,
  study002SetupTable,
  study002SplitTable,
  study002SwapMean,
} from "./tables.ts";
