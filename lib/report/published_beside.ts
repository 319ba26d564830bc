/**
 * The published numbers of a study beside ours: which runs reproduce which
 * published result, with n and 95% intervals, and the data actually used.
 *
 * @module
 */
import type { ClassifierMetrics } from "../runs/classifier_metrics.ts";
import { formatPercent as percent } from "../eval/format.ts";
import type { Interval } from "../eval/intervals.ts";
import {
  formatSeedSpread,
  type SeedSpread,
  seedSpread,
} from "../eval/seed_spread.ts";
import { seedGroup } from "../runs/run_id.ts";
import { PUBLISHED, type PublishedNumber } from "../published/published.ts";
import {
  type ComparisonMetrics,
  heads,
  type MultiHeadMetrics,
  type ReportRun,
  runKind,
} from "./report_runs.ts";
import {
  countInterval,
  dataText,
  escape,
  profileText,
  range,
  runLink,
} from "./html.ts";

// ------------------------------------------------ published beside ours

const tokens = (s: string) =>
  s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

function containsSequence(hay: string[], needle: string[]): boolean {
  if (!needle.length) return false;
  for (let i = 0; i + needle.length <= hay.length; i++) {
    if (needle.every((t, j) => hay[i + j] === t)) return true;
  }
  return false;
}

/**
 * Whether a run reproduces published model `p` (one of the study's
 * `published` numbers): by the tags `p.ours` names, else by the run's
 * `published` or `model` tag, else by name: `p.model`'s words appear, in
 * order, in the run's name and no longer published name of the study does
 * (so `Trousers&Jeans_All_L2` is not taken for `Trousers&Jeans_All`).
 */
export function reproduces(
  r: ReportRun,
  p: PublishedNumber,
  published: PublishedNumber[],
): boolean {
  const tags = r.run.tags ?? {};
  if (p.ours) return Object.entries(p.ours).every(([k, v]) => tags[k] === v);
  // A search over a grid of ours (study 000's per-model searches) chose its
  // own setting: its winner is shown with its search, not as the study's model.
  if (tags.grid === "ours") return false;
  const models = new Set(published.map((q) => q.model));
  for (const tag of [tags.published, tags.model]) {
    if (tag && models.has(tag)) return tag === p.model;
  }
  const name = tokens(r.run.name);
  let best: string | null = null;
  let bestLength = 0;
  for (const model of models) {
    const words = tokens(model);
    if (words.length > bestLength && containsSequence(name, words)) {
      best = model;
      bestLength = words.length;
    }
  }
  return best === p.model;
}

/** One of our numbers beside a published one (see {@linkcode oursFor}). */
export interface OurNumber {
  /** The run it comes from. */
  run: ReportRun;
  /** The run's name, with the head for a multi-output run. */
  label: string;
  /** The value as the report writes it (`87.1%`, `384 / 480`). */
  value: string;
  /** Its count and intervals, as text. */
  detail: string;
  /** The value as a share: an accuracy, or points as a share of the maximum. */
  share: number;
  /** Its 95% Wilson interval, for an accuracy on a known number of images. */
  wilson: Interval | null;
  /** Where the same run was made with several seeds: the spread of its share over them. */
  seeds?: SeedSpread;
}

/**
 * Folds the numbers of one run made with several seeds (the same name and
 * parameters; see `seedGroup`) into the number of its first seed, with the
 * seeds' mean and spread added to its detail.
 */
export function collapseSeeds(ours: OurNumber[]): OurNumber[] {
  const groups = new Map<string, OurNumber[]>();
  for (const o of ours) {
    const key = `${seedGroup(o.run.run.id)}|${o.label}`;
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0];
    const sorted = [...group].sort((a, b) => a.run.run.seed - b.run.run.seed);
    const values = sorted.map((o) => o.share).filter(Number.isFinite);
    if (values.length !== sorted.length) return sorted[0];
    const spread = seedSpread(values);
    return {
      ...sorted[0],
      detail: `${sorted[0].detail}; seeds ${
        sorted.map((o) => o.run.run.seed).join(", ")
      }: ${formatSeedSpread(spread)}`,
      seeds: spread,
    };
  });
}

/** `149 of 171; 95% Wilson …, t …`: a classifier accuracy's count and intervals. */
export function accuracyDetail(m: ClassifierMetrics): string {
  return `${m.correct} of ${m.n}; 95% Wilson ${range(m.wilson95)}, t ${
    range(m.t95)
  }`;
}

/**
 * Our numbers beside published number `p`, from `runs` (the study's runs):
 * a comparison's points for a points metric, a multi-output run's average
 * or head, else the test or validation accuracy of every classifier run
 * that {@linkcode reproduces} it.
 */
export function oursFor(p: PublishedNumber, runs: ReportRun[]): OurNumber[] {
  return withPairMeans(collapseSeeds(oursOfEachRun(p, runs)));
}

/**
 * Adds, after each pair of runs that name each other in `tags.pairedRun`
 * (study 002's v3: the two halves of a 50/50 split swapped), one number
 * for the pair: the mean of the two accuracies, with the test answers of
 * both runs counted together. It has no interval of its own: the two runs
 * answer the same test images.
 */
export function withPairMeans(ours: OurNumber[]): OurNumber[] {
  const out: OurNumber[] = [];
  ours.forEach((o, i) => {
    out.push(o);
    const j = ours.findIndex((x) =>
      x.run.run.id === o.run.run.tags?.pairedRun &&
      x.run.run.tags?.pairedRun === o.run.run.id && x.label === o.label
    );
    // The mean follows the pair's second run.
    if (j < 0 || j > i) return;
    const [a, b] = [ours[j], o].sort((x, y) =>
      x.run.run.id < y.run.run.id ? -1 : 1
    );
    const count = (r: OurNumber) =>
      r.run.metrics as { correct?: number; n?: number };
    const correct = (count(a).correct ?? NaN) + (count(b).correct ?? NaN);
    const n = (count(a).n ?? NaN) + (count(b).n ?? NaN);
    const share = (a.share + b.share) / 2;
    out.push({
      run: a.run,
      label: `${a.label}: mean of the two swapped halves`,
      value: percent(share),
      detail: Number.isFinite(correct)
        ? `${correct} of ${n} test answers over the two runs (${a.run.run.id}, ${b.run.run.id}); no interval: both answer the same test images`
        : `mean of ${a.run.run.id} and ${b.run.run.id}`,
      share,
      wilson: null,
    });
  });
  return out;
}

function oursOfEachRun(p: PublishedNumber, runs: ReportRun[]): OurNumber[] {
  const out: OurNumber[] = [];
  const headMatch = p.model.match(/^(.*), ([^,]+)$/);
  for (const r of runs) {
    const kind = runKind(r);
    if (p.metric === "points" && kind === "comparison") {
      const approach = p.model.endsWith(" hierarchical")
        ? "hierarchical"
        : p.model.endsWith(" combined")
        ? "combined"
        : null;
      const category = p.model.replace(/ (combined|hierarchical)$/, "");
      const runCategory = r.run.name.replace(/ combined vs hierarchical$/, "");
      if (
        approach &&
        tokens(category).join(" ") === tokens(runCategory).join(" ")
      ) {
        const s = (r.metrics as unknown as ComparisonMetrics)[approach];
        out.push({
          run: r,
          label: r.run.name,
          value: `${s.points} / ${s.maxPoints}`,
          detail: `${s.n} test images`,
          share: s.maxPoints > 0 ? s.points / s.maxPoints : NaN,
          wilson: null,
        });
      }
    } else if (p.metric === "average accuracy" && kind === "multi-head") {
      const avg = (r.metrics as unknown as MultiHeadMetrics).averageAccuracy ??
        heads(r).reduce((a, [, m]) => a + m.accuracy, 0) / heads(r).length;
      out.push({
        run: r,
        label: r.run.name,
        value: percent(avg),
        detail: `mean of ${heads(r).length} heads on ${
          heads(r)[0]?.[1].n ?? "?"
        } test images`,
        share: avg,
        wilson: null,
      });
    } else if (kind === "multi-head" && headMatch) {
      const m = heads(r).find(([h]) => h === headMatch[2])?.[1];
      if (m && p.metric === "test accuracy") {
        out.push({
          run: r,
          label: `${r.run.name} · ${headMatch[2]}`,
          value: percent(m.accuracy),
          detail: accuracyDetail(m),
          share: m.accuracy,
          wilson: m.wilson95,
        });
      }
    } else if (
      kind === "classifier" &&
      reproduces(r, p, PUBLISHED.filter((q) => q.study === p.study))
    ) {
      const m = r.metrics as unknown as ClassifierMetrics;
      if (p.metric === "test accuracy") {
        out.push({
          run: r,
          label: r.run.name,
          value: percent(m.accuracy),
          detail: accuracyDetail(m),
          share: m.accuracy,
          wilson: m.wilson95,
        });
      } else if (
        p.metric === "validation accuracy" &&
        typeof m.validationAccuracy === "number"
      ) {
        const n = r.run.splits.validation ?? 0;
        const ci = countInterval(m.validationAccuracy, n);
        out.push({
          run: r,
          label: r.run.name,
          value: percent(m.validationAccuracy),
          detail: ci
            ? `${n} validation images; 95% Wilson ${range(ci.wilson)}`
            : "",
          share: m.validationAccuracy,
          wilson: ci?.wilson ?? null,
        });
      }
    }
  }
  return out;
}

/**
 * The 95% interval of a published number: the study's own where it gives
 * one, else the Wilson interval of an accuracy from the study's n, else
 * null; `of` says which.
 */
export function publishedInterval(
  p: PublishedNumber,
): { low: number; high: number; of: string } | null {
  if (p.interval) return p.interval;
  if (p.n && p.metric !== "points") {
    const ci = countInterval(p.value, p.n);
    if (ci) return { ...ci.wilson, of: "95% Wilson from n" };
  }
  return null;
}

function publishedLine(p: PublishedNumber): string {
  const value = p.metric === "points" ? String(p.value) : percent(p.value);
  let detail = p.n ? `n ${p.n.toLocaleString("en-US")}` : "n not stated";
  const interval = publishedInterval(p);
  if (interval) detail += `; ${interval.of}: ${range(interval)}`;
  return `${escape(p.metric)} <b>${value}</b><br><small>${
    escape(detail)
  }</small>`;
}

/** A study's published numbers, each with the runs that reproduce it beside it. */
export function publishedBesideOurs(study: string, runs: ReportRun[]): string {
  const published = PUBLISHED.filter((p) => p.study === study);
  if (!published.length) {
    return `<p>The study publishes no numbers to compare with; our runs are listed below.</p>`;
  }
  const models = [...new Set(published.map((p) => p.model))];
  const rows: string[] = [];
  for (const model of models) {
    const mine = published.filter((p) => p.model === model);
    const byRun = new Map<string, { o: OurNumber; lines: string[] }>();
    for (const p of mine) {
      for (const o of oursFor(p, runs)) {
        const key = `${o.run.run.id}|${o.label}`;
        const entry = byRun.get(key) ?? { o, lines: [] };
        entry.lines.push(
          `${escape(p.metric)} <b>${o.value}</b><br><small>${
            escape(o.detail)
          }</small>`,
        );
        byRun.set(key, entry);
      }
    }
    const span = byRun.size > 1 ? ` rowspan="${byRun.size}"` : "";
    const first = `<td${span}>${escape(model)}<br><small>${
      escape(mine[0].source)
    }</small></td><td${span}>${mine.map(publishedLine).join("<br>")}</td>`;
    const ours = [...byRun.values()].map(({ o, lines }) =>
      [
        lines.join("<br>"),
        runLink(o.run, o.label),
        profileText(o.run),
        dataText(o.run),
      ].map((c) => `<td>${c}</td>`).join("")
    );
    if (!ours.length) {
      ours.push(
        `<td><small>no matching run yet</small></td><td></td><td></td><td></td>`,
      );
    }
    ours.forEach((cells, i) => rows.push(`<tr>${i ? "" : first}${cells}</tr>`));
  }
  return `<table><thead><tr>${
    ["published model", "published", "ours", "our run", "profile", "data"]
      .map((h) => `<th>${h}</th>`).join("")
  }</tr></thead><tbody>${rows.join("")}</tbody></table>` +
    `<p class="note">A run on a stand-in dataset is not a reproduction of the published number; it shows how the method does on the data we have. Our intervals: 95% Wilson and t-based (study 002's method) on our test images.</p>`;
}

/** Every dataset and stand-in the study's runs used, named once. */
export function dataUsed(runs: ReportRun[]): string {
  const seen = new Map<string, Set<string>>();
  const checked = new Set<string>();
  for (const r of runs) {
    // Photos a trained model was only checked on are listed apart.
    if (r.run.tags?.check === "photos") {
      checked.add(r.run.dataset.id);
      continue;
    }
    const notes = seen.get(r.run.dataset.id) ?? new Set<string>();
    if (r.run.tags?.standIn) notes.add(r.run.tags.standIn);
    seen.set(r.run.dataset.id, notes);
  }
  const items = [...seen.entries()].sort(([a], [b]) => a < b ? -1 : 1).map((
    [id, notes],
  ) =>
    `<li><b>${escape(id)}</b>${
      notes.size
        ? ` — <span class="standin">stand-in</span>: ${
          escape([...notes].sort().join("; "))
        }`
        : " — the study's own data"
    }</li>`
  );
  const checks = [...checked].sort().map((id) =>
    `<li><b>${
      escape(id)
    }</b> — photos trained models were checked on, never trained on</li>`
  );
  return `<p>Data used:</p><ul>${[...items, ...checks].join("")}</ul>`;
}
