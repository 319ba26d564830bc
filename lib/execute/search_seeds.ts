/**
 * The winner's seeds ({@linkcode SearchOptions.winnerSeeds}): once the
 * winner is chosen and tested, its configuration is trained again from
 * scratch with each further seed (`seed + 1`, …; the full budget, under
 * halving the last rung's epochs) and tested, each into a `<name> test`
 * record with the winner's test parameters and its own seed, tagged
 * `seedReplicateOf` (the winner's test record). They measure how much the
 * chosen configuration's result moves with the seed; nothing is chosen by
 * them. As jobs they are one more batch.
 *
 * @module
 */
import { join } from "node:path";
import type { Params, SearchStrategy } from "../train/search.ts";
import { readRun, RunRecord } from "../runs/record.ts";
import { runId } from "../runs/run_id.ts";
import { runBatch } from "./executor.ts";
import type { SearchExecution } from "./execution_scope.ts";
import { reuseOrTrain } from "./run_claim.ts";
import { testInto, testParamsOf } from "./search_evaluation.ts";
import type {
  SearchOptions,
  SearchResult,
  SeedTest,
} from "./search_options.ts";
import { trialJob } from "./search_trial_jobs.ts";

/** The further seeds of the chosen configuration ({@linkcode SearchOptions.winnerSeeds}). */
function furtherSeeds<P extends Params>(options: SearchOptions<P>): number[] {
  const count = Math.max(1, options.winnerSeeds ?? 1);
  return Array.from({ length: count - 1 }, (_, i) => options.seed + 1 + i);
}

/** A seed replicate of a configuration: what it trains and the record it writes. */
export interface SeedReplicate<P extends Params> {
  params: P;
  seed: number;
  testParams: Params;
  runId: string;
}

function seedReplicateOf<P extends Params>(
  options: SearchOptions<P>,
  strategy: SearchStrategy,
  params: P,
  seed: number,
): SeedReplicate<P> {
  const testParams = testParamsOf(options, strategy, params);
  return {
    params,
    seed,
    testParams,
    runId: runId(`${options.name} test`, testParams, seed),
  };
}

/** Trial mode: the seed replicate whose record is `id`, if any candidate has one. */
export function findSeedReplicate<P extends Params>(
  options: SearchOptions<P>,
  strategy: SearchStrategy,
  id: string,
): SeedReplicate<P> | undefined {
  for (const params of options.candidates) {
    for (const seed of furtherSeeds(options)) {
      const replicate = seedReplicateOf(options, strategy, params, seed);
      if (replicate.runId === id) return replicate;
    }
  }
  return undefined;
}

/**
 * The chosen configuration's test with each seed: the winner's own, then
 * each further seed's (reused, else trained and tested here or, with a
 * dispatcher, as one batch of jobs first).
 */
export async function testWinnerSeeds<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  strategy: SearchStrategy,
  result: Omit<SearchResult<P>, "seedTests">,
  dispatcher?: SearchExecution,
): Promise<SeedTest[]> {
  const replicates = furtherSeeds(options).map((seed) =>
    seedReplicateOf(options, strategy, result.best.params, seed)
  );
  const dispatched = new Set<string>();
  if (dispatcher) {
    const pending: string[] = [];
    for (const r of replicates) {
      const previous = await readRun(join(root, r.runId));
      if (previous?.status !== "complete") pending.push(r.runId);
    }
    if (pending.length) {
      await runBatch(dispatcher.executor!, {
        name: `${options.name} winner's seeds`,
        root,
        jobs: pending.map((id) => trialJob(options, root, dispatcher, id)),
      });
      pending.forEach((id) => dispatched.add(id));
    }
  }
  const tests: SeedTest[] = [{
    runId: result.testRunId,
    seed: options.seed,
    testMetrics: result.testMetrics,
    reused: false,
  }];
  for (const r of replicates) {
    const test = await seedReplicate(options, root, strategy, r);
    if (dispatched.has(test.runId)) test.reused = false;
    tests.push(test);
  }
  return tests;
}

/**
 * One seed replicate: its complete record reused, else, under the run
 * folder's claim, the configuration trained from scratch with the
 * replicate's seed (the full budget) and tested into one record (history,
 * predictions, metrics with `valAccuracy`, the model).
 */
export async function seedReplicate<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  strategy: SearchStrategy,
  replicate: SeedReplicate<P>,
): Promise<SeedTest> {
  return await reuseOrTrain<Record<string, unknown>, SeedTest>(
    join(root, replicate.runId),
    options.info.dataset,
    (testMetrics) => ({
      runId: replicate.runId,
      seed: replicate.seed,
      testMetrics,
      reused: true,
    }),
    async () => {
      const name = `${options.name} test`;
      const run = await RunRecord.start({
        ...options.info,
        name,
        params: replicate.testParams,
        seed: replicate.seed,
        tags: {
          ...options.info.tags,
          seedReplicateOf: runId(name, replicate.testParams, options.seed),
        },
      }, { root });
      try {
        const trained = await options.train(replicate.params, {
          seed: replicate.seed,
          checkpointPath: run.checkpointPath,
          epochs: strategy.kind === "halving" ? strategy.maxEpochs : undefined,
        });
        if (!Number.isFinite(trained.valAccuracy)) {
          trained.model.dispose();
          throw new Error(
            `Seed replicate ${replicate.runId} returned validation accuracy ${trained.valAccuracy}`,
          );
        }
        await run.writeHistory(trained.history);
        const testMetrics = await testInto(
          run,
          options,
          trained.model,
          replicate.params,
          trained.valAccuracy,
        );
        trained.model.dispose();
        return {
          runId: replicate.runId,
          seed: replicate.seed,
          testMetrics,
          reused: false,
        };
      } catch (error) {
        await run.fail(error);
        throw error;
      }
    },
  );
}
