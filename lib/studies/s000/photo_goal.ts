/**
 * The goal a primary model trained on the stand-in is held to on photos it
 * never saw (notebook 12, the README): at least 95% of the shop's photos
 * with every class at 90% or more, at least 90% of each class of the street
 * photos, and at least 99% on the stand-in's own test split, so that
 * carrying over does not cost the in-domain accuracy.
 *
 * @module
 */
import { formatPercent } from "../../eval/format.ts";
import type { PhotoCheckResult } from "../../execute/photo_check.ts";
import { SHOP_PHOTOS } from "./shop_photos.ts";

/** The thresholds (shares, 0..1). */
export const PHOTO_GOAL = {
  /** On the stand-in's test split. */
  standInTest: 0.99,
  /** Overall on the shop's photos. */
  shopPhotos: 0.95,
  /** Every class with photos, in every photo set. */
  perClass: 0.9,
} as const;

/** The goal in one line, for tables and notes. */
export const PHOTO_GOAL_TEXT = `stand-in test ≥ ${
  PHOTO_GOAL.standInTest * 100
}%, shop photos ≥ ${
  PHOTO_GOAL.shopPhotos * 100
}%, every class of every photo set ≥ ${PHOTO_GOAL.perClass * 100}%`;

/**
 * Where a model falls short of {@linkcode PHOTO_GOAL}: one phrase per
 * threshold it misses (empty when it meets the goal). `checks` are its
 * photo checks by photo-set id; the shop's must be among them.
 */
export function photoGoalShortfalls(
  standInTestAccuracy: number,
  checks: Readonly<Record<string, PhotoCheckResult>>,
): string[] {
  const shop = checks[SHOP_PHOTOS];
  if (!shop) {
    throw new Error(
      `photoGoalShortfalls needs the ${SHOP_PHOTOS} check; got ${
        Object.keys(checks).join(", ") || "none"
      }`,
    );
  }
  const out: string[] = [];
  if (standInTestAccuracy < PHOTO_GOAL.standInTest) {
    out.push(`stand-in test ${formatPercent(standInTestAccuracy)}`);
  }
  if (shop.metrics.accuracy < PHOTO_GOAL.shopPhotos) {
    out.push(`${SHOP_PHOTOS} ${formatPercent(shop.metrics.accuracy)}`);
  }
  for (const [id, check] of Object.entries(checks)) {
    for (const c of check.metrics.perClass) {
      if (c.accuracy !== null && c.accuracy < PHOTO_GOAL.perClass) {
        out.push(`${id} ${c.className} ${c.correct}/${c.n}`);
      }
    }
  }
  return out;
}
