/**
 * What a classifier's run record holds as its test metrics (`metrics.json`):
 * accuracy with its 95% Wilson and t-based intervals, the confusion matrix
 * and scikit-learn's classification report; read by the notebooks and the
 * report, written by the runs.
 *
 * @module
 */
import {
  accuracy,
  type ClassificationReport,
  classificationReport,
  confusionMatrix,
} from "../eval/metrics.ts";
import { type Interval, tInterval, wilsonInterval } from "../eval/intervals.ts";

/** The metrics written to `metrics.json`. */
export interface ClassifierMetrics {
  /** Test accuracy. */
  accuracy: number;
  /** Test images. */
  n: number;
  /** Correct test images. */
  correct: number;
  /** 95% Wilson interval of the test accuracy. */
  wilson95: Interval;
  /** 95% t-based interval (study 002's method). */
  t95: Interval;
  /** Best validation accuracy of the fit (the epoch whose weights were kept). */
  validationAccuracy: number | null;
  /** Confusion matrix counts, `[true][predicted]`. */
  confusion: number[][];
  /** Per-class precision / recall / F1 / support. */
  report: ClassificationReport;
  /** Class names. */
  classNames: string[];
}

/** Test-set metrics from true and predicted labels. */
export function classifierMetrics(
  trueLabels: number[],
  predicted: number[],
  classNames: string[],
  validationAccuracy: number | null,
): ClassifierMetrics {
  const n = trueLabels.length;
  const correct = trueLabels.filter((t, i) => t === predicted[i]).length;
  return {
    accuracy: accuracy(trueLabels, predicted),
    n,
    correct,
    wilson95: wilsonInterval(correct, n),
    t95: tInterval(correct, n),
    validationAccuracy,
    confusion: confusionMatrix(trueLabels, predicted, classNames.length),
    report: classificationReport(trueLabels, predicted, classNames),
    classNames,
  };
}
