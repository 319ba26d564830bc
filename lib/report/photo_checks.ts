/**
 * The report's section on photos the models never saw (photo-check
 * records, `lib/execute/photo_check.ts`): per check, the photos and the
 * model run checked, accuracy per class with n and a 95% Wilson interval,
 * the confusion matrix, and a gallery of the misclassified photos (the
 * thumbnails the record keeps, most confident mistakes first). Kept apart
 * from the in-domain test results: these photos are not the test set.
 *
 * @module
 */
import { formatPercent as percent } from "../eval/format.ts";
import { seedSpread } from "../eval/seed_spread.ts";
import type { PhotoCheckMetrics } from "../runs/photo_check_metrics.ts";
import { confusionMatrixSvg } from "./charts.ts";
import {
  anchor,
  type Cell,
  escape,
  folderHref,
  range,
  referenceFacts,
  table,
} from "./html.ts";
import type { ReportRun } from "./report_runs.ts";
import { readGallery } from "../runs/gallery.ts";
import { galleryHtml } from "./gallery.ts";
import { type ShownEntry, withJpeg } from "./thumbnails.ts";

/** The per-class table of a check: n, correct, accuracy and its 95% Wilson interval. */
export function perClassTable(m: PhotoCheckMetrics): string {
  const rows: (string | Cell)[][] = m.perClass.map((c) => [
    escape(c.className),
    { html: String(c.n), sort: c.n },
    { html: String(c.correct), sort: c.correct },
    c.accuracy === null
      ? { html: "–", sort: -1 }
      : { html: percent(c.accuracy), sort: c.accuracy },
    c.wilson95 ? range(c.wilson95) : "–",
  ]);
  rows.push([
    "<b>all</b>",
    { html: String(m.n), sort: m.n },
    { html: String(m.correct), sort: m.correct },
    { html: `<b>${percent(m.accuracy)}</b>`, sort: m.accuracy },
    range(m.wilson95),
  ]);
  return table(["class", "n", "correct", "accuracy", "95% Wilson"], rows, {
    sortable: true,
  });
}

/**
 * A check's results: the per-class table beside the confusion matrix, then
 * the gallery of misclassified photos (the report and the notebooks show
 * the same).
 */
export function photoCheckBody(
  m: PhotoCheckMetrics,
  gallery: readonly ShownEntry[],
): string {
  const wrong = m.misclassified.length;
  return `<div style="display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start"><div>${
    perClassTable(m)
  }</div><figure>${
    confusionMatrixSvg(m.confusion, m.classNames)
  }<figcaption>rows: true class; columns: predicted</figcaption></figure></div>
${
    wrong
      ? `<h5>Misclassified: ${
        gallery.length < wrong
          ? `the ${gallery.length} most confident of ${wrong} mistakes`
          : `all ${wrong}`
      }</h5>${galleryHtml(gallery)}`
      : "<p>No photo misclassified.</p>"
  }`;
}

/**
 * Thumbnails of mistakes the report shows per check (the record keeps up to
 * 48, notebooks show them all): the page carries every check of every model,
 * and stays a few megabytes.
 */
export const REPORT_GALLERY_MAX = 12;

/** One photo check: what was checked, per-class accuracy, confusion matrix, gallery. */
export function photoCheckSection(
  r: ReportRun,
  runs: readonly ReportRun[],
  reportDir: string,
): string {
  const m = r.metrics as unknown as PhotoCheckMetrics;
  const checked = runs.find((x) => x.run.id === m.modelRunId);
  return `<section class="run" id="${escape(anchor(r.run.id))}">
<h4>${escape(r.run.name)}</h4>
<p class="facts">Model: ${
    checked
      ? `<a href="#${escape(anchor(checked.run.id))}">${
        escape(checked.run.name)
      }</a> (${escape(checked.run.id)})`
      : escape(m.modelRunId)
  }; photos: ${escape(r.run.dataset.id)} <code>${
    escape(r.run.dataset.fingerprint.slice(0, 16))
  }</code>, ${m.n} photos; profile ${escape(r.run.tags?.profile ?? "?")}${
    referenceFacts(r)
  }. Record: <a href="${escape(folderHref(r, reportDir))}/">${
    escape(r.run.id)
  }/</a>. The photos never entered training or model selection.</p>
${photoCheckBody(m, (r.gallery ?? []).slice(0, REPORT_GALLERY_MAX))}
</section>`;
}

/**
 * One row per checked model: its stand-in test accuracy and, for each photo
 * set it was checked on, accuracy with n and a 95% Wilson interval and the
 * per-class counts (the variants' table of notebook 12). A model name that
 * has several rows (the same model at two profiles, or trained with
 * several seeds, as notebook 12's robust option) says each row's profile
 * and seed, and a model trained with several seeds at one profile gets a
 * row more: the mean, standard deviation and range over its seeds.
 */
export function photoChecksSummary(
  checks: readonly ReportRun[],
  runs: readonly ReportRun[],
): string {
  const photoSets = [...new Set(checks.map((c) => c.run.dataset.id))].sort();
  const byModel = new Map<string, ReportRun[]>();
  for (const c of checks) {
    const id = (c.metrics as unknown as PhotoCheckMetrics).modelRunId;
    byModel.set(id, [...(byModel.get(id) ?? []), c]);
  }
  const modelOf = (id: string) => runs.find((r) => r.run.id === id);
  const names = [...byModel.keys()].map((id) => modelOf(id)?.run.name);
  const label = (model: ReportRun) =>
    names.filter((n) => n === model.run.name).length > 1
      ? `${model.run.name} (${trainingOf(model)}, seed ${model.run.seed})`
      : model.run.name;
  const entries = [...byModel.entries()]
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  const rows: (string | Cell)[][] = entries.map(([id, mine]) => {
    const model = modelOf(id);
    const test = testMetrics(model);
    return [
      model
        ? `<a href="#${escape(anchor(id))}">${escape(label(model))}</a>`
        : escape(id),
      typeof test?.accuracy === "number"
        ? {
          html: `${percent(test.accuracy)} <small>(n ${test.n}${
            test.wilson95 ? `; ${range(test.wilson95)}` : ""
          })</small>`,
          sort: test.accuracy,
        }
        : { html: "–", sort: -1 },
      ...photoSets.map((p): Cell | string => {
        const check = mine.find((c) => c.run.dataset.id === p);
        if (!check) return { html: "–", sort: -1 };
        const m = check.metrics as unknown as PhotoCheckMetrics;
        return {
          html: `<a href="#${escape(anchor(check.run.id))}">${
            percent(m.accuracy)
          }</a> <small>(n ${m.n}; ${range(m.wilson95)})<br>${
            m.perClass.filter((k) => k.n > 0).map((k) =>
              `${escape(k.className)} ${k.correct}/${k.n}`
            ).join(", ")
          }</small>`,
          sort: m.accuracy,
        };
      }),
    ];
  });
  rows.push(...seedMeanRows(entries, modelOf, photoSets));
  return table(
    ["model", "stand-in test", ...photoSets.map((p) => escape(p))],
    rows,
    { sortable: true },
  );
}

/**
 * What a model run was trained at, beside its name: its profile, and the
 * cap of training photos per class where the run records one of its own
 * (notebook 12's data curve, parameter `trainPerClass`).
 */
function trainingOf(model: ReportRun): string {
  const cap = model.run.params?.trainPerClass;
  return `${model.run.tags?.profile ?? "?"}${
    cap === undefined ? "" : `, at most ${cap} per class`
  }`;
}

/** A model run's test accuracy, n and interval, where its metrics have them. */
function testMetrics(model: ReportRun | undefined) {
  return model?.metrics as {
    accuracy?: number;
    n?: number;
    wilson95?: { low: number; high: number };
  } | undefined;
}

/**
 * For each model name trained with several seeds at one profile, a row:
 * mean (sd) and range over the seeds of its stand-in test accuracy and of
 * each photo set's, with each class's range of correct photos.
 */
function seedMeanRows(
  entries: readonly [string, ReportRun[]][],
  modelOf: (id: string) => ReportRun | undefined,
  photoSets: readonly string[],
): (string | Cell)[][] {
  const groups = new Map<string, [ReportRun, ReportRun[]][]>();
  for (const [id, mine] of entries) {
    const model = modelOf(id);
    if (!model) continue;
    const key = `${model.run.name}\u0000${trainingOf(model)}`;
    groups.set(key, [...(groups.get(key) ?? []), [model, mine]]);
  }
  const spreadCell = (values: number[], extra = ""): Cell => {
    const s = seedSpread(values);
    return {
      html: `${percent(s.mean)} <small>(sd ${(100 * s.sd).toFixed(1)} points; ${
        percent(s.min)
      }–${percent(s.max)})${extra}</small>`,
      sort: s.mean,
    };
  };
  const out: (string | Cell)[][] = [];
  for (const members of groups.values()) {
    const seeds = new Set(members.map(([m]) => m.run.seed));
    if (seeds.size < 2 || seeds.size !== members.length) continue;
    const [first] = members[0];
    const tests = members.map(([m]) => testMetrics(m)?.accuracy);
    out.push([
      `<i>${escape(first.run.name)} (${
        escape(trainingOf(first))
      }): mean over ${members.length} seeds</i>`,
      tests.every((t) => typeof t === "number")
        ? spreadCell(tests as number[])
        : { html: "–", sort: -1 },
      ...photoSets.map((p): Cell => {
        const metrics = members.map(([, mine]) =>
          mine.find((c) => c.run.dataset.id === p)?.metrics as unknown as
            | PhotoCheckMetrics
            | undefined
        );
        if (metrics.some((m) => !m)) return { html: "–", sort: -1 };
        const all = metrics as PhotoCheckMetrics[];
        const perClass = all[0].perClass.flatMap((k, i) => {
          if (k.n === 0) return [];
          const correct = all.map((m) => m.perClass[i].correct);
          const [low, high] = [Math.min(...correct), Math.max(...correct)];
          return [
            `${escape(k.className)} ${
              low === high ? low : `${low}–${high}`
            }/${k.n}`,
          ];
        });
        return spreadCell(
          all.map((m) => m.accuracy),
          `<br>${perClass.join(", ")}`,
        );
      }),
    ]);
  }
  return out;
}

/**
 * A photo check as a notebook shows it: which run and photos, how many
 * right, then {@link photoCheckBody} with the record's gallery.
 */
export async function photoCheckHtml(
  check: { runId: string; dir: string; metrics: PhotoCheckMetrics },
): Promise<string> {
  const m = check.metrics;
  return `<h4>${
    escape(check.runId)
  }</h4><p>${m.correct} of ${m.n} photos right (${
    percent(m.accuracy)
  }; 95% Wilson ${range(m.wilson95)}).</p>` +
    photoCheckBody(m, await withJpeg(await readGallery(check.dir)));
}
