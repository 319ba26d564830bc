/**
 * Run records: one folder per run under `reports/runs/<run-id>/` holding
 *
 * - `run.json`: parameters, seed, backend and device, package versions,
 *   dataset id and fingerprint, split sizes, status, timing;
 * - `history.json`, `predictions.json`, `metrics.json` (and any extra JSON);
 * - `model/` (TF.js layers format) and `checkpoint.bin` while training.
 *
 * Every file is written atomically. `run.json` is written first with status
 * `running` and rewritten last with status `complete`, so a run killed at
 * any point never looks complete; rerunning it reuses the folder (and its
 * training checkpoint). Completing a run rebuilds `index.json`.
 *
 * A rerun that finds the run's checkpoint resumes it: `run.json` gets a
 * `resumed` entry (`{ atEpoch, at }`) for every resume, and its
 * `durationSeconds` counts every sitting (a killed sitting up to the time
 * of its last checkpoint, a failed one up to its failure).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeJsonAtomic } from "../io/atomic.ts";
import { saveModel } from "../models/model_files.ts";
import { type LoopState, readLoopState } from "../train/fit_checkpoint.ts";
import { machineInfo } from "./machine.ts";
import { runId } from "./run_id.ts";
import { rebuildRunIndex } from "./run_index.ts";
import type {
  DatasetRef,
  HeadPredictions,
  Predictions,
  RunInfo,
  RunJson,
} from "./run_json.ts";

/** `reports/runs` of this repository. */
export const DEFAULT_RUNS_ROOT = fileURLToPath(
  new URL("../../reports/runs", import.meta.url),
);

/** Package and runtime versions recorded with every run. */
export function runtimeVersions(): Record<string, string> {
  const versions: Record<string, string> = {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
  };
  for (const [pkg, v] of Object.entries(tf.version)) {
    versions[`@tensorflow/${pkg}`] = String(v);
  }
  return versions;
}

/** Reads `run.json` of a run folder, or null when there is none. */
export async function readRun(dir: string): Promise<RunJson | null> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, "run.json")));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new Error(
      `Cannot read ${
        join(dir, "run.json")
      } (${error}); delete the folder to rerun it`,
    );
  }
}

/**
 * The `metrics.json` of the run in `dir` when the run is complete, or null
 * when there is no run there or it is not complete (running or failed): what
 * a caller reuses instead of training the run again.
 *
 * With `dataset`, a complete run made from other data (another dataset id or
 * fingerprint: the data were installed or converted again since) is refused
 * with an error saying so, instead of being reused as if it were this run.
 */
export async function completeRunMetrics<M = Record<string, unknown>>(
  dir: string,
  dataset?: DatasetRef,
): Promise<M | null> {
  const run = await readRun(dir);
  if (run?.status !== "complete") return null;
  if (dataset) assertSameData(run, dir, dataset);
  return JSON.parse(await Deno.readTextFile(join(dir, "metrics.json"))) as M;
}

/**
 * Refuses to reuse the run in `dir` when it was made from other data than
 * `dataset` (another dataset id or fingerprint), saying what to do.
 */
export function assertSameData(
  run: RunJson,
  dir: string,
  dataset: DatasetRef,
): void {
  if (
    run.dataset.id === dataset.id &&
    run.dataset.fingerprint === dataset.fingerprint
  ) return;
  throw new Error(
    `${dir} holds a run made from other data (${run.dataset.id} ${
      run.dataset.fingerprint.slice(0, 16)
    }) than this run's (${dataset.id} ${
      dataset.fingerprint.slice(0, 16)
    }); its results are not reused. Delete the folder to train it again on the current data, or install the data it was made from.`,
  );
}

/**
 * The test predictions of a single-output run (its `predictions.json`).
 *
 * @throws when the file is missing or holds the predictions of several heads.
 */
export async function readHeadPredictions(
  dir: string,
): Promise<HeadPredictions> {
  const path = join(dir, "predictions.json");
  const predictions = JSON.parse(await Deno.readTextFile(path)) as Predictions;
  if ("heads" in predictions) {
    throw new Error(
      `${path} holds the predictions of several heads (${
        Object.keys(predictions.heads).join(", ")
      }); read one head from it`,
    );
  }
  return predictions;
}

/**
 * Per test image, whether a single-output run predicted it right: the input
 * of paired tests (McNemar) between runs that share a test set.
 */
export async function readTestCorrectness(dir: string): Promise<boolean[]> {
  const p = await readHeadPredictions(dir);
  return p.trueLabels.map((t, i) => t === p.predictedLabels[i]);
}

function checkPredictions(p: HeadPredictions, where: string): void {
  const n = p.trueLabels.length;
  if (p.predictedLabels.length !== n || p.probabilities.length !== n) {
    throw new Error(
      `${where}: ${n} true labels, ${p.predictedLabels.length} predicted labels and ${p.probabilities.length} probability rows; they must be equal`,
    );
  }
}

/** The training checkpoint's name inside a run folder. */
const CHECKPOINT_FILE = "checkpoint.bin";

/** Seconds from ISO time `from` to ISO time `to`, 0 when either is missing or `to` is earlier. */
function secondsBetween(from?: string, to?: string): number {
  const seconds = (Date.parse(to ?? "") - Date.parse(from ?? "")) / 1000;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

/**
 * Seconds an interrupted run has spent over all its sittings, from its
 * `run.json` and the loop state of its checkpoint: a failed run recorded
 * them at its failure (older records: from its start to its failure); a
 * killed one holds those of its earlier sittings, to which its last
 * sitting adds the time from its start to its last checkpoint.
 */
function secondsSoFar(previous: RunJson, checkpoint: LoopState): number {
  if (previous.status === "failed") {
    return previous.durationSeconds ??
      secondsBetween(previous.startedAt, previous.finishedAt);
  }
  return (previous.durationSeconds ?? 0) +
    secondsBetween(previous.startedAt, checkpoint.savedAt);
}

/** An open run folder. Create with {@linkcode RunRecord.start}. */
export class RunRecord {
  /** The run id. */
  readonly id: string;
  /** The run folder. */
  readonly dir: string;
  /** The runs root holding `index.json`. */
  readonly root: string;
  #json: RunJson;
  #started: number;
  /** Seconds of the sittings before this one (0 unless resumed). */
  #earlierSeconds: number;

  private constructor(root: string, json: RunJson, earlierSeconds: number) {
    this.root = root;
    this.id = json.id;
    this.dir = join(root, json.id);
    this.#json = json;
    this.#started = performance.now();
    this.#earlierSeconds = earlierSeconds;
  }

  /**
   * Opens the run's folder and marks it `running`. Refuses to touch a
   * complete run unless `overwrite` is set (use {@linkcode readRun} to reuse
   * its results instead).
   *
   * @example
   * ```ts
   * const run = await RunRecord.start({ name: "Primary", params, seed: 42,
   *   dataset: { id: "fashion-mnist", fingerprint }, splits, backend });
   * const result = await fit(model, train, { ..., checkpointPath: run.checkpointPath });
   * await run.writeHistory(result.history);
   * await run.writePredictions(predictions);
   * await run.writeMetrics({ accuracy });
   * await run.saveModel(model);
   * await run.complete();
   * ```
   */
  static async start(
    info: RunInfo,
    options: { root?: string; overwrite?: boolean } = {},
  ): Promise<RunRecord> {
    const root = options.root ?? DEFAULT_RUNS_ROOT;
    const id = runId(info.name, info.params, info.seed);
    const dir = join(root, id);
    const previous = await readRun(dir);
    if (previous?.status === "complete" && !options.overwrite) {
      throw new Error(
        `Run ${id} is already complete in ${dir}; reuse it, pass { overwrite: true }, or delete the folder`,
      );
    }
    const startedAt = new Date().toISOString();
    const json: RunJson = {
      id,
      ...info,
      status: "running",
      versions: runtimeVersions(),
      machine: machineInfo(),
      startedAt,
      files: [],
    };
    const resume = previous && previous.status !== "complete"
      ? await readLoopState(join(dir, CHECKPOINT_FILE))
      : null;
    let earlierSeconds = 0;
    if (previous && resume && (resume.nextEpoch > 0 || resume.finished)) {
      earlierSeconds = secondsSoFar(previous, resume);
      json.resumed = [
        ...(previous.resumed ?? []),
        { atEpoch: resume.nextEpoch, at: startedAt },
      ];
      json.durationSeconds = earlierSeconds;
    }
    const record = new RunRecord(root, json, earlierSeconds);
    await Deno.mkdir(dir, { recursive: true });
    // Temporary files left by a writer that was killed mid-write.
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && /^\..*\.tmp$/.test(entry.name)) {
        await Deno.remove(join(dir, entry.name)).catch(() => {});
      }
    }
    await record.#writeRunJson();
    return record;
  }

  /** The current content of `run.json` (a copy). */
  get info(): RunJson {
    return structuredClone(this.#json);
  }

  /** Where the training loop keeps this run's checkpoint. */
  get checkpointPath(): string {
    return join(this.dir, CHECKPOINT_FILE);
  }

  /** Seconds of every sitting so far, this one included. */
  #durationSoFar(): number {
    return this.#earlierSeconds + (performance.now() - this.#started) / 1000;
  }

  async #writeRunJson(): Promise<void> {
    await writeJsonAtomic(join(this.dir, "run.json"), this.#json);
  }

  #noteFile(name: string): void {
    if (!this.#json.files.includes(name)) this.#json.files.push(name);
  }

  /** Writes `<name>` (a JSON file) into the run folder atomically. */
  async writeJson(name: string, value: unknown): Promise<void> {
    if (name === "run.json" || name.includes("/") || !name.endsWith(".json")) {
      throw new Error(
        `Cannot write "${name}" into a run folder; use a plain *.json name other than run.json`,
      );
    }
    await writeJsonAtomic(join(this.dir, name), value);
    this.#noteFile(name);
  }

  /** Writes `history.json` (one entry per epoch). */
  writeHistory(history: Record<string, number>[]): Promise<void> {
    return this.writeJson("history.json", history);
  }

  /** Writes `predictions.json` (test predictions), checking lengths agree. */
  async writePredictions(predictions: Predictions): Promise<void> {
    if ("heads" in predictions) {
      for (const [head, p] of Object.entries(predictions.heads)) {
        checkPredictions(p, `predictions of head ${head}`);
      }
    } else checkPredictions(predictions, "predictions");
    await this.writeJson("predictions.json", predictions);
  }

  /** Writes `metrics.json`. */
  writeMetrics(metrics: Record<string, unknown>): Promise<void> {
    return this.writeJson("metrics.json", metrics);
  }

  /** Saves the model into `model/` (TF.js layers format). */
  async saveModel(model: tf.LayersModel): Promise<void> {
    await saveModel(model, join(this.dir, "model"));
    this.#noteFile("model/model.json");
  }

  /** Marks the run complete (written last), removes its checkpoint and rebuilds `index.json`. */
  async complete(): Promise<RunJson> {
    this.#json.status = "complete";
    this.#json.finishedAt = new Date().toISOString();
    this.#json.durationSeconds = this.#durationSoFar();
    await this.#writeRunJson();
    await Deno.remove(this.checkpointPath).catch(() => {});
    await rebuildRunIndex(this.root);
    return this.info;
  }

  /** Marks the run failed with the error's message and rebuilds `index.json`. */
  async fail(error: unknown): Promise<void> {
    this.#json.status = "failed";
    this.#json.finishedAt = new Date().toISOString();
    this.#json.durationSeconds = this.#durationSoFar();
    this.#json.error = error instanceof Error ? error.message : String(error);
    await this.#writeRunJson();
    await rebuildRunIndex(this.root);
  }
}
