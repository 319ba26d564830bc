/**
 * The exhaustive strategy (the default): every candidate trained once, to
 * its full epochs, each into its own `<name> trial` record; the winner is
 * the best validation accuracy. A complete trial is reused when the search
 * runs again (same name, parameters and seed give the same run id).
 *
 * @module
 */
import { join } from "node:path";
import type { Params } from "../train/search.ts";
import { assertSameData, readRun, RunRecord } from "../runs/record.ts";
import { runId } from "../runs/run_id.ts";
import { runBatch } from "./executor.ts";
import type { SearchExecution } from "./execution_scope.ts";
import { reuseOrTrain } from "./run_claim.ts";
import type { SearchOptions, TrialSummary } from "./search_options.ts";
import { trialJob } from "./search_trial_jobs.ts";

/**
 * One trial of an exhaustive search: its complete record reused, else
 * trained into its record under the run folder's claim (reused after all
 * when another process completed it while this one waited for the claim).
 */
async function exhaustiveTrial<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  params: P,
): Promise<TrialSummary<P>> {
  const trialName = `${options.name} trial`;
  const id = runId(trialName, params, options.seed);
  return await reuseOrTrain<{ valAccuracy: number }, TrialSummary<P>>(
    join(root, id),
    options.info.dataset,
    (metrics) => ({
      params,
      runId: id,
      valAccuracy: metrics.valAccuracy,
      reused: true,
    }),
    async () => {
      const run = await RunRecord.start({
        ...options.info,
        name: trialName,
        params,
        seed: options.seed,
      }, { root });
      try {
        const result = await options.train(params, {
          seed: options.seed,
          checkpointPath: run.checkpointPath,
        });
        if (!Number.isFinite(result.valAccuracy)) {
          throw new Error(
            `Trial ${id} returned validation accuracy ${result.valAccuracy}`,
          );
        }
        await run.writeHistory(result.history);
        await run.writeMetrics({ valAccuracy: result.valAccuracy });
        await run.saveModel(result.model);
        await run.complete();
        result.model.dispose();
        return {
          params,
          runId: id,
          valAccuracy: result.valAccuracy,
          reused: false,
        };
      } catch (error) {
        await run.fail(error);
        throw error;
      }
    },
  );
}

/** Trial mode: trains (or reuses) the one trial whose record is `only.runId`. */
export async function exhaustiveTrialJob<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  only: NonNullable<SearchExecution["only"]>,
): Promise<TrialSummary<P>> {
  const trialName = `${options.name} trial`;
  const ids = options.candidates.map((p) => runId(trialName, p, options.seed));
  const index = ids.indexOf(only.runId);
  if (index < 0) {
    throw new Error(
      `Run ${only.runId} is not a trial of search "${options.name}" here (its trials: ${
        ids.join(", ")
      }); were the jobs made with another profile, seed or code version?`,
    );
  }
  return await exhaustiveTrial(options, root, options.candidates[index]);
}

/**
 * Every candidate's trial, in candidate order: reused when complete, else
 * trained here or, with a dispatcher, as one batch of jobs first.
 */
export async function runExhaustiveTrials<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  dispatcher?: SearchExecution,
): Promise<TrialSummary<P>[]> {
  const trialName = `${options.name} trial`;
  const ids = options.candidates.map((p) => runId(trialName, p, options.seed));
  const dispatched = new Set<string>();
  if (dispatcher) {
    const pending: string[] = [];
    for (const id of ids) {
      const previous = await readRun(join(root, id));
      if (previous?.status === "complete") {
        assertSameData(previous, join(root, id), options.info.dataset);
      } else pending.push(id);
    }
    if (pending.length) {
      await runBatch(dispatcher.executor!, {
        name: trialName,
        root,
        jobs: pending.map((id) => trialJob(options, root, dispatcher, id)),
      });
      pending.forEach((id) => dispatched.add(id));
    }
  }
  const trials: TrialSummary<P>[] = [];
  for (const [i, params] of options.candidates.entries()) {
    const summary = await exhaustiveTrial(options, root, params);
    if (dispatched.has(summary.runId)) summary.reused = false;
    trials.push(summary);
    options.onTrial?.(summary, i, options.candidates.length);
  }
  return trials;
}
