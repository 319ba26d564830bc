/**
 * The test set, once per search: the chosen trial's model evaluated into
 * the `<name> test` record (predictions, the gallery of its first mistakes,
 * metrics with the validation accuracy it was chosen by, the model), and
 * the parameters that record is identified by.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { loadModel } from "../models/model_files.ts";
import type { Params, SearchStrategy } from "../train/search.ts";
import { RunRecord } from "../runs/record.ts";
import { runId } from "../runs/run_id.ts";
import { reuseOrTrain } from "./run_claim.ts";
import { testGallery } from "./gallery.ts";
import { halvingParams } from "./search_halving.ts";
import type {
  SearchOptions,
  SearchResult,
  TrialSummary,
} from "./search_options.ts";

/** The run id of the trial of `params` (exhaustive or halving). */
export function trialIdOf<P extends Params>(
  options: SearchOptions<P>,
  strategy: SearchStrategy,
  params: P,
): string {
  const trialName = `${options.name} trial`;
  return strategy.kind === "halving"
    ? runId(trialName, halvingParams(params, strategy), options.seed)
    : runId(trialName, params, options.seed);
}

/** The parameters of the test record of the configuration `params` when chosen. */
export function testParamsOf<P extends Params>(
  options: SearchOptions<P>,
  strategy: SearchStrategy,
  params: P,
): Params {
  return {
    ...params,
    selectedFrom: trialIdOf(options, strategy, params),
    candidates: options.candidates.length,
    ...(strategy.kind === "halving" ? { search: "halving" } : {}),
  };
}

/**
 * Tests `model` (the configuration `params`) once into `run`: predictions,
 * the gallery of mistakes when the test gives images, the metrics with
 * `valAccuracy`, the model; completes the record and returns the metrics.
 */
export async function testInto<P extends Params>(
  run: RunRecord,
  options: SearchOptions<P>,
  model: tf.LayersModel,
  params: P,
  valAccuracy: number,
): Promise<Record<string, unknown>> {
  const { predictions, metrics, testImages } = await options.test(
    model,
    params,
  );
  const testMetrics = { ...metrics, valAccuracy };
  await run.writePredictions(predictions);
  if (testImages) {
    await run.writeJson(
      "misclassified.json",
      await testGallery(testImages, predictions),
    );
  }
  await run.writeMetrics(testMetrics);
  await run.saveModel(model);
  await run.complete();
  return testMetrics;
}

/**
 * Tests the chosen trial once into the `<name> test` record (reused when
 * complete; its params {@linkcode testParamsOf} the chosen one), writing
 * `searchRecord` as its `search.json`.
 */
export async function testChosen<P extends Params>(
  options: SearchOptions<P>,
  root: string,
  strategy: SearchStrategy,
  trials: TrialSummary<P>[],
  best: TrialSummary<P>,
  searchRecord: unknown,
): Promise<Omit<SearchResult<P>, "seedTests">> {
  const testParams = testParamsOf(options, strategy, best.params);
  if (testParams.selectedFrom !== best.runId) {
    throw new Error(
      `Search "${options.name}": the chosen trial's id ${best.runId} is not ${testParams.selectedFrom} (a bug)`,
    );
  }
  const testName = `${options.name} test`;
  const testId = runId(testName, testParams, options.seed);
  return await reuseOrTrain<
    Record<string, unknown>,
    Omit<SearchResult<P>, "seedTests">
  >(
    join(root, testId),
    options.info.dataset,
    (testMetrics) => ({ trials, best, testRunId: testId, testMetrics }),
    async () => {
      const run = await RunRecord.start({
        ...options.info,
        name: testName,
        params: testParams,
        seed: options.seed,
      }, { root });
      try {
        const model = await loadModel(join(root, best.runId, "model"));
        await run.writeJson("search.json", searchRecord);
        const testMetrics = await testInto(
          run,
          options,
          model,
          best.params,
          best.valAccuracy,
        );
        model.dispose();
        return { trials, best, testRunId: testId, testMetrics };
      } catch (error) {
        await run.fail(error);
        throw error;
      }
    },
  );
}
