/**
 * `deno task train`: trains study 004's Fashion-MNIST CNN end to end on the
 * dataset mirror and writes a complete run record under `reports/runs/`.
 * Rerunning the same command resumes an interrupted run from its last
 * checkpoint, or reports the finished one.
 *
 * ```sh
 * deno run -A tasks/train.ts --profile smoke            # seconds, CI
 * deno run -A tasks/train.ts --profile course --backend wasm
 * deno run -A tasks/train.ts --profile full --backend webgpu
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { selectBackend } from "../lib/backend.ts";
import { buildFashionMnistCnn } from "../lib/models/fashion_mnist_cnn.ts";
import { compileClassifier } from "../lib/train/compile.ts";
import { fit } from "../lib/train/fit.ts";
import { labelsOf, predictClasses } from "../lib/train/predict.ts";
import { autoProgress } from "../lib/train/progress.ts";
import {
  fashionMnistMirror,
  fashionMnistSample,
} from "../lib/testing/fashion_mnist_sample.ts";
import { validationAccuracy } from "../lib/train/search.ts";
import { DEFAULT_RUNS_ROOT, readRun, RunRecord } from "../lib/runs/record.ts";
import { runId } from "../lib/runs/run_id.ts";
import { FASHION_MNIST_CLASSES } from "../lib/data/acquire/catalog.ts";

const CLASS_NAMES: string[] = [...FASHION_MNIST_CLASSES];

/** Images per class for each profile: train / validation (from the train file), test (t10k). */
const PROFILES = {
  smoke: { train: 20, validation: 10, test: 10, epochs: 1, patience: 1 },
  course: { train: 500, validation: 100, test: 1000, epochs: 5, patience: 2 },
  full: { train: 5000, validation: 1000, test: 1000, epochs: 20, patience: 3 },
} as const;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    profile: { type: "string", default: "smoke" },
    backend: { type: "string" },
    seed: { type: "string", default: "42" },
    epochs: { type: "string" },
    "batch-size": { type: "string", default: "32" },
    "learning-rate": { type: "string", default: "0.001" },
    "runs-root": { type: "string", default: DEFAULT_RUNS_ROOT },
    overwrite: { type: "boolean", default: false },
  },
});

const profileName = values.profile as keyof typeof PROFILES;
const profile = PROFILES[profileName];
if (!profile) {
  throw new Error(
    `Unknown profile "${values.profile}"; use ${
      Object.keys(PROFILES).join(", ")
    }`,
  );
}
const seed = Number(values.seed);
const batchSize = Number(values["batch-size"]);
const learningRate = Number(values["learning-rate"]);
const epochs = values.epochs ? Number(values.epochs) : profile.epochs;
const root = values["runs-root"]!;

const backend = await selectBackend(values.backend);
console.error(
  `backend: ${backend.name} on ${backend.device} (${backend.reason})`,
);

const params = {
  study: "004",
  model: "fashion_mnist_cnn",
  profile: profileName,
  backend: backend.name,
  epochs,
  batchSize,
  learningRate,
  optimizer: "adam",
  patience: profile.patience,
  perClass: {
    train: profile.train,
    validation: profile.validation,
    test: profile.test,
  },
};
const name = "Fashion-MNIST CNN";
const id = runId(name, params, seed);
const existing = await readRun(join(root, id));
if (existing?.status === "complete" && !values.overwrite) {
  const metrics = JSON.parse(
    await Deno.readTextFile(join(root, id, "metrics.json")),
  );
  console.log(
    `run ${id} is already complete: test accuracy ${metrics.testAccuracy}`,
  );
  Deno.exit(0);
}

// The mirror's SHA256SUMS lists every file's hash, so its own hash fingerprints the dataset.
const sums = await Deno.readFile(join(fashionMnistMirror(), "SHA256SUMS"));
const fingerprint = `sha256:${createHash("sha256").update(sums).digest("hex")}`;

const train = await fashionMnistSample({
  split: "train",
  perClass: profile.train,
  seed,
});
const validation = await fashionMnistSample({
  split: "train",
  perClass: profile.validation,
  offset: profile.train,
  seed: seed + 1,
});
const test = await fashionMnistSample({
  split: "t10k",
  perClass: profile.test,
  seed: seed + 2,
});

const run = await RunRecord.start({
  name,
  params,
  seed,
  dataset: { id: "fashion-mnist", fingerprint },
  splits: {
    train: train.labels.length,
    validation: validation.labels.length,
    test: test.labels.length,
  },
  backend: { name: backend.name, device: backend.device },
  tags: { profile: profileName },
}, { root, overwrite: values.overwrite });
console.error(`run ${run.id} -> ${run.dir}`);

try {
  const model = buildFashionMnistCnn({ seed });
  compileClassifier(model, { learningRate });
  const started = performance.now();
  const result = await fit(model, train, {
    epochs,
    batchSize,
    seed,
    validation,
    earlyStopping: { patience: profile.patience },
    checkpointPath: run.checkpointPath,
    progress: autoProgress(),
  });
  const seconds = (performance.now() - started) / 1000;
  const trainedEpochs = result.history.length - result.resumedAtEpoch;
  const [pred] = await predictClasses(model, test.x);
  const trueLabels = await labelsOf(test.y);
  const correct = pred.predicted.filter((c, i) => c === trueLabels[i]).length;
  const metrics = {
    testAccuracy: correct / trueLabels.length,
    valAccuracy: validationAccuracy(result),
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    trainImagesPerSecond: trainedEpochs > 0
      ? (trainedEpochs * train.labels.length) / seconds
      : null,
  };
  await run.writeHistory(result.history);
  await run.writePredictions({
    classNames: CLASS_NAMES,
    trueLabels,
    predictedLabels: pred.predicted,
    probabilities: pred.probabilities,
  });
  await run.writeMetrics(metrics);
  await run.saveModel(model);
  await run.complete();
  console.log(JSON.stringify({ run: run.id, ...metrics }));
} catch (error) {
  await run.fail(error);
  throw error;
}
