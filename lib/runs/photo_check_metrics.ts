/**
 * What a photo check's record holds (a trained model scored on photos from
 * outside its data, `lib/execute/photo_check.ts`): `metrics.json` with the
 * per-class accuracies and every mistake, and `misclassified.json` with
 * thumbnails of the most confident mistakes (`lib/runs/gallery.ts`). Read
 * by the notebooks and the report.
 *
 * @module
 */
import type { Interval } from "../eval/intervals.ts";
import type { ClassifierMetrics } from "./classifier_metrics.ts";

/** One class's share of a check. */
export interface ClassResult {
  /** The class name. */
  className: string;
  /** Photos of the class. */
  n: number;
  /** Photos of the class predicted as it. */
  correct: number;
  /** `correct / n` (`null` when the set has no photo of the class). */
  accuracy: number | null;
  /** 95% Wilson interval of the accuracy (`null` when `n` is 0). */
  wilson95: Interval | null;
}

/** A photo the model got wrong. */
export interface Misclassified {
  /** Its file name. */
  id: string;
  /** True class name. */
  trueClass: string;
  /** Predicted class name. */
  predicted: string;
  /** The model's probability of the predicted class. */
  confidence: number;
}

/** `metrics.json` of a photo check. */
export interface PhotoCheckMetrics extends ClassifierMetrics {
  /** The run whose saved model was checked. */
  modelRunId: string;
  /** Per class: n, correct, accuracy and its 95% Wilson interval. */
  perClass: ClassResult[];
  /** Every misclassified photo, the most confident mistakes first. */
  misclassified: Misclassified[];
}

export type { GalleryEntry } from "./gallery.ts";
export { readGallery } from "./gallery.ts";
