/**
 * Study 004's quoted confusion-matrix cells beside ours: for each cell the
 * study's text gives (Shirt recall, Shirts taken for T-shirt/top, Trouser
 * and Bag recall; `STUDY_004_CONFUSION_CELLS` in `lib/published`), our
 * count out of our images of that class, with its 95% Wilson interval.
 *
 * @module
 */
import {
  type PublishedConfusionCell,
  STUDY_004_CONFUSION_CELLS,
} from "../../published/published.ts";
import { type Interval, wilsonInterval } from "../../eval/intervals.ts";
import { formatInterval, formatPercent } from "../../eval/format.ts";

/** One quoted cell beside ours. */
export interface ConfusionCellRow {
  /** The published cell. */
  published: PublishedConfusionCell;
  /** The study's count / n. */
  studyRate: number;
  /** Our images of the true class given to the predicted class. */
  ourCount: number;
  /** Our test images of the true class (the row total). */
  ourN: number;
  /** Our count / n (`null` when we have no image of the class). */
  ourRate: number | null;
  /** Its 95% Wilson interval (`null` without images). */
  ourWilson95: Interval | null;
}

/**
 * Our cells of `confusion` (rows: true class, columns: predicted, in the
 * order of `classNames`) for each of the study's quoted `cells`. Throws when
 * a cell names a class `classNames` does not have.
 */
export function compareConfusionCells(
  confusion: number[][],
  classNames: string[],
  cells: readonly PublishedConfusionCell[] = STUDY_004_CONFUSION_CELLS,
): ConfusionCellRow[] {
  const index = (name: string) => {
    const i = classNames.indexOf(name);
    if (i < 0 || !confusion[i]) {
      throw new Error(
        `class "${name}" is not in the confusion matrix (${
          classNames.join(", ")
        })`,
      );
    }
    return i;
  };
  return cells.map((published) => {
    const row = confusion[index(published.trueClass)];
    const ourCount = row[index(published.predictedClass)] ?? 0;
    const ourN = row.reduce((a, b) => a + b, 0);
    return {
      published,
      studyRate: published.count / published.n,
      ourCount,
      ourN,
      ourRate: ourN > 0 ? ourCount / ourN : null,
      ourWilson95: ourN > 0 ? wilsonInterval(ourCount, ourN) : null,
    };
  });
}

/** What a cell is: `Shirt recall` or `Shirt taken for T-shirt/top`. */
export function cellLabel(cell: PublishedConfusionCell): string {
  return cell.trueClass === cell.predictedClass
    ? `${cell.trueClass} classified correctly`
    : `${cell.trueClass} taken for ${cell.predictedClass}`;
}

/** The rows as a markdown table: the study's count / n and rate beside ours. */
export function confusionCellsMarkdown(rows: ConfusionCellRow[]): string {
  const line = (cells: string[]) =>
    `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
  const header = [
    "cell (true → predicted)",
    "study: count / n",
    "study: share",
    "study line",
    "ours: count / n",
    "ours: share (95% Wilson)",
  ];
  return [
    line(header),
    line(header.map(() => "---")),
    ...rows.map((r) =>
      line([
        cellLabel(r.published),
        `${r.published.count} / ${r.published.n}`,
        formatPercent(r.studyRate),
        String(r.published.line),
        `${r.ourCount} / ${r.ourN}`,
        r.ourRate === null
          ? "–"
          : `${formatPercent(r.ourRate)} (${formatInterval(r.ourWilson95!)})`,
      ])
    ),
  ].join("\n");
}
