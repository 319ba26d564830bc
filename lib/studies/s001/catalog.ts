/**
 * Study 001's model in the shop models' catalog (`../s000/catalog.ts`), so
 * notebook 08 tests it again beside study 000's models.
 *
 * @module
 */
import type { CatalogEntry } from "../s000/catalog.ts";
import { loadShoes001, STUDY_001_SHOES_MODEL } from "./shoes_grid.ts";

/** Study 001's Shoes grid winner, trained by notebook 06. */
export const STUDY_001_CATALOG: CatalogEntry[] = [
  {
    study: "001",
    model: STUDY_001_SHOES_MODEL,
    level: "All",
    notebook: "06_shoes",
    search: true,
    load: (source, profile, seed) => loadShoes001(source, { profile, seed }),
  },
];
