/**
 * `deno task bench`: training and prediction throughput and peak memory of
 * study 000's primary CNN on the selected backend.
 *
 *   deno task bench [--backend NAME] [--json] [--batch 32] [--predict-batch 256]
 *                   [--min-seconds 10] [--min-batches 5] [--warmup 2] [--phase train|predict]
 *                   [--read-every-step] [--torch [--python python3]]
 *
 * `--torch` also runs `tasks/bench/torch_bench.py` (PyTorch, same network and
 * measurement; on CUDA when the backend is webgpu, else on the CPU) and
 * prints the TF.js / PyTorch ratio per phase.
 *
 * Random inputs are fine here: the figure is about compute, not accuracy.
 */
import {
  describeBackend,
  resolveBackendRequest,
  selectBackend,
} from "../../lib/backend.ts";
import {
  measurePrediction,
  measureTraining,
  type ThroughputResult,
} from "../../lib/bench/throughput.ts";
import { buildStudyCnn } from "../../lib/models/study_cnn.ts";
import { createOptimizer } from "../../lib/train/compile.ts";
import {
  compareWithTorch,
  runTorchBench,
} from "../../lib/bench/torch_compare.ts";
import { TaskArgs } from "../args.ts";

const cli = new TaskArgs(
  "bench",
  "usage: deno task bench [--backend NAME] [--json] [--batch 32] [--predict-batch 256] [--min-seconds 10] [--min-batches 5] [--warmup 2] [--phase train|predict] [--seed 42] [--read-every-step] [--torch [--python python3]]",
);
const { values } = cli.parse({
  options: {
    backend: { type: "string" },
    json: { type: "boolean", default: false },
    batch: { type: "string", default: "32" },
    "predict-batch": { type: "string", default: "256" },
    "min-seconds": { type: "string", default: "10" },
    "min-batches": { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
    phase: { type: "string" },
    seed: { type: "string", default: "42" },
    "read-every-step": { type: "boolean", default: false },
    torch: { type: "boolean", default: false },
    python: { type: "string", default: "python3" },
  },
});

const phase = cli.oneOf("phase", values.phase, ["train", "predict"]);
const phases = phase ? [phase] : ["train", "predict"];
const batch = cli.positiveInt("batch", values.batch);
const predictBatch = cli.positiveInt("predict-batch", values["predict-batch"]);
const seed = cli.positiveInt("seed", values.seed);
const common = {
  warmupBatches: cli.integer("warmup", values.warmup, { min: 0 }),
  minBatches: cli.positiveInt("min-batches", values["min-batches"]),
  minSeconds: cli.number("min-seconds", values["min-seconds"], { min: 0 }),
  seed,
};
cli.check(() => resolveBackendRequest(values.backend));

const backend = await selectBackend(values.backend);
if (!values.json) console.error(`backend ${describeBackend(backend)}`);
const results: ThroughputResult[] = [];
for (const phase of phases) {
  // Study 000 primary CNN: conv 64 3x3, pool, conv 64 3x3, pool, dense 3.
  const model = buildStudyCnn({ classes: 3, seed, kernelSize: 3, filters: 64 });
  model.compile({
    optimizer: createOptimizer("adam", 1e-3),
    loss: "categoricalCrossentropy",
  });
  const result = phase === "train"
    ? await measureTraining(model, {
      ...common,
      batchSize: batch,
      readEveryStep: values["read-every-step"],
    })
    : await measurePrediction(model, {
      ...common,
      batchSize: predictBatch,
    });
  model.dispose();
  results.push(result);
  if (values.json) {
    console.log(JSON.stringify({
      model: "primary-cnn",
      backend: backend.name,
      device: backend.device,
      ...result,
    }));
  }
}

if (!values.json) {
  console.table(results.map((r) => ({
    model: "primary-cnn",
    backend: backend.name,
    phase: r.phase,
    batch: r.batchSize,
    images: r.images,
    "img/s": Number(r.imagesPerSecond.toFixed(1)),
    "peak RSS MiB": Math.round(r.peakRssMiB),
  })));
}

if (values.torch) {
  const torch = await runTorchBench({
    device: backend.name === "webgpu" ? "cuda" : "cpu",
    batch,
    predictBatch,
    minSeconds: common.minSeconds,
    minBatches: common.minBatches,
    warmup: common.warmupBatches,
    python: values.python,
  }).catch((error: Error) => {
    console.error(error.message);
    Deno.exit(1);
  });
  const pairs = compareWithTorch(results, torch);
  if (values.json) {
    for (const line of torch) console.log(JSON.stringify(line));
    for (const pair of pairs) {
      console.log(JSON.stringify({ model: "primary-cnn", ...pair }));
    }
  } else {
    console.table(pairs.map((p) => ({
      phase: p.phase,
      batch: p.batchSize,
      "tfjs img/s": Number(p.tfjsImagesPerSecond.toFixed(1)),
      "PyTorch img/s": Number(p.torchImagesPerSecond.toFixed(1)),
      "tfjs / PyTorch": Number(p.ratio.toFixed(3)),
      PyTorch: p.torch,
    })));
  }
}
