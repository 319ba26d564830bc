/**
 * Study 002's two models and its published results ("Final results table"),
 * which the notebook and the report set beside ours.
 *
 * @module
 */
import type { SplitScheme } from "../studies/s002/data.ts";

/** The two models. */
export const STUDY_002_MODELS = ["baseline", "mobilenetv2"] as const;

/** `baseline` (CNN from scratch) or `mobilenetv2` (pretrained base + new head). */
export type Study002Model = typeof STUDY_002_MODELS[number];

/** One published result of study 002 (its "Final results table"). */
export interface Study002Published {
  /** The study's model name. */
  model: string;
  /** Midterm or final phase. */
  phase: "midterm" | "final";
  /** Its train/validation split. */
  split: SplitScheme;
  /** Test accuracy, when reported. */
  testAccuracy: number | null;
  /** The "accuracy range with 95% confidence" the study gives. */
  interval: { low: number; high: number };
  /** Which of our runs it corresponds to. */
  ours: Study002Model;
}

/** The study's results table. */
export const STUDY_002_PUBLISHED: readonly Study002Published[] = [
  {
    model: "Basic CNN",
    phase: "midterm",
    split: "80/20",
    testAccuracy: 0.30,
    interval: { low: 0.27, high: 0.33 },
    ours: "baseline",
  },
  {
    model: "VGG16 v1",
    phase: "midterm",
    split: "80/20",
    testAccuracy: 0.76,
    interval: { low: 0.75, high: 0.78 },
    ours: "mobilenetv2",
  },
  {
    model: "VGG16 v2",
    phase: "final",
    split: "80/20",
    testAccuracy: 0.95,
    interval: { low: 0.85, high: 1 },
    ours: "mobilenetv2",
  },
  {
    model: "VGG16 v3",
    phase: "final",
    split: "50/50",
    testAccuracy: 0.85,
    interval: { low: 0.58, high: 0.91 },
    ours: "mobilenetv2",
  },
  {
    model: "ResNet50",
    phase: "final",
    split: "80/20",
    testAccuracy: null,
    interval: { low: 0.57, high: 0.80 },
    ours: "mobilenetv2",
  },
];
