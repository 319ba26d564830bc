/**
 * Study 001 (the same fashion-shop data, a second team): flat labels such as
 * `Shoes-Female-Sandals` and its kernel size x filters grid on Shoes
 * (`shoes_grid.ts`); its model in the shop models' catalog (`catalog.ts`).
 * Notebook 06 runs the grid; notebook 08 tests its winner again.
 *
 * @module
 */
export {
  loadShoes001,
  runShoesGrid001,
  STUDY_001_GRID,
  STUDY_001_SHOES_MODEL,
} from "./shoes_grid.ts";
export { STUDY_001_CATALOG } from "./catalog.ts";
