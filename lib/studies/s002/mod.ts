/**
 * Study 002 (dress / pullover / shirt: a CNN from scratch vs a fine-tuned
 * pretrained CNN): what notebook 11 uses. Its files: `data.ts` (the
 * clothing photos and the 80/20 and 50/50 splits), `settings.ts` (the runs'
 * settings at a profile), `features.ts` (frozen MobileNetV2 features),
 * `runs.ts` (the four runs and their McNemar comparison), `tables.ts` (the
 * notebook's tables beside the published results).
 *
 * @module
 */
export {
  SPLIT_SCHEMES,
  type SplitScheme,
  STUDY_002_PUBLISHED,
} from "../../published/published.ts";
export { loadStudy002Data, STUDY_002_CLASSES } from "./data.ts";
export { study002Settings } from "./settings.ts";
export { compareStudy002Runs, runStudy002 } from "./runs.ts";
export { study002ResultsTable, study002SplitTable } from "./tables.ts";
