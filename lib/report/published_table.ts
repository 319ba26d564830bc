/**
 * Every published number of the studies beside ours at each profile, as one
 * Markdown table (`deno task published`): the README's table of the
 * reproduction, made from the run records (and the committed reference
 * records) instead of typed. A cell holds our first matching run at that
 * profile (the one named as the study names the model where there are
 * several) with its count, 95% Wilson interval and, for a run made with
 * several seeds, their mean and spread; `—` where there is none.
 *
 * @module
 */
import { PUBLISHED, type PublishedNumber } from "../published/published.ts";
import { publishedPercent } from "./forest.ts";
import { type OurNumber, oursFor } from "./published_beside.ts";
import type { ReportRun } from "./report_runs.ts";

/** The cell of `ours` at one profile: the run named as the study names the model, else the first. */
function cellFor(
  p: PublishedNumber,
  ours: OurNumber[],
  profile: string,
): string {
  const here = ours.filter((o) => o.run.run.tags?.profile === profile);
  if (!here.length) return "—";
  const chosen = here.find((o) => o.label === p.model) ?? here[0];
  // The detail without the t interval, which the Wilson one makes redundant here.
  const detail = chosen.detail.replace(/, t [^;]*/, "");
  const standIn = chosen.run.run.tags?.standIn ? ", stand-in" : "";
  const named = chosen.label === p.model ? "" : `${chosen.label}: `;
  return `${named}${chosen.value} (${detail}${standIn})`.replaceAll("|", "/");
}

/** The published value as the study states it. */
function publishedText(p: PublishedNumber): string {
  return p.metric === "points" ? String(p.value) : publishedPercent(p.value);
}

/**
 * The Markdown table: one row per published number (studies in id order,
 * numbers in `PUBLISHED` order), one column of ours per profile in
 * `profiles`.
 */
export function publishedTable(
  runs: ReportRun[],
  profiles: readonly string[] = ["full", "course"],
): string {
  const header = [
    "study",
    "model (metric)",
    "published",
    ...profiles.map((p) => `ours, \`${p}\``),
  ];
  const lines = [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
  ];
  const studies = [...new Set(PUBLISHED.map((p) => p.study))].sort();
  for (const study of studies) {
    const mine = runs.filter((r) => r.run.tags?.study === study);
    for (const p of PUBLISHED.filter((q) => q.study === study)) {
      const ours = oursFor(p, mine).filter((o) => Number.isFinite(o.share));
      lines.push(
        `| ${study} | ${p.model} (${p.metric}) | ${publishedText(p)} | ${
          profiles.map((profile) => cellFor(p, ours, profile)).join(" | ")
        } |`,
      );
    }
  }
  return lines.join("\n");
}
