/**
 * A training run for the kill-and-resume tests (`lib/train/resume_test.ts`):
 * trains study 004's CNN on a small real Fashion-MNIST sample with a
 * checkpoint, then writes the history, a digest of the final weights and a
 * digest of the weights after every epoch it trained.
 *
 * Usage: `deno run -A lib/train/testdata/fit_child.ts <checkpoint> <result.json> [options]`
 *
 * - `--kill-at-epoch K`: the process kills itself with SIGKILL at the first
 *   batch of epoch K, when the checkpoint on disk holds epochs 0 … K-1.
 * - `--runs DIR`: trains inside a run record under `DIR` (its own
 *   checkpoint; `<checkpoint>` is then ignored), written and completed as a
 *   study's run would be.
 *
 * The backend is `TFJS_BACKEND` (default `cpu`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../backend.ts";
import { writeJsonAtomic } from "../../io/atomic.ts";
import { buildFashionMnistCnn } from "../../models/fashion_mnist_cnn.ts";
import { RunRecord } from "../../runs/record.ts";
import { compileClassifier } from "../compile.ts";
import { fit } from "../fit.ts";
import type { ProgressReporter } from "../progress.ts";
import { fashionMnistSample } from "../../testing/fashion_mnist_sample.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    "kill-at-epoch": { type: "string" },
    runs: { type: "string" },
  },
});
const [checkpointArg, resultPath] = positionals;
if (!checkpointArg || !resultPath) {
  throw new Error(
    "usage: fit_child.ts <checkpoint> <result.json> [--kill-at-epoch K] [--runs DIR]",
  );
}
const killAtEpoch = values["kill-at-epoch"] === undefined
  ? undefined
  : Number(values["kill-at-epoch"]);
const backend = await selectBackend(Deno.env.get("TFJS_BACKEND") ?? "cpu");
const train = await fashionMnistSample({ perClass: 10, seed: 21 });
const val = await fashionMnistSample({ perClass: 3, offset: 10, seed: 22 });
const model = buildFashionMnistCnn({
  seed: 21,
  filters: 4,
  denseSize: 16,
  dropout: 0.25,
});
compileClassifier(model, { learningRate: 3e-3 });

async function weightsDigest(): Promise<string> {
  const hash = createHash("sha256");
  for (const w of model.getWeights()) {
    hash.update(new Uint8Array((await w.data() as Float32Array).buffer));
  }
  return hash.digest("hex");
}

const epochWeights: Record<number, string> = {};
const progress: ProgressReporter = {
  update(state) {
    if (state.epoch === killAtEpoch && state.batch === 1) {
      Deno.kill(Deno.pid, "SIGKILL");
    }
  },
  async epochEnd(state) {
    epochWeights[state.epoch] = await weightsDigest();
  },
  done() {},
};

const run = values.runs
  ? await RunRecord.start({
    name: "Resume test",
    params: { filters: 4, denseSize: 16 },
    seed: 21,
    dataset: { id: "fashion-mnist", fingerprint: "sample" },
    splits: { train: train.labels.length, validation: val.labels.length },
    backend: { name: backend.name, device: backend.device },
  }, { root: values.runs })
  : undefined;
const result = await fit(model, train, {
  epochs: 3,
  batchSize: 10,
  seed: 21,
  validation: val,
  checkpointPath: run?.checkpointPath ?? checkpointArg,
  progress,
});
const history = result.history.map(({ seconds: _s, ...rest }) => rest);
if (run) {
  await run.writeHistory(history);
  await run.complete();
}
await writeJsonAtomic(resultPath, {
  history,
  resumedAtEpoch: result.resumedAtEpoch,
  weights: await weightsDigest(),
  epochWeights,
  runDir: run?.dir,
});
tf.dispose([train.x, train.y, val.x, val.y]);
