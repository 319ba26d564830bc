/**
 * Successive halving, epochs as the budget (the `full` profile's strategy):
 * rung `r` trains its trials to `minEpochs * eta^r` epochs (capped;
 * `halvingSchedule` in `lib/train/search.ts`) and keeps the best
 * `floor(n / eta)` by validation accuracy (the earlier candidate on ties);
 * the last rung's best trial wins.
 *
 * A trial is one run record across rungs: a kept trial's record stays
 * `running` and its next rung continues its fit from the trial's
 * checkpoint (reopened: `fit` returns a finished checkpoint as it is, so
 * the `finished` mark is lifted first); the record is completed only when
 * the trial stops (dropped after a rung, or the last rung), so a complete
 * trial is finished. Between rungs the trial's folder holds `rungs.json`
 * (epochs and validation accuracy per rung so far), `history.json` and the
 * model, so a search killed at any point resumes where it stopped. A
 * complete trial's `metrics.json` adds `stoppedAtRung`, `rungEpochs` and
 * `rungValAccuracy`; its `run.json` has a `resumed` entry each time the
 * record was reopened (for a rung, or to be completed after it lost one).
 * Under early stopping a rung ends on its best epoch's weights, and the
 * next rung continues from those (as Keras Tuner's Hyperband does), with
 * the early-stopping state carried on; a trial whose patience ran out
 * trains no further. The test record's `search.json` holds the strategy,
 * the rungs (epochs, trials, kept), the seed and every trial's rung and
 * per-rung validation accuracy.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { loadModel } from "../models/model_files.ts";
import {
  type HalvingRung,
  halvingSchedule,
  type Params,
  rankBest,
  type SearchStrategy,
} from "../train/search.ts";
import { readCheckpoint, writeCheckpoint } from "../train/checkpoint.ts";
import { type LoopState, readLoopState } from "../train/fit_checkpoint.ts";
import { assertSameData, readRun, RunRecord } from "../runs/record.ts";
import type { RunInfo } from "../runs/run_json.ts";
import { runId } from "../runs/run_id.ts";
import { runBatch } from "./executor.ts";
import type { SearchExecution } from "./execution_scope.ts";
import { withRunClaim } from "./run_claim.ts";
import type {
  HalvingRecord,
  SearchOptions,
  TrialSummary,
} from "./search_options.ts";
import { trialJob } from "./search_trial_jobs.ts";

/** A halving trial as the search goes: what its record holds so far. */
interface HalvingTrial<P extends Params> {
  /** Candidate index. */
  index: number;
  /** The candidate's hyperparameters. */
  params: P;
  /** The run id (of the record params: `params` plus the halving settings). */
  id: string;
  /** Epochs of each rung trained so far. */
  rungEpochs: number[];
  /** Validation accuracy at the end of each rung trained so far. */
  rungValAccuracy: number[];
  /** The rung it stopped at, once it has. */
  stoppedAtRung?: number;
  /** Whether its record is complete. */
  complete: boolean;
  /** Whether this call trained any of it. */
  trained: boolean;
}

/** The run-record params of a halving trial: the candidate's plus the halving settings (ids apart from exhaustive trials). */
export function halvingParams<P extends Params>(
  params: P,
  strategy: Extract<SearchStrategy, { kind: "halving" }>,
): Params {
  return {
    ...params,
    search: "halving",
    halvingEta: strategy.eta,
    halvingMinEpochs: strategy.minEpochs,
  };
}

/** Reads a JSON file, or null when it does not exist. */
async function readJsonOrNull<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Lets a fit continue from the checkpoint at `path` to `epochs`: a fit
 * that finished short of them (not by early stopping) is marked
 * unfinished again, weights, optimizer and loop state untouched. Does
 * nothing when there is no checkpoint, or it is unfinished, stopped early,
 * or already at `epochs` (so it is safe to repeat after a kill).
 */
export async function reopenCheckpoint(
  path: string,
  epochs: number,
): Promise<void> {
  const state = await readLoopState(path);
  if (
    !state || !state.finished || state.stopped || state.nextEpoch >= epochs
  ) return;
  const saved = await readCheckpoint<LoopState>(path);
  if (!saved) return;
  try {
    await writeCheckpoint(
      path,
      { ...saved.state, finished: false },
      saved.tensors,
    );
  } finally {
    tf.dispose([
      ...saved.tensors.model,
      ...saved.tensors.best,
      ...saved.tensors.optimizer.map((w) => w.tensor),
    ]);
  }
}

/** What successive halving does to one trial, shared by the search and its trial jobs. */
function halvingSteps<P extends Params>(
  options: SearchOptions<P>,
  strategy: Extract<SearchStrategy, { kind: "halving" }>,
  root: string,
) {
  const rungs = halvingSchedule(options.candidates.length, strategy);
  const trialName = `${options.name} trial`;
  const infoOf = (params: P): RunInfo => ({
    ...options.info,
    name: trialName,
    params: halvingParams(params, strategy),
    seed: options.seed,
  });
  const idOf = (params: P) =>
    runId(trialName, halvingParams(params, strategy), options.seed);

  /** The trial of candidate `index` as its folder has it now. */
  const load = async (index: number): Promise<HalvingTrial<P>> => {
    const params = options.candidates[index];
    const id = idOf(params);
    const dir = join(root, id);
    const previous = await readRun(dir);
    if (previous) assertSameData(previous, dir, options.info.dataset);
    const complete = previous?.status === "complete";
    const saved = await readJsonOrNull<{
      rungEpochs: number[];
      rungValAccuracy: number[];
      stoppedAtRung?: number;
    }>(join(dir, complete ? "metrics.json" : "rungs.json"));
    if (complete && !saved?.rungValAccuracy) {
      throw new Error(
        `Trial ${id} is complete but its metrics.json has no rungValAccuracy; delete ${dir} to rerun it`,
      );
    }
    const trial: HalvingTrial<P> = {
      index,
      params,
      id,
      rungEpochs: saved?.rungEpochs ?? [],
      rungValAccuracy: saved?.rungValAccuracy ?? [],
      stoppedAtRung: complete ? saved?.stoppedAtRung : undefined,
      complete,
      trained: false,
    };
    trial.rungEpochs.forEach((e, r) => {
      if (rungs[r]?.epochs !== e) {
        throw new Error(
          `Trial ${id} trained rung ${r} to ${e} epochs, but this search's rung ${r} is ${
            rungs[r]?.epochs ?? "absent"
          } (another candidate set?); delete ${dir} to rerun it`,
        );
      }
    });
    return trial;
  };
  /** Takes over what another process wrote into `t`'s folder. */
  const adopt = (t: HalvingTrial<P>, now: HalvingTrial<P>) => {
    t.rungEpochs = now.rungEpochs;
    t.rungValAccuracy = now.rungValAccuracy;
    t.complete = now.complete;
    if (now.complete) t.stoppedAtRung = now.stoppedAtRung;
  };

  const summaryOf = (t: HalvingTrial<P>): TrialSummary<P> => ({
    params: t.params,
    runId: t.id,
    valAccuracy: t.rungValAccuracy[t.rungValAccuracy.length - 1],
    reused: !t.trained,
    stoppedAtRung: t.stoppedAtRung,
    rungValAccuracy: [...t.rungValAccuracy],
  });
  const metricsOf = (t: HalvingTrial<P>) => ({
    valAccuracy: t.rungValAccuracy[t.rungValAccuracy.length - 1],
    stoppedAtRung: t.stoppedAtRung,
    rungEpochs: t.rungEpochs,
    rungValAccuracy: t.rungValAccuracy,
  });
  const rungsJson = (t: HalvingTrial<P>) => ({
    rungEpochs: t.rungEpochs,
    rungValAccuracy: t.rungValAccuracy,
  });

  /**
   * Trains `t` to the rung's epochs (continuing its checkpoint) under its
   * folder's claim; completes it in the last rung. Nothing to do when
   * another process trained the rung meanwhile.
   */
  const trainRung = (t: HalvingTrial<P>, rung: HalvingRung) =>
    withRunClaim(join(root, t.id), async () => {
      adopt(t, await load(t.index));
      if (t.rungValAccuracy.length > rung.rung) return;
      if (t.complete) {
        throw new Error(
          `Trial ${t.id} stopped at rung ${t.stoppedAtRung} in an earlier search, but this one keeps it for rung ${rung.rung} (another candidate set?); delete ${
            join(root, t.id)
          } to rerun it`,
        );
      }
      if (t.rungValAccuracy.length < rung.rung) {
        throw new Error(
          `Trial ${t.id} has trained ${t.rungValAccuracy.length} rungs; it cannot train rung ${rung.rung} before rung ${t.rungValAccuracy.length}`,
        );
      }
      const last = rung.rung === rungs.length - 1;
      const run = await RunRecord.start(infoOf(t.params), { root });
      try {
        if (rung.rung > 0) {
          await reopenCheckpoint(run.checkpointPath, rung.epochs);
        }
        const result = await options.train(t.params, {
          seed: options.seed,
          checkpointPath: run.checkpointPath,
          epochs: rung.epochs,
        });
        if (!Number.isFinite(result.valAccuracy)) {
          result.model.dispose();
          throw new Error(
            `Trial ${t.id} returned validation accuracy ${result.valAccuracy} at rung ${rung.rung}`,
          );
        }
        t.trained = true;
        t.rungEpochs.push(rung.epochs);
        t.rungValAccuracy.push(result.valAccuracy);
        await run.writeHistory(result.history);
        await run.writeJson("rungs.json", rungsJson(t));
        await run.saveModel(result.model);
        result.model.dispose();
        if (last) {
          t.stoppedAtRung = rung.rung;
          await run.writeMetrics(metricsOf(t));
          await run.complete();
          t.complete = true;
        }
      } catch (error) {
        await run.fail(error);
        throw error;
      }
    });

  /** Completes the record of `t`, dropped after `rung` (history and model as the rung left them). */
  const close = async (t: HalvingTrial<P>, rung: number) => {
    t.stoppedAtRung = rung;
    if (t.complete) return;
    const dir = join(root, t.id);
    await withRunClaim(dir, async () => {
      adopt(t, await load(t.index));
      if (t.complete) return;
      t.stoppedAtRung = rung;
      const run = await RunRecord.start(infoOf(t.params), { root });
      try {
        const history = JSON.parse(
          await Deno.readTextFile(join(dir, "history.json")),
        );
        const model = await loadModel(join(dir, "model"));
        try {
          await run.writeHistory(history);
          await run.writeJson("rungs.json", rungsJson(t));
          await run.writeMetrics(metricsOf(t));
          await run.saveModel(model);
        } finally {
          model.dispose();
        }
        await run.complete();
        t.complete = true;
      } catch (error) {
        await run.fail(error);
        throw error;
      }
    });
  };
  return { rungs, idOf, load, trainRung, close, summaryOf };
}

/** Trial mode under halving: trains one trial to the job's rung. */
export async function runHalvingTrialJob<P extends Params>(
  options: SearchOptions<P>,
  strategy: Extract<SearchStrategy, { kind: "halving" }>,
  root: string,
  only: NonNullable<SearchExecution["only"]>,
): Promise<TrialSummary<P>> {
  const steps = halvingSteps(options, strategy, root);
  const index = options.candidates.findIndex((p) =>
    steps.idOf(p) === only.runId
  );
  if (index < 0) {
    throw new Error(
      `Run ${only.runId} is not a trial of search "${options.name}" here; were the jobs made with another profile, seed or code version?`,
    );
  }
  const rung = steps.rungs[only.rung ?? -1];
  if (!rung) {
    throw new Error(
      `The job for run ${only.runId} names rung ${only.rung}; this search has rungs 0 to ${
        steps.rungs.length - 1
      }`,
    );
  }
  const trial = await steps.load(index);
  await steps.trainRung(trial, rung);
  return steps.summaryOf(trial);
}

/** Successive halving over the candidates (see the module doc); trials dispatched rung by rung when `dispatcher` is set. */
export async function runHalvingTrials<P extends Params>(
  options: SearchOptions<P>,
  strategy: Extract<SearchStrategy, { kind: "halving" }>,
  root: string,
  dispatcher?: SearchExecution,
): Promise<HalvingRecord<P>> {
  const total = options.candidates.length;
  const steps = halvingSteps(options, strategy, root);
  const { rungs } = steps;
  const trials: HalvingTrial<P>[] = [];
  for (const index of options.candidates.keys()) {
    trials.push(await steps.load(index));
  }

  let alive = trials;
  let selected: HalvingTrial<P> | undefined;
  for (const rung of rungs) {
    const toTrain = alive.filter((t) => t.rungValAccuracy.length <= rung.rung);
    for (const t of toTrain) {
      if (t.complete) {
        throw new Error(
          `Trial ${t.id} stopped at rung ${t.stoppedAtRung} in an earlier search, but this one keeps it for rung ${rung.rung} (another candidate set?); delete ${
            join(root, t.id)
          } to rerun it`,
        );
      }
    }
    if (dispatcher && toTrain.length) {
      await runBatch(dispatcher.executor!, {
        name: `${options.name} trial rung ${rung.rung}`,
        root,
        jobs: toTrain.map((t) =>
          trialJob(options, root, dispatcher, t.id, rung.rung)
        ),
      });
      for (const t of toTrain) {
        const now = await steps.load(t.index);
        if (now.rungValAccuracy.length <= rung.rung) {
          throw new Error(
            `The job for trial ${t.id} ended without training rung ${rung.rung}`,
          );
        }
        Object.assign(t, { ...now, trained: true });
      }
    } else {
      for (const t of toTrain) await steps.trainRung(t, rung);
    }
    const ranked = rankBest(alive.map((t) => t.rungValAccuracy[rung.rung]))
      .map((k) => alive[k]);
    const last = rung.rung === rungs.length - 1;
    const stopping = last ? ranked : ranked.slice(rung.kept);
    for (const t of stopping) {
      await steps.close(t, rung.rung);
      options.onTrial?.(steps.summaryOf(t), t.index, total);
    }
    if (last) selected = ranked[0];
    else {
      alive = ranked.slice(0, rung.kept).sort((a, b) => a.index - b.index);
    }
  }
  const summaries = trials.map(steps.summaryOf);
  return {
    strategy: "halving",
    seed: options.seed,
    eta: strategy.eta,
    minEpochs: strategy.minEpochs,
    maxEpochs: strategy.maxEpochs,
    rungs,
    selected: summaries[selected!.index],
    trials: summaries,
  };
}
