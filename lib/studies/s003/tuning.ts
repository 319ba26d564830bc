/**
 * Study 003's tuning, as a search of ours: the study tuned its network
 * with Keras Tuner over five hyperparameters and publishes the values it
 * chose ({@linkcode STUDY_003_TUNED}); this searches a grid of ours that
 * holds them ({@linkcode STUDY_003_TUNING_SPACE}), sized by the profile
 * (at `full` a seeded draw of candidates by successive halving), chooses
 * on the validation split's average head accuracy and tests the winner
 * once. The study's own network at its settings is `runs.ts`.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import type { Profile } from "../../profiles.ts";
import type { BatchNormPlacement } from "../../models/multi_output.ts";
import { loadModel } from "../../models/model_files.ts";
import type { ProgressReporter } from "../../train/progress.ts";
import {
  gridSearch,
  type Params,
  randomSearch,
  type SearchSpace,
  searchStrategy,
} from "../../train/search.ts";
import { runSearch, type TrialSummary } from "../../execute/search_runs.ts";
import { DEFAULT_RUNS_ROOT } from "../../runs/record.ts";
import { arrayImages } from "../../execute/gallery.ts";
import type { HeadAccuracies, Study003Data } from "./data.ts";
import {
  accuraciesOn,
  evaluateMultiOutput,
  type MultiOutputMetrics,
  type MultiOutputSettings,
  trainMultiOutput,
} from "./train.ts";
import { backendRef, type LabContext } from "../../runs/lab_context.ts";
import { runParams, runTags, study003SplitSizes } from "./runs.ts";

/** The hyperparameters of one tuning candidate. */
export interface Study003Candidate {
  /** Kernel size of every convolution (square). */
  kernelSize: number;
  /** Filters of the first block (each further block doubles them). */
  filters: number;
  /** Units of the shared dense layer. */
  denseSize: number;
  /** BatchNormalization placement. */
  batchNorm: BatchNormPlacement;
  /** Dropout after the shared dense layer (0: none). */
  dropout: number;
}

/** One tuned hyperparameter: what the study says about it and the values tried here. */
export interface Study003TunedHyperparameter {
  /** The candidate's key. */
  key: keyof Study003Candidate;
  /** The study's bullet naming it ("During the hyperparameters tunning, I explored models with:"), verbatim. */
  study: string;
  /** The line of the study's file that holds {@linkcode Study003TunedHyperparameter.study}, counted from 1. */
  line: number;
  /** The values this workspace tries, in grid order. */
  values: readonly (number | string)[];
  /**
   * Whose values they are: `ours` (the study names the hyperparameter but
   * publishes none of the values it tried).
   */
  source: "ours";
  /** How the values were chosen. */
  why: string;
}

/**
 * What study 003 tuned, in the order of its "Project Overview" list, with
 * the values tried here. The study names five hyperparameters (kernel
 * size, filters, dense units, BatchNorm placement, dropout) without one
 * value, so every value list is ours: the untuned network's value with one
 * step either side (filters and dense units halved and doubled; kernel
 * size 3 and 5), BatchNorm at each place the network has, and dropout
 * from none to a half.
 */
export const STUDY_003_TUNED: readonly Study003TunedHyperparameter[] = [
  {
    key: "kernelSize",
    study: "Different local receptive field sizes on the conv2d layers",
    line: 27,
    values: [3, 5],
    source: "ours",
    why: "the untuned network's 3 x 3 and the next odd size",
  },
  {
    key: "filters",
    study: "Different number of filters on the conv2d layers",
    line: 28,
    values: [16, 32, 64],
    source: "ours",
    why:
      "the untuned network's first block (32) halved and doubled; each block doubles its predecessor",
  },
  {
    key: "denseSize",
    study: "Different number of nodes in the dense layer",
    line: 29,
    values: [64, 128, 256],
    source: "ours",
    why: "the untuned network's 128 halved and doubled",
  },
  {
    key: "batchNorm",
    study: "Addition of BatchNormalisation in the model at different positions",
    line: 30,
    values: ["none", "conv", "dense", "both"],
    source: "ours",
    why: "none, after every convolution, after the dense layer, both",
  },
  {
    key: "dropout",
    study: "Addition of Dropout layer with different values",
    line: 31,
    values: [0, 0.25, 0.5],
    source: "ours",
    why: "none to a half, after the dense layer",
  },
];

/**
 * The tuning grid, every combination of {@linkcode STUDY_003_TUNED}'s
 * values (kernel size varying slowest): kernel size x filters x dense
 * units x BatchNorm placement x dropout rate. All values are ours.
 */
export const STUDY_003_TUNING_SPACE: SearchSpace = Object.fromEntries(
  STUDY_003_TUNED.map((h) => [h.key, h.values]),
);

/**
 * What the tuning runs record in their tags besides the study's: the grid
 * is ours (`space: "ours"`), not the study's.
 */
export const STUDY_003_TUNING_TAGS = { space: "ours" } as const;

/**
 * The one setting tried when a profile's grid is `one`: the untuned
 * network's kernel size, filters and dense units, with BatchNorm after the
 * convolutions and dropout 0.25.
 */
export const STUDY_003_ONE_SETTING: Study003Candidate = {
  kernelSize: 3,
  filters: 32,
  denseSize: 128,
  batchNorm: "conv",
  dropout: 0.25,
};

/** A grid point as a candidate. */
function asCandidate(p: Params): Study003Candidate {
  return {
    kernelSize: p.kernelSize as number,
    filters: p.filters as number,
    denseSize: p.denseSize as number,
    batchNorm: p.batchNorm as BatchNormPlacement,
    dropout: p.dropout as number,
  };
}

/**
 * The tuning candidates for a profile: `one` tries
 * {@linkcode STUDY_003_ONE_SETTING}; `subset` draws `maxTrials` distinct
 * grid points with the seed; `full` draws the profile's `oursGridTrials`
 * (the grid is ours: the study gives no values; the whole grid when that
 * is at least its size, in grid order).
 */
export function tuningCandidates(
  profile: Pick<Profile, "grid" | "maxTrials" | "oursGridTrials">,
  seed: number,
): Study003Candidate[] {
  if (profile.grid === "one") return [{ ...STUDY_003_ONE_SETTING }];
  const grid = gridSearch(STUDY_003_TUNING_SPACE);
  const count = profile.grid === "subset"
    ? profile.maxTrials
    : profile.oursGridTrials;
  const chosen = count >= grid.length
    ? grid
    : randomSearch(STUDY_003_TUNING_SPACE, count, seed);
  return chosen.map(asCandidate);
}

/** One trial of the tuning sweep, as the notebook tabulates it. */
export interface TuningTrial extends Study003Candidate {
  /** The trial's run id. */
  runId: string;
  /** Validation accuracies of the kept epoch (per head and averaged); the average chose the winner. */
  validation: HeadAccuracies;
  /** Whether a complete earlier trial was reused. */
  reused: boolean;
  /** Successive halving only: the 0-based rung the trial stopped at. */
  stoppedAtRung?: number;
}

/** The result of {@linkcode tuneStudy003}. */
export interface TuningResult {
  /** Every trial, in candidate order. */
  trials: TuningTrial[];
  /** The winner (highest averaged validation accuracy; the earlier on ties; under halving, of the last rung). */
  best: TuningTrial;
  /** The run id of the winner's one test evaluation. */
  testRunId: string;
  /** The winner's test metrics. */
  testMetrics: MultiOutputMetrics;
}

/** Validation accuracies of a saved model (a reused trial). */
async function savedModelAccuracies(
  dir: string,
  data: Study003Data,
): Promise<HeadAccuracies> {
  const model = await loadModel(dir);
  try {
    return await accuraciesOn(model, data.validation, data.classNames);
  } finally {
    model.dispose();
  }
}

/** The search's name: trials are `Study 003 tuning trial`, its test `Study 003 tuning test`. */
export const STUDY_003_TUNING_NAME = "Study 003 tuning";

/**
 * The tuning search over kernel size x filters x dense units x BatchNorm
 * placement x dropout ({@linkcode STUDY_003_TUNING_SPACE}, ours; at the
 * profile's size, {@linkcode tuningCandidates}, and strategy: successive
 * halving at `full`): each candidate trained as its own run record
 * (`Study 003 tuning trial`, all five values in its params, tagged
 * `space: ours`), the winner chosen by the averaged validation accuracy
 * only, and the test split evaluated once, for the winner, in its own run
 * record (`Study 003 tuning test`), through `runSearch` (completed trials
 * are reused). `candidates` replaces the profile's; a value it leaves out
 * is the untuned network's.
 */
export async function tuneStudy003(
  context: LabContext,
  data: Study003Data,
  options: {
    runsRoot?: string;
    progress?: ProgressReporter;
    onTrial?: (
      trial: TrialSummary<Params>,
      index: number,
      total: number,
    ) => void;
    candidates?: MultiOutputSettings[];
  } = {},
): Promise<TuningResult> {
  const root = options.runsRoot ?? DEFAULT_RUNS_ROOT;
  const candidates = (options.candidates ??
    tuningCandidates(context.profile, context.seed)).map((c) =>
      runParams(c, context.profile, data)
    );
  const measured = new Map<string, HeadAccuracies>();
  const result = await runSearch<Params>({
    name: STUDY_003_TUNING_NAME,
    seed: context.seed,
    candidates,
    root,
    strategy: searchStrategy(context.profile),
    info: {
      dataset: data.dataset,
      splits: study003SplitSizes(data),
      backend: backendRef(context.backend),
      tags: { ...runTags(context.profile), ...STUDY_003_TUNING_TAGS },
    },
    train: async (params, { seed, checkpointPath, epochs }) => {
      const trained = await trainMultiOutput(data, {
        batchNorm: params.batchNorm as BatchNormPlacement,
        dropout: params.dropout as number,
        filters: params.filters as number,
        kernelSize: params.kernelSize as number,
        denseSize: params.denseSize as number,
        blocks: params.blocks as number,
      }, {
        // A halving rung trains to its own epoch count.
        profile: epochs === undefined
          ? context.profile
          : { ...context.profile, epochs },
        seed,
        checkpointPath,
        progress: options.progress,
      });
      measured.set(basename(dirname(checkpointPath)), trained.validation);
      return {
        model: trained.model,
        history: trained.fit.history,
        valAccuracy: trained.validation.average,
      };
    },
    test: async (model) => {
      const { predictions, metrics } = await evaluateMultiOutput(
        model,
        data.test,
        data.classNames,
        await accuraciesOn(model, data.validation, data.classNames),
      );
      return {
        predictions,
        metrics: metrics as unknown as Record<string, unknown>,
        testImages: arrayImages(data.test),
      };
    },
    onTrial: options.onTrial,
  });
  const trials: TuningTrial[] = [];
  for (const t of result.trials) {
    trials.push({
      ...asCandidate(t.params),
      runId: t.runId,
      validation: measured.get(t.runId) ??
        await savedModelAccuracies(join(root, t.runId, "model"), data),
      reused: t.reused,
      ...(t.stoppedAtRung === undefined
        ? {}
        : { stoppedAtRung: t.stoppedAtRung }),
    });
  }
  const best = trials[result.trials.indexOf(result.best)];
  return {
    trials,
    best,
    testRunId: result.testRunId,
    testMetrics: result.testMetrics as unknown as MultiOutputMetrics,
  };
}
