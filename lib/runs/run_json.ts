/**
 * The shape of a run record's `run.json` and `predictions.json`: what a run
 * used (dataset and fingerprint, backend, parameters, seed), its status and
 * timing, and its test predictions. Written by `record.ts`, read by the run
 * index, the notebooks and the report.
 *
 * @module
 */

import type { MachineInfo } from "./machine.ts";

/** The dataset a run used: its catalog id and content fingerprint (from the data step). */
export interface DatasetRef {
  /** Catalog id, e.g. `fashion-mnist`. */
  id: string;
  /** Fingerprint of the installed files (e.g. `readFingerprint(id)` of lib/data). */
  fingerprint: string;
}

/** The backend a run computed on (the result of `selectBackend`). */
export interface BackendRef {
  /** Backend name, e.g. `wasm`. */
  name: string;
  /** Device description, e.g. `CPU (2 cores)`. */
  device: string;
  /** Versions of the backend's packages (`BackendChoice.packages`). */
  packages?: Record<string, string>;
}

/** What describes a run before it starts. */
export interface RunInfo {
  /** Human name of the experiment, e.g. `Primary classification`. */
  name: string;
  /** Hyperparameters and settings; part of the run id. */
  params: Record<string, unknown>;
  /** The run seed; part of the run id. */
  seed: number;
  /** The dataset used. */
  dataset: DatasetRef;
  /** Samples per split, e.g. `{ train: 800, validation: 200, test: 250 }`. */
  splits: Record<string, number>;
  /** Where it ran. */
  backend: BackendRef;
  /** Profile (`smoke`, `course`, `full`) or other free-form context. */
  tags?: Record<string, string>;
}

/** Status of a run folder. */
export type RunStatus = "running" | "complete" | "failed";

/** The content of `run.json`. */
export interface RunJson extends RunInfo {
  /** The run id (folder name). */
  id: string;
  /** `complete` only once every other file is written. */
  status: RunStatus;
  /** Package and runtime versions. */
  versions: Record<string, string>;
  /** The machine of its (last) sitting (absent in records made before machines were recorded). */
  machine?: MachineInfo;
  /** ISO time the run (last) started. */
  startedAt: string;
  /** ISO time it completed or failed. */
  finishedAt?: string;
  /**
   * Wall-clock seconds of all its sittings: from start to finish, plus, for
   * a run resumed from its checkpoint, the earlier sittings (a killed one up
   * to its last checkpoint). While a resumed run is running it holds the
   * earlier sittings' seconds.
   */
  durationSeconds?: number;
  /** One entry per time the run was resumed from its checkpoint, in order. */
  resumed?: ResumeNote[];
  /** Error message of a failed run. */
  error?: string;
  /** Files written into the folder, relative to it. */
  files: string[];
}

/** A resume of an interrupted run from its training checkpoint. */
export interface ResumeNote {
  /** The 0-based epoch training went on from (the epochs before it came from the checkpoint). */
  atEpoch: number;
  /** ISO time of the resume. */
  at: string;
}

/** Test-set predictions of one output. */
export interface HeadPredictions {
  /** Class names by index, when known. */
  classNames?: string[];
  /** True class per sample. */
  trueLabels: number[];
  /** Predicted class per sample. */
  predictedLabels: number[];
  /** Class probabilities per sample. */
  probabilities: number[][];
}

/** Predictions of a single-output model, or of each head of a multi-output one. */
export type Predictions = HeadPredictions | {
  heads: Record<string, HeadPredictions>;
};
