import * as tf from "@tensorflow/tfjs";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import { buildStudyCnn } from "../models/study_cnn.ts";
import { readRun } from "../runs/record.ts";
import { compileClassifier } from "../train/compile.ts";
import { fit } from "../train/fit.ts";
import { labelsOf, predictClasses } from "../train/predict.ts";
import { fashionMnistSample } from "../testing/fashion_mnist_sample.ts";
import {
  gridSearch,
  type Params,
  validationAccuracy,
} from "../train/search.ts";
import { runSearch, withSearchExecution } from "./search_runs.ts";
import { readRunRecords } from "../report/report_runs.ts";
import { groupSearches } from "../report/searches.ts";

const backend = await selectBackend("cpu");

Deno.test("search picks the best validation trial and evaluates the test set once", async () => {
  const root = await Deno.makeTempDir();
  // Exhaustive (the default strategy): every candidate one epoch.
  const { options, calls } = await tinySearch(root, 1);
  try {
    const result = await runSearch(options);
    assertEquals(result.trials.length, 4);
    const accs = result.trials.map((t) => t.valAccuracy);
    const bestIndex = accs.indexOf(Math.max(...accs));
    assertEquals(result.best, result.trials[bestIndex]);
    for (const t of result.trials) {
      const saved = JSON.parse(
        await Deno.readTextFile(join(root, t.runId, "metrics.json")),
      );
      assertEquals(saved.valAccuracy, t.valAccuracy);
      assertEquals((await readRun(join(root, t.runId)))?.status, "complete");
    }
    assertEquals(calls.test, [result.best.params]);
    const testRun = await readRun(join(root, result.testRunId));
    assertEquals(testRun?.status, "complete");
    assertEquals(testRun?.params.selectedFrom, result.best.runId);
    const predictions = JSON.parse(
      await Deno.readTextFile(join(root, result.testRunId, "predictions.json")),
    );
    assertEquals(predictions.trueLabels.length, 30);
    const index = JSON.parse(await Deno.readTextFile(join(root, "index.json")));
    assertEquals(index.runs.length, 5);
    // Exhaustive records as before halving existed: no halving keys anywhere.
    const search = JSON.parse(
      await Deno.readTextFile(join(root, result.testRunId, "search.json")),
    );
    assertEquals(Object.keys(search), ["selected", "trials"]);
    for (const t of search.trials) {
      assertEquals(Object.keys(t), [
        "params",
        "runId",
        "valAccuracy",
        "reused",
      ]);
    }
    assertEquals(Object.keys(testRun?.params ?? {}), [
      "kernelSize",
      "filters",
      "selectedFrom",
      "candidates",
    ]);
    assertEquals(result.halving, undefined);

    // Running the same search again reuses every run and never re-tests.
    const again = await runSearch(options);
    assert(again.trials.every((t) => t.reused));
    assertEquals(again.best, { ...result.best, reused: true });
    assertEquals(again.testMetrics, result.testMetrics);
    assertEquals(calls.test.length, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** A tiny CNN search over four candidates whose `train` honours a halving rung's epochs (else trains `defaultEpochs`); counts training and test calls. */
async function tinySearch(root: string, defaultEpochs: number) {
  const train = await fashionMnistSample({ perClass: 6, seed: 31 });
  const val = await fashionMnistSample({ perClass: 4, offset: 6, seed: 32 });
  const test = await fashionMnistSample({ perClass: 3, offset: 10, seed: 33 });
  const calls = {
    train: [] as { params: Params; epochs?: number }[],
    test: [] as Params[],
  };
  /** When set, `train` throws for this candidate at this rung's epochs (a crash mid-search). */
  const crash: { filters?: number; epochs?: number } = {};
  const options = {
    name: "Fashion-MNIST search",
    seed: 5,
    root,
    candidates: gridSearch({ kernelSize: [3, 5], filters: [2, 6] }),
    info: {
      dataset: { id: "fashion-mnist", fingerprint: "mirror-sample" },
      splits: { train: 60, validation: 40, test: 30 },
      backend: { name: backend.name, device: backend.device },
    },
    train: async (
      p: Params,
      ctx: { seed: number; checkpointPath: string; epochs?: number },
    ) => {
      if (crash.filters === p.filters && crash.epochs === ctx.epochs) {
        throw new Error("killed");
      }
      calls.train.push({ params: p, epochs: ctx.epochs });
      const model = buildStudyCnn({
        classes: 10,
        seed: ctx.seed,
        inputShape: [28, 28, 1],
        kernelSize: p.kernelSize as number,
        filters: p.filters as number,
      });
      compileClassifier(model, { learningRate: 1e-2 });
      const fitted = await fit(model, train, {
        epochs: ctx.epochs ?? defaultEpochs,
        batchSize: 20,
        seed: ctx.seed,
        validation: val,
        checkpointPath: ctx.checkpointPath,
      });
      return {
        model,
        history: fitted.history,
        valAccuracy: validationAccuracy(fitted),
      };
    },
    test: async (model: tf.LayersModel, p: Params) => {
      calls.test.push(p);
      const [pred] = await predictClasses(model, test.x);
      const trueLabels = await labelsOf(test.y);
      const correct =
        pred.predicted.filter((c, i) => c === trueLabels[i]).length;
      return {
        predictions: {
          trueLabels,
          predictedLabels: pred.predicted,
          probabilities: pred.probabilities,
        },
        metrics: { testAccuracy: correct / trueLabels.length },
      };
    },
  };
  return { options, calls, crash };
}

/** Halving over the tiny search's four candidates: two rungs, of 1 and 2 epochs. */
const TINY_HALVING = {
  kind: "halving" as const,
  eta: 2,
  minEpochs: 1,
  maxEpochs: 2,
};

/** A history without its timings (those differ between runs). */
function untimed(history: Record<string, number>[]) {
  return history.map(({ seconds: _, ...rest }) => rest);
}

Deno.test("halving: rungs of growing epochs, the best half kept, the last rung's best tested once, resumable", async () => {
  const root = await Deno.makeTempDir();
  const plainRoot = await Deno.makeTempDir();
  const strategy = TINY_HALVING;
  try {
    const { options, calls, crash } = await tinySearch(root, 99);
    // A crash in the last rung, after the first survivor finished it.
    const rung0: number[] = [];
    crash.epochs = 2;
    let firstSurvivor: number | undefined;
    const failing = {
      ...options,
      strategy,
      onTrial: () => {},
    };
    // Which survivor crashes is known only after rung 0: crash the second one.
    const wrappedTrain = failing.train;
    failing.train = async (p, ctx) => {
      if (ctx.epochs === 1) {
        const r = await wrappedTrain(p, { ...ctx, epochs: 1 });
        rung0.push(r.valAccuracy);
        return r;
      }
      if (firstSurvivor === undefined) firstSurvivor = p.filters as number;
      else crash.filters = p.filters as number;
      return wrappedTrain(p, ctx);
    };
    await assertRejects(() => runSearch(failing), /killed/);
    assertEquals(calls.test.length, 0);
    const trainedBefore = calls.train.length;
    assertEquals(trainedBefore, 4 + 1);

    // Rerun: only the crashed trial's last rung trains.
    crash.filters = undefined;
    const result = await runSearch({ ...options, strategy });
    assertEquals(calls.train.length - trainedBefore, 1);
    assertEquals(calls.train.at(-1)?.epochs, 2);
    const halving = result.halving!;
    assertEquals(halving.rungs, [
      { rung: 0, epochs: 1, trials: 4, kept: 2 },
      { rung: 1, epochs: 2, trials: 2, kept: 1 },
    ]);
    assertEquals(halving.seed, 5);
    assertEquals(halving.strategy, "halving");

    // Rung 0: the best two by validation accuracy (the earlier on ties) go on.
    const acc0 = result.trials.map((t) => t.rungValAccuracy![0]);
    assertEquals(acc0, rung0);
    const order = acc0.map((_, i) => i).sort((a, b) =>
      acc0[b] - acc0[a] || a - b
    );
    const kept = order.slice(0, 2).sort();
    for (const [i, t] of result.trials.entries()) {
      const survived = kept.includes(i);
      assertEquals(t.stoppedAtRung, survived ? 1 : 0);
      assertEquals(t.rungValAccuracy!.length, survived ? 2 : 1);
      assertEquals(t.valAccuracy, t.rungValAccuracy!.at(-1));
      const run = await readRun(join(root, t.runId));
      assertEquals(run?.status, "complete");
      assertEquals(run?.params.search, "halving");
      assert(run?.files.includes("model/model.json"));
      const metrics = JSON.parse(
        await Deno.readTextFile(join(root, t.runId, "metrics.json")),
      );
      assertEquals(metrics.stoppedAtRung, t.stoppedAtRung);
      assertEquals(metrics.rungEpochs, survived ? [1, 2] : [1]);
      const history = JSON.parse(
        await Deno.readTextFile(join(root, t.runId, "history.json")),
      );
      assertEquals(history.length, survived ? 2 : 1);
    }
    // The winner: the best validation accuracy of the last rung.
    const last = result.trials.filter((t) => t.stoppedAtRung === 1);
    const bestLast = last.reduce((a, b) =>
      b.valAccuracy > a.valAccuracy ? b : a
    );
    assertEquals(result.best, bestLast);
    assertEquals(halving.selected, result.best);
    assertEquals(calls.test, [result.best.params]);
    const testRun = await readRun(join(root, result.testRunId));
    assertEquals(testRun?.params.selectedFrom, result.best.runId);
    const search = JSON.parse(
      await Deno.readTextFile(join(root, result.testRunId, "search.json")),
    );
    assertEquals(search, JSON.parse(JSON.stringify(halving)));

    // The report reads the records back: every trial shown, with its rung.
    const records = await readRunRecords(root);
    assertEquals(records.notShown, []);
    const [group] = groupSearches(records.runs);
    assertEquals(group.halving, { rungEpochs: [1, 2], trialsPerRung: [4, 2] });
    assertEquals(group.chosenId, result.best.runId);
    assertEquals(
      group.trials.map((t) => t.stoppedAtRung).sort(),
      [0, 0, 1, 1],
    );

    // A survivor's second rung continued its first: the same epochs, bit
    // for bit, as one uninterrupted two-epoch fit of the same candidate.
    const plain = await tinySearch(plainRoot, 2);
    const exhaustive = await runSearch(plain.options);
    for (const t of last) {
      const twin = exhaustive.trials.find((e) =>
        JSON.stringify(e.params) === JSON.stringify(t.params)
      )!;
      const [a, b] = await Promise.all(
        [join(root, t.runId), join(plainRoot, twin.runId)].map(async (d) =>
          untimed(
            JSON.parse(await Deno.readTextFile(join(d, "history.json"))),
          )
        ),
      );
      assertEquals(a, b);
      assertEquals(t.valAccuracy, twin.valAccuracy);
    }

    // Again: everything reused, nothing trained, the test never repeated.
    const trained = calls.train.length;
    const again = await runSearch({ ...options, strategy });
    assertEquals(calls.train.length, trained);
    assertEquals(calls.test.length, 1);
    assert(again.trials.every((t) => t.reused));
    assertEquals(again.testRunId, result.testRunId);
    assertEquals(again.testMetrics, result.testMetrics);
    assertEquals(
      again.trials.map((t) => [t.runId, t.stoppedAtRung, t.rungValAccuracy]),
      result.trials.map((t) => [t.runId, t.stoppedAtRung, t.rungValAccuracy]),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(plainRoot, { recursive: true });
  }
});

Deno.test("winner's seeds: the chosen configuration trained from scratch with each further seed and tested, as jobs or here, reused on a rerun", async () => {
  const root = await Deno.makeTempDir();
  const jobRoot = await Deno.makeTempDir();
  const strategy = TINY_HALVING;
  try {
    const { options, calls } = await tinySearch(root, 99);
    const seeded = { ...options, strategy, winnerSeeds: 3 };
    const result = await runSearch(seeded);
    const trainedBySearch = 4 + 2;
    // Two more trainings, each with the full budget (the last rung's epochs).
    assertEquals(
      calls.train.slice(trainedBySearch).map((c) => [c.params, c.epochs]),
      [[result.best.params, 2], [result.best.params, 2]],
    );
    assertEquals(calls.test, [
      result.best.params,
      result.best.params,
      result.best.params,
    ]);
    assertEquals(result.seedTests.map((t) => t.seed), [5, 6, 7]);
    assertEquals(result.seedTests[0].runId, result.testRunId);
    const winnerTest = await readRun(join(root, result.testRunId));
    for (const t of result.seedTests.slice(1)) {
      const record = await readRun(join(root, t.runId));
      assertEquals(record?.status, "complete");
      assertEquals(record?.seed, t.seed);
      // Same name and parameters as the winner's test: only the seed differs.
      assertEquals(record?.name, winnerTest?.name);
      assertEquals(record?.params, winnerTest?.params);
      assertEquals(
        t.runId.replace(/-s\d+$/, ""),
        result.testRunId.replace(/-s\d+$/, ""),
      );
      assertEquals(record?.tags?.seedReplicateOf, result.testRunId);
      const metrics = JSON.parse(
        await Deno.readTextFile(join(root, t.runId, "metrics.json")),
      );
      assertEquals(metrics, t.testMetrics);
      assert(typeof metrics.valAccuracy === "number");
      const history = JSON.parse(
        await Deno.readTextFile(join(root, t.runId, "history.json")),
      );
      assertEquals(history.length, 2);
    }
    // The seeds differ from each other (initialisation and batch order follow the seed).
    const predictionsOf = async (id: string) =>
      JSON.parse(await Deno.readTextFile(join(root, id, "predictions.json")))
        .probabilities;
    assert(
      JSON.stringify(await predictionsOf(result.seedTests[1].runId)) !==
        JSON.stringify(await predictionsOf(result.seedTests[2].runId)),
    );

    // The report keeps the winner's own test as the search's and lists the others.
    const [group] = groupSearches((await readRunRecords(root)).runs);
    assertEquals(group.test?.run.id, result.testRunId);
    assertEquals(
      group.seedTests.map((r) => r.run.id),
      result.seedTests.slice(1).map((t) => t.runId),
    );

    // A rerun reuses everything.
    const before = calls.train.length;
    const again = await runSearch(seeded);
    assertEquals(calls.train.length, before);
    assertEquals(calls.test.length, 3);
    assert(again.seedTests.slice(1).every((t) => t.reused));
    assertEquals(
      again.seedTests.map((t) => t.testMetrics),
      result.seedTests.map((t) => t.testMetrics),
    );

    // A job (trial mode) trains one replicate by its run id, with the same result.
    const jobOptions = { ...seeded, root: jobRoot };
    const replicateId = result.seedTests[2].runId;
    const job = await withSearchExecution(
      { only: { runId: replicateId } },
      () => runSearch(jobOptions),
    );
    assertEquals(job.trialJob, true);
    assertEquals(job.trials[0].runId, replicateId);
    assertEquals(
      untimed(JSON.parse(
        await Deno.readTextFile(join(jobRoot, replicateId, "history.json")),
      )),
      untimed(JSON.parse(
        await Deno.readTextFile(join(root, replicateId, "history.json")),
      )),
    );
    assertEquals(
      JSON.parse(
        await Deno.readTextFile(join(jobRoot, replicateId, "predictions.json")),
      ),
      JSON.parse(
        await Deno.readTextFile(join(root, replicateId, "predictions.json")),
      ),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(jobRoot, { recursive: true });
  }
});
