/**
 * Study 004 (a CNN on Fashion-MNIST): the run behind notebook 09 and
 * `deno task train` (`runs.ts`), with the study's published accuracy.
 *
 * @module
 */
export { runStudy004, STUDY_004_PUBLISHED_ACCURACY } from "./runs.ts";
