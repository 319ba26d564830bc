/**
 * Executors' common parts: job JSON that keeps `Infinity`, run-folder
 * claims (exclusive, released by the kernel when the holder is killed),
 * and searches whose trials run as jobs: exhaustive and halving (one batch
 * per rung) give the same records as training in the search's own process,
 * and jobs that leave no complete record fail the search with their job
 * id, run id, state and log. The jobs here run through an executor that
 * calls the search in trial mode in this process (the real executors start
 * processes: `tasks/slurm_executor_test.ts`).
 */
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
import {
  gridSearch,
  type Params,
  validationAccuracy,
} from "../train/search.ts";
import { fashionMnistSample } from "../testing/fashion_mnist_sample.ts";
import {
  decodeJobJson,
  encodeJobJson,
  type JobBatch,
  type JobOutcome,
  JobsFailed,
  type RunExecutor,
} from "./executor.ts";
import { CLAIM_FILE, readClaimHolder, tryClaimRun } from "./run_claim.ts";
import {
  runSearch,
  type SearchJobArgs,
  type SearchOptions,
  withSearchExecution,
} from "./search_runs.ts";
import { temporaryDir } from "../testing/temp_dir.ts";

const backend = await selectBackend("cpu");

Deno.test("job JSON keeps non-finite numbers (the full profile's maxTrials)", () => {
  const value = { maxTrials: Infinity, low: -Infinity, x: [1, NaN], s: "a" };
  const back = decodeJobJson<typeof value>(encodeJobJson(value));
  assertEquals(back.maxTrials, Infinity);
  assertEquals(back.low, -Infinity);
  assert(Number.isNaN(back.x[1]));
  assertEquals(back.s, "a");
});

Deno.test("a run claim is exclusive, names its holder, and goes with a killed holder", async () => {
  const dir = join(await Deno.makeTempDir(), "run-a");
  const first = await tryClaimRun(dir);
  assert("claim" in first);
  const second = await tryClaimRun(dir);
  assert("heldBy" in second);
  assertEquals(second.heldBy?.pid, Deno.pid);
  first.claim.release();
  const third = await tryClaimRun(dir);
  assert("claim" in third);
  third.claim.release();

  // Another process holds it until it is killed with SIGKILL.
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const { tryClaimRun } = await import(${
        JSON.stringify(new URL("./run_claim.ts", import.meta.url).href)
      });
      const r = await tryClaimRun(${JSON.stringify(dir)});
      console.log("claim" in r ? "held" : "refused");
      await new Promise((r) => setTimeout(r, 60_000));`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  assertEquals(new TextDecoder().decode(value).trim(), "held");
  const held = await tryClaimRun(dir);
  assert("heldBy" in held);
  assertEquals(held.heldBy?.pid, child.pid);
  child.kill("SIGKILL");
  await child.status;
  reader.releaseLock();
  await child.stdout.cancel();
  const after = await tryClaimRun(dir);
  assert("claim" in after, "the kernel released the killed holder's claim");
  assertEquals((await readClaimHolder(join(dir, CLAIM_FILE)))?.pid, Deno.pid);
  after.claim.release();
});

/** A tiny CNN search over two Fashion-MNIST candidates; counts training calls. */
async function tinySearch(root: string) {
  const train = await fashionMnistSample({ perClass: 6, seed: 31 });
  const val = await fashionMnistSample({ perClass: 4, offset: 6, seed: 32 });
  const test = await fashionMnistSample({ perClass: 3, offset: 10, seed: 33 });
  const trained: string[] = [];
  const options: SearchOptions<Params> = {
    name: "Fashion-MNIST jobs",
    seed: 5,
    root,
    candidates: gridSearch({ kernelSize: [3, 5], filters: [2] }),
    info: {
      dataset: { id: "fashion-mnist", fingerprint: "mirror-sample" },
      splits: { train: 60, validation: 40, test: 30 },
      backend: { name: backend.name, device: backend.device },
      tags: { profile: "smoke" },
    },
    train: async (p, ctx) => {
      trained.push(`${p.kernelSize}x${p.filters}@${ctx.epochs ?? "-"}`);
      const model = buildStudyCnn({
        classes: 10,
        seed: ctx.seed,
        inputShape: [28, 28, 1],
        kernelSize: p.kernelSize as number,
        filters: p.filters as number,
      });
      compileClassifier(model, { learningRate: 1e-2 });
      const fitted = await fit(model, train, {
        epochs: ctx.epochs ?? 2,
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
    test: async (model: tf.LayersModel) => {
      const [pred] = await predictClasses(model, test.x);
      const trueLabels = await labelsOf(test.y);
      return {
        predictions: {
          trueLabels,
          predictedLabels: pred.predicted,
          probabilities: pred.probabilities,
        },
        metrics: {
          testAccuracy: pred.predicted.filter((c, i) => c === trueLabels[i])
            .length / trueLabels.length,
        },
      };
    },
  };
  return { options, trained };
}

/**
 * Runs each job as the job process would (the search in trial mode),
 * here; `fail` names run ids whose job ends without training.
 */
class InProcessJobs implements RunExecutor {
  readonly description = "in-process jobs";
  readonly batches: JobBatch[] = [];
  constructor(
    readonly options: SearchOptions<Params>,
    readonly fail = new Set<string>(),
  ) {}
  async run(batch: JobBatch): Promise<JobOutcome[]> {
    this.batches.push(batch);
    const outcomes: JobOutcome[] = [];
    for (const [i, job] of batch.jobs.entries()) {
      const args = job.args as SearchJobArgs;
      let complete = false;
      if (!this.fail.has(job.runId)) {
        const result = await withSearchExecution({
          only: {
            runId: job.runId,
            rung: job.rung,
            expect: { dataset: args.dataset, splits: args.splits },
          },
        }, () => runSearch(this.options));
        assertEquals(result.trialJob, true);
        assertEquals(result.trials.map((t) => t.runId), [job.runId]);
        complete = true;
      }
      outcomes.push({
        job,
        jobId: `test_${i}`,
        log: `/logs/${i}.log`,
        state: complete ? "COMPLETED" : "FAILED",
        complete,
      });
    }
    return outcomes;
  }
}

/** Every record of `root` without timings. */
async function untimedRecords(root: string, ids: string[]) {
  const out: Record<string, unknown> = {};
  for (const id of ids) {
    const run = await readRun(join(root, id));
    const read = (name: string) =>
      Deno.readTextFile(join(root, id, name)).then(JSON.parse, () => null);
    out[id] = {
      status: run?.status,
      params: run?.params,
      metrics: await read("metrics.json"),
      predictions: await read("predictions.json"),
      history: (await read("history.json") as Record<string, number>[] | null)
        ?.map(({ seconds: _, ...rest }) => rest),
    };
  }
  return out;
}

Deno.test({
  name:
    "trials as jobs: exhaustive and halving (a batch per rung) equal the search trained in-process",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    for (
      const strategy of [
        { kind: "exhaustive" as const },
        { kind: "halving" as const, eta: 2, minEpochs: 1, maxEpochs: 2 },
      ]
    ) {
      await using hereDir = await temporaryDir("test_");
      const here = await tinySearch(hereDir.path);
      const plain = await runSearch({ ...here.options, strategy });
      await using jobsRootDir = await temporaryDir("test_");
      const jobsRoot = jobsRootDir.path;
      const jobs = await tinySearch(jobsRoot);
      const options = { ...jobs.options, strategy };
      const executor = new InProcessJobs(options);
      const dispatched = await withSearchExecution(
        { executor },
        () => runSearch(options),
      );
      assertEquals(
        dispatched.trials.map((t) => [t.runId, t.valAccuracy, t.reused]),
        plain.trials.map((t) => [t.runId, t.valAccuracy, false]),
      );
      assertEquals(dispatched.testRunId, plain.testRunId);
      assertEquals(dispatched.testMetrics, plain.testMetrics);
      const ids = [...plain.trials.map((t) => t.runId), plain.testRunId];
      assertEquals(
        await untimedRecords(jobsRoot, ids),
        await untimedRecords(here.options.root!, ids),
      );
      if (strategy.kind === "halving") {
        assertEquals(
          executor.batches.map((b) => [b.name, b.jobs.map((j) => j.rung)]),
          [
            ["Fashion-MNIST jobs trial rung 0", [0, 0]],
            ["Fashion-MNIST jobs trial rung 1", [1]],
          ],
        );
      } else {
        assertEquals(executor.batches.length, 1);
        assertEquals(executor.batches[0].jobs.length, 2);
        const args = executor.batches[0].jobs[0].args as SearchJobArgs;
        assertEquals(args.profile.name, "smoke");
        assertEquals(args.dataset.fingerprint, "mirror-sample");
      }
      // Again: nothing left to dispatch.
      const before = executor.batches.length;
      await withSearchExecution({ executor }, () => runSearch(options));
      assertEquals(executor.batches.length, before);
    }
  },
});

Deno.test({
  name:
    "jobs that leave no complete record fail the search with job id, run id, state and log",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await using rootDir = await temporaryDir("test_");
    const root = rootDir.path;
    const { options } = await tinySearch(root);
    const probe = new InProcessJobs(options);
    // The second trial's job fails.
    const failing = new InProcessJobs(options, new Set());
    const original = failing.run.bind(failing);
    failing.run = (batch) => {
      failing.fail.add(batch.jobs[1].runId);
      return original(batch);
    };
    const error = await withSearchExecution(
      { executor: failing },
      () => runSearch(options),
    ).then(() => null, (e) => e);
    assert(error instanceof JobsFailed, String(error));
    assertEquals(error.failed.length, 1);
    assertEquals(error.failed[0].jobId, "test_1");
    assert(
      error.message.includes(
        `job test_1  run ${error.failed[0].job.runId}  FAILED  log /logs/1.log`,
      ),
      error.message,
    );
    assertEquals(
      (await readRun(join(root, error.failed[0].job.runId)))?.status,
      undefined,
    );
    // Resubmitted: only that trial's job runs.
    const again = await withSearchExecution(
      { executor: probe },
      () => runSearch(options),
    );
    assertEquals(probe.batches.map((b) => b.jobs.length), [1]);
    assert(again.trials.every((t) => Number.isFinite(t.valAccuracy)));
    await assertRejects(
      () =>
        withSearchExecution(
          { only: { runId: "no-such-run" } },
          () => runSearch(options),
        ),
      /not a trial of search/,
    );
  },
});
