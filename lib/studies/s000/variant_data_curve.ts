/**
 * How much stand-in data the robust option needs (notebook 12): the option
 * trained again with at most N stand-in photos per class for each N of the
 * profile's `variantDataCurve`, each with the profile's `variantSeeds`
 * seeds and checked on the photos it never saw, beside the same option at
 * the profile's own cap. At `full` this shows whether the goal that all
 * 2,636 photos reach is reached with the `course` profile's 200 per class
 * under `full`'s training settings, and where it starts to hold.
 *
 * @module
 */
import type { PhotoSet } from "../../execute/photo_check.ts";
import type { LabContext } from "../../runs/lab_context.ts";
import type { ShopArraysSource } from "./data.ts";
import type { PrimaryVariant } from "./primary_variants.ts";
import {
  meanAndSd,
  type SeedCheckedRun,
  seedSummary,
  variantAcrossSeeds,
} from "./variant_seed_spread.ts";
import { withTrainCap } from "./variant_training.ts";

/** One point of the curve: the cap (`null`: the profile's own) and its seeds' runs. */
export interface DataCurvePoint {
  /** Training photos per class at most; `null` for the profile's own cap. */
  perClass: number | null;
  /** The option's runs at this cap, one per seed, each with its photo checks. */
  runs: SeedCheckedRun[];
}

/**
 * Trains (or reuses) `variant` at each cap of the profile's
 * `variantDataCurve` with the profile's seeds, and checks every run on
 * `photoSets`; one point per cap, smallest first.
 */
export async function variantDataCurve(
  context: LabContext,
  source: ShopArraysSource,
  variant: PrimaryVariant,
  photoSets: readonly PhotoSet[],
  runsRoot?: string,
): Promise<DataCurvePoint[]> {
  const caps = [...context.profile.variantDataCurve].sort((a, b) => a - b);
  const out: DataCurvePoint[] = [];
  for (const perClass of caps) {
    const profile = withTrainCap(context.profile, perClass);
    out.push({
      perClass,
      runs: await variantAcrossSeeds(
        { ...context, profile },
        source,
        variant,
        photoSets,
        runsRoot,
      ),
    });
  }
  return out;
}

/**
 * Markdown: one row per point (the profile's own cap last, as
 * `ownCapLabel`): the training photos per class, then each column's mean
 * accuracy over the seeds with its sd in points, and how many seeds meet
 * the goal.
 *
 * @throws when `points` is empty, or as {@linkcode seedSummary}.
 */
export function dataCurveTable(
  points: readonly DataCurvePoint[],
  setIds: readonly string[],
  ownCapLabel: string,
): string {
  if (!points.length) throw new Error("dataCurveTable of no points");
  const summaries = points.map((p) => seedSummary(p.runs, setIds));
  const header = [
    "training photos per class",
    ...summaries[0].columns.map((c) => `${c.label}: mean (sd)`),
    "seeds that meet the goal",
  ];
  const rows = points.map((p, i) => [
    p.perClass === null ? ownCapLabel : `at most ${p.perClass}`,
    ...summaries[i].spreads.map(meanAndSd),
    `${summaries[i].met} of ${p.runs.length}`,
  ]);
  return [header, header.map(() => "---"), ...rows]
    .map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}
