/**
 * Study 002's questions as McNemar tests between its runs, which share the
 * test photos: pretrained vs from scratch, the study's tuning, 80/20 vs
 * 50/50, the swapped halves, and class balancing vs none.
 *
 * @module
 */
import { readTestCorrectness } from "../../runs/record.ts";
import { type McNemarResult, mcnemarTest } from "../../eval/mcnemar.ts";
import type { Study002Run } from "./settings.ts";

/** McNemar's test between two of the runs, which share the test images. */
export interface Study002Comparison {
  /** What is compared, e.g. `v2 vs v1`. */
  label: string;
  /** What the comparison asks, e.g. `transfer vs from scratch`. */
  question: string;
  /** The first run. */
  first: Study002Run;
  /** The second run. */
  second: Study002Run;
  /** b: only the first right; c: only the second right. */
  mcnemar: McNemarResult;
}

/**
 * The study's questions as paired tests on the shared test images, for
 * the pairs whose runs are there: v2 vs the basic CNN (pretrained vs from
 * scratch), v2 vs v1 (the study's tuning), v2 vs each v3 half (80/20 vs
 * 50/50), v3's half A vs half B (the swap), and v2 with class balancing vs
 * without.
 */
export async function compareStudy002Runs(
  runs: readonly Study002Run[],
): Promise<Study002Comparison[]> {
  const find = (label: string) => runs.find((r) => r.label === label);
  const pairs: [string, string, string][] = [
    ["v2", "basic CNN", "pretrained vs from scratch (80/20)"],
    ["v2", "v1", "the study's tuning: RMSprop 2e-4, dropout 0.5 vs Adam 0.005"],
    ["v2", "v3 half A", "80/20 vs 50/50"],
    ["v2", "v3 half B", "80/20 vs 50/50"],
    ["v3 half A", "v3 half B", "the two halves of the 50/50 split, swapped"],
    ["v2", "v2, no balancing", "class balancing by augmentation vs none"],
  ];
  const out: Study002Comparison[] = [];
  for (const [a, b, question] of pairs) {
    const first = find(a);
    const second = find(b);
    if (!first || !second) continue;
    out.push({
      label: `${a} vs ${b}`,
      question,
      first,
      second,
      mcnemar: mcnemarTest(
        await readTestCorrectness(first.dir),
        await readTestCorrectness(second.dir),
      ),
    });
  }
  return out;
}
