/**
 * Classification metrics on integer labels, with scikit-learn's semantics:
 * accuracy, confusion matrices (and their normalisations), and the
 * per-class precision / recall / F1 / support report with macro and
 * weighted averages (`sklearn.metrics.classification_report`), including
 * its `zero_division` rule.
 *
 * @module
 */

/** Integer class labels `0..K-1`. */
export type Labels = ArrayLike<number>;

function checkPair(yTrue: Labels, yPred: Labels): void {
  if (yTrue.length !== yPred.length) {
    throw new Error(
      `Label arrays differ in length: ${yTrue.length} true vs ${yPred.length} predicted`,
    );
  }
}

/** Fraction of positions where `yPred` equals `yTrue` (NaN for none). */
export function accuracy(yTrue: Labels, yPred: Labels): number {
  checkPair(yTrue, yPred);
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return yTrue.length ? correct / yTrue.length : Number.NaN;
}

/**
 * Confusion matrix: `matrix[t][p]` counts images of true class `t`
 * predicted as `p`, for classes `0..classes-1`.
 *
 * @example
 * ```ts
 * confusionMatrix([0, 1, 1], [0, 1, 0], 2); // [[1, 0], [1, 1]]
 * ```
 */
export function confusionMatrix(
  yTrue: Labels,
  yPred: Labels,
  classes: number,
): number[][] {
  checkPair(yTrue, yPred);
  const matrix = Array.from(
    { length: classes },
    () => new Array(classes).fill(0),
  );
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (
      !(t >= 0 && t < classes && p >= 0 && p < classes) ||
      !Number.isInteger(t) || !Number.isInteger(p)
    ) {
      throw new Error(
        `Label out of range 0..${
          classes - 1
        } at index ${i}: true ${t}, predicted ${p}`,
      );
    }
    matrix[t][p]++;
  }
  return matrix;
}

/** How to normalise a confusion matrix (scikit-learn's `normalize`). */
export type Normalization = "true" | "pred" | "all";

/**
 * Normalises a confusion matrix by true class (rows sum to 1), by predicted
 * class (columns sum to 1) or over all cells; empty rows / columns give 0,
 * as scikit-learn does.
 */
export function normalizeConfusion(
  matrix: number[][],
  by: Normalization,
): number[][] {
  const k = matrix.length;
  const rowSums = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const colSums = Array.from(
    { length: k },
    (_, j) => matrix.reduce((a, row) => a + row[j], 0),
  );
  const total = rowSums.reduce((a, b) => a + b, 0);
  return matrix.map((row, i) =>
    row.map((v, j) => {
      const d = by === "true" ? rowSums[i] : by === "pred" ? colSums[j] : total;
      return d === 0 ? 0 : v / d;
    })
  );
}

/** scikit-learn's `zero_division`: the value of an undefined ratio ("warn" acts as 0). */
export type ZeroDivision = 0 | 1 | "warn";

/** Precision, recall, F1 and support of one class or one average. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** The per-class report and its averages. */
export interface ClassificationReport {
  /** Class names, in label order. */
  classNames: string[];
  /** Scores per class, in label order. */
  perClass: ClassScores[];
  /** Fraction correct over all images. */
  accuracy: number;
  /** Unweighted mean over classes. */
  macroAvg: ClassScores;
  /** Mean over classes weighted by support. */
  weightedAvg: ClassScores;
}

/**
 * Per-class precision, recall, F1 and support with macro and weighted
 * averages, as `sklearn.metrics.classification_report(y_true, y_pred,
 * labels=range(K), target_names=classNames, zero_division=...,
 * output_dict=True)`.
 */
export function classificationReport(
  yTrue: Labels,
  yPred: Labels,
  classNames: string[],
  options: { zeroDivision?: ZeroDivision } = {},
): ClassificationReport {
  const zd = options.zeroDivision === 1 ? 1 : 0;
  const k = classNames.length;
  const cm = confusionMatrix(yTrue, yPred, k);
  const perClass: ClassScores[] = [];
  for (let c = 0; c < k; c++) {
    const tp = cm[c][c];
    const support = cm[c].reduce((a, b) => a + b, 0);
    const predicted = cm.reduce((a, row) => a + row[c], 0);
    const precision = predicted === 0 ? zd : tp / predicted;
    const recall = support === 0 ? zd : tp / support;
    const denominator = precision + recall;
    const f1 = denominator === 0 ? 0 : (2 * precision * recall) / denominator;
    perClass.push({ precision, recall, f1, support });
  }
  const total = perClass.reduce((a, s) => a + s.support, 0);
  const mean = (pick: (s: ClassScores) => number, weighted: boolean) => {
    if (weighted) {
      return total === 0
        ? zd
        : perClass.reduce((a, s) => a + pick(s) * s.support, 0) / total;
    }
    return perClass.reduce((a, s) => a + pick(s), 0) / k;
  };
  const average = (weighted: boolean): ClassScores => ({
    precision: mean((s) => s.precision, weighted),
    recall: mean((s) => s.recall, weighted),
    f1: mean((s) => s.f1, weighted),
    support: total,
  });
  return {
    classNames,
    perClass,
    accuracy: accuracy(yTrue, yPred),
    macroAvg: average(false),
    weightedAvg: average(true),
  };
}

/** Renders a report as text in the layout of scikit-learn's `classification_report`. */
export function formatClassificationReport(
  report: ClassificationReport,
  digits = 2,
): string {
  const width = Math.max(12, ...report.classNames.map((n) => n.length));
  const f = (v: number) => v.toFixed(digits).padStart(9);
  const s = (v: number) => String(v).padStart(9);
  const lines = [
    `${"".padStart(width)} ${"precision".padStart(9)} ${"recall".padStart(9)} ${
      "f1-score".padStart(9)
    } ${"support".padStart(9)}`,
    "",
    ...report.perClass.map((c, i) =>
      `${report.classNames[i].padStart(width)} ${f(c.precision)} ${
        f(c.recall)
      } ${f(c.f1)} ${s(c.support)}`
    ),
    "",
    `${"accuracy".padStart(width)} ${"".padStart(9)} ${"".padStart(9)} ${
      f(report.accuracy)
    } ${s(report.macroAvg.support)}`,
  ];
  for (
    const [name, a] of [["macro avg", report.macroAvg], [
      "weighted avg",
      report.weightedAvg,
    ]] as const
  ) {
    lines.push(
      `${name.padStart(width)} ${f(a.precision)} ${f(a.recall)} ${f(a.f1)} ${
        s(a.support)
      }`,
    );
  }
  return lines.join("\n");
}
