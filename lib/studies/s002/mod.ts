/**
 * Study 002 (dress / pullover / shirt: a CNN from scratch vs a fine-tuned
 * pretrained CNN): what notebook 11 uses. Its files: `data.ts` (the
 * clothing photos, the 80/20 and 50/50 splits, the swapped 50/50 halves and
 * the class-balancing copies), `settings.ts` (the study's set-ups and the
 * runs' settings at a profile), `features.ts` (frozen MobileNetV2
 * features), `run_identity.ts` (a run's name, images, parameters, id and
 * tags), `runs.ts` (training the runs, in process or as jobs),
 * `comparisons.ts` (McNemar tests between the runs),
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
export { compareStudy002Runs } from "./comparisons.ts";
export { runStudy002 } from "./runs.ts";
export {
  study002ResultsTable,
  study002SetupTable,
  study002SplitTable,
  study002SwapMean,
} from "./tables.ts";
