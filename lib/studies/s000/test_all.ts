/**
 * Notebook 08: finds each catalog model's run record, loads its saved model,
 * rebuilds its held-out test split from the data source with the run's
 * profile and seed, and tests it again, without training; and the table of
 * every model's result beside the study's published number.
 *
 * @module
 */
import { formatSeedSpread, type SeedSpread } from "../../eval/seed_spread.ts";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { getProfile, type Profile } from "../../profiles.ts";
import { loadModel } from "../../models/model_files.ts";
import { predictClasses } from "../../train/predict.ts";
import { formatPercent as percent } from "../../eval/format.ts";
import { DEFAULT_RUNS_ROOT, readHeadPredictions } from "../../runs/record.ts";
import type { RunJson } from "../../runs/run_json.ts";
import { readRunFolders } from "../../runs/run_index.ts";
import { seedGroup } from "../../runs/run_id.ts";
import {
  type ClassifierMetrics,
  classifierMetrics,
} from "../../runs/classifier_metrics.ts";
import { toTensors } from "../../execute/classifier_run.ts";
import { type ModelLevel } from "./specs.ts";
import { type ShopArraysSource } from "./data.ts";
import {
  CatalogEntry,
  publishedTestAccuracy,
  STUDY_000_CATALOG,
} from "./catalog.ts";

/** Complete run records under `root`. */
export async function completeRuns(
  root = DEFAULT_RUNS_ROOT,
): Promise<{ dir: string; run: RunJson }[]> {
  const out: { dir: string; run: RunJson }[] = [];
  for (const { dir, run } of await readRunFolders(root)) {
    if (run?.status === "complete") out.push({ dir, run });
  }
  return out.sort((a, b) => a.run.id < b.run.id ? -1 : 1);
}

/**
 * The run holding a catalog model's final weights at a profile: tagged with
 * its study, model and profile, with a saved model (a search's `test` run,
 * not its trials); of a run made with several seeds the first seed's (the
 * one its splits were made with; a search winner's further seeds are
 * tagged `seedReplicateOf`); the latest when there are several.
 */
export function findModelRun(
  runs: { dir: string; run: RunJson }[],
  entry: CatalogEntry,
  profile: string,
): { dir: string; run: RunJson } | undefined {
  const candidates = runs.filter(({ run }) =>
    run.tags?.study === entry.study &&
    run.tags?.model === entry.model &&
    run.tags?.profile === profile &&
    run.files.includes("model/model.json") &&
    (entry.search ? run.name === `${entry.model} test` : true) &&
    run.tags?.seedReplicateOf === undefined
  );
  const matching = candidates.filter(({ run }) =>
    !candidates.some((other) =>
      seedGroup(other.run.id) === seedGroup(run.id) && other.run.seed < run.seed
    )
  );
  return matching.sort((a, b) =>
    (a.run.finishedAt ?? "") < (b.run.finishedAt ?? "") ? -1 : 1
  ).at(-1);
}

/** One row of notebook 08's table. */
export interface ModelTestRow {
  study: string;
  model: string;
  level: ModelLevel;
  notebook: string;
  /** The run re-tested, or undefined when the model has not been trained at this profile. */
  runId?: string;
  /** Metrics of the re-test on the held-out test set (the validation accuracy is the training run's). */
  metrics?: ClassifierMetrics;
  /** Test images whose re-test prediction equals the prediction recorded by the training run. */
  agreeing?: number;
  /** The study's published test accuracy. */
  published?: number;
}

/**
 * Tests every catalog model that has a run at `profile` on its held-out
 * test set: loads the saved model, rebuilds the test split from the data
 * source with the run's profile and seed, predicts, and computes the
 * metrics; never trains. Models without a run are listed with the notebook
 * that makes them.
 */
export async function testAllModels(
  source: ShopArraysSource,
  profile: Profile,
  catalog: readonly CatalogEntry[] = STUDY_000_CATALOG,
  runsRoot = DEFAULT_RUNS_ROOT,
): Promise<ModelTestRow[]> {
  const runs = await completeRuns(runsRoot);
  const rows: ModelTestRow[] = [];
  for (const entry of catalog) {
    const row: ModelTestRow = {
      study: entry.study,
      model: entry.model,
      level: entry.level,
      notebook: entry.notebook,
      published: publishedTestAccuracy(entry.study, entry.model),
    };
    rows.push(row);
    const found = findModelRun(runs, entry, profile.name);
    if (!found) continue;
    const data = await entry.load(
      source,
      getProfile(found.run.tags?.profile ?? profile.name),
      found.run.seed,
    );
    const recorded = await readHeadPredictions(found.dir);
    if (
      JSON.stringify(recorded.classNames) !== JSON.stringify(data.classNames)
    ) {
      throw new Error(
        `${found.run.id}: recorded classes ${recorded.classNames} differ from the data's ${data.classNames}; was the data converted again?`,
      );
    }
    const model = await loadModel(join(found.dir, "model"));
    const { x, y } = toTensors(data.test, data.classNames.length);
    try {
      const [predictions] = await predictClasses(model, x);
      const trueLabels = Array.from(data.test.labels);
      row.runId = found.run.id;
      const recordedMetrics = JSON.parse(
        await Deno.readTextFile(join(found.dir, "metrics.json")),
      ) as { validationAccuracy?: number | null; valAccuracy?: number };
      row.metrics = classifierMetrics(
        trueLabels,
        predictions.predicted,
        data.classNames,
        recordedMetrics.valAccuracy ?? recordedMetrics.validationAccuracy ??
          null,
      );
      row.agreeing = predictions.predicted.filter((p, i) =>
        p === recorded.predictedLabels[i]
      ).length;
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
  }
  return rows;
}

/** One model's result for {@link resultsTable}. */
export interface ResultRow {
  study: string;
  model: string;
  level: string;
  metrics?: ClassifierMetrics;
  runId?: string;
  /** What to show instead of numbers when there are none. */
  note?: string;
  /** The test accuracy's spread over the profile's seeds, when it trained with several. */
  seeds?: SeedSpread;
}

/**
 * A markdown table of models: test n, accuracy, 95% Wilson interval,
 * validation accuracy, the study's published test accuracy, and the run.
 */
export function resultsTable(rows: ResultRow[]): string {
  const withSeeds = rows.some((r) => (r.seeds?.n ?? 1) > 1);
  const header = [
    "study",
    "model",
    "level",
    "n",
    "test accuracy",
    "95% Wilson",
    "validation",
    "published test",
    ...(withSeeds ? ["seeds (test accuracy)"] : []),
    "run",
  ];
  const line = (cells: (string | number)[]) =>
    `| ${cells.map((c) => String(c).replaceAll("|", "\\|")).join(" | ")} |`;
  return [
    line(header),
    line(header.map(() => "---")),
    ...rows.map((r) => {
      const m = r.metrics;
      return line([
        r.study,
        r.model,
        r.level,
        m ? m.n : "–",
        m ? `${percent(m.accuracy)} (${m.correct}/${m.n})` : r.note ?? "–",
        m ? `${percent(m.wilson95.low)}–${percent(m.wilson95.high)}` : "–",
        percent(m?.validationAccuracy),
        percent(publishedTestAccuracy(r.study, r.model), 2),
        ...(withSeeds ? [r.seeds ? formatSeedSpread(r.seeds) : "–"] : []),
        r.runId ?? "–",
      ]);
    }),
  ].join("\n");
}
