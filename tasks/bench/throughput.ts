/**
 * `deno task bench`: training and prediction throughput and peak memory of
 * the benchmark networks (`lib/bench/bench_models.ts`: study 000's primary
 * CNN and its widest searched network) on the selected backend.
 *
 *   deno task bench [--backend NAME] [--model primary-cnn|widest-cnn|all] [--json]
 *                   [--batch 32] [--predict-batch 256] [--min-seconds 10] [--min-batches 5]
 *                   [--warmup 2] [--phase train|predict] [--read-every-step]
 *                   [--keras] [--rounds 1] [--torch [--python python3]]
 *
 * `--keras` also runs `tasks/bench/keras_bench.py`: Keras 3 on the same
 * TensorFlow wheel as the `tensorflow` backend (a virtual environment made
 * once in the download cache), the same networks, the same measurement, and
 * prints the TF.js / Keras ratio per network and phase. `--torch` runs
 * `tasks/bench/torch_bench.py` (PyTorch, the primary CNN; on CUDA when the
 * backend is webgpu, else on the CPU). With `--json` every measurement and
 * every ratio is one JSON line.
 *
 * `--rounds N` repeats the measurements N times, alternating TF.js and the
 * references round by round, and compares the medians: on a shared 2-core
 * machine one run of either side can be far off its usual speed (Keras'
 * training throughput of the primary CNN has been seen at 131 and at 246
 * img/s in two consecutive runs), so a ratio from one round says little.
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
} from "../../lib/bench/throughput.ts";
import {
  BENCH_MODEL_NAMES,
  type BenchModelName,
  buildBenchModel,
} from "../../lib/bench/bench_models.ts";
import {
  compareWithReference,
  type MeasurementKey,
  medianThroughputs,
  type ModelThroughput,
  type ReferenceResult,
  roundThroughputs,
} from "../../lib/bench/reference_bench.ts";
import { runTorchBench } from "../../lib/bench/torch_compare.ts";
import { runKerasBench } from "../../lib/bench/keras_compare.ts";
import { prepareKerasEnv } from "../../lib/bench/keras_env.ts";
import { TaskArgs } from "../args.ts";

const cli = new TaskArgs(
  "bench",
  "usage: deno task bench [--backend NAME] [--model primary-cnn|widest-cnn|all] [--json] [--batch 32] [--predict-batch 256] [--min-seconds 10] [--min-batches 5] [--warmup 2] [--phase train|predict] [--seed 42] [--read-every-step] [--keras] [--rounds 1] [--torch [--python python3]]",
);
const { values } = cli.parse({
  options: {
    backend: { type: "string" },
    model: { type: "string", default: "all" },
    json: { type: "boolean", default: false },
    batch: { type: "string", default: "32" },
    "predict-batch": { type: "string", default: "256" },
    "min-seconds": { type: "string", default: "10" },
    "min-batches": { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
    phase: { type: "string" },
    seed: { type: "string", default: "42" },
    "read-every-step": { type: "boolean", default: false },
    keras: { type: "boolean", default: false },
    rounds: { type: "string", default: "1" },
    torch: { type: "boolean", default: false },
    python: { type: "string", default: "python3" },
  },
});

const phase = cli.oneOf("phase", values.phase, ["train", "predict"]);
const phases = phase ? [phase] : ["train", "predict"] as const;
const model = cli.oneOf("model", values.model, [...BENCH_MODEL_NAMES, "all"]);
const models: BenchModelName[] = model === "all" || model === undefined
  ? BENCH_MODEL_NAMES
  : [model as BenchModelName];
const batch = cli.positiveInt("batch", values.batch);
const predictBatch = cli.positiveInt("predict-batch", values["predict-batch"]);
const seed = cli.positiveInt("seed", values.seed);
const rounds = cli.positiveInt("rounds", values.rounds);
const common = {
  warmupBatches: cli.integer("warmup", values.warmup, { min: 0 }),
  minBatches: cli.positiveInt("min-batches", values["min-batches"]),
  minSeconds: cli.number("min-seconds", values["min-seconds"], { min: 0 }),
  seed,
};
cli.check(() => resolveBackendRequest(values.backend));

/** Runs `work`; a failure prints its message alone and exits 1. */
function orExit<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: Error) => {
    console.error(error.message);
    Deno.exit(1);
  });
}

// Prepare the Keras environment before measuring anything, so its set-up
// does not share the machine with a measurement.
const kerasPython = values.keras ? await orExit(prepareKerasEnv()) : undefined;

const backend = await selectBackend(values.backend);
if (!values.json) console.error(`backend ${describeBackend(backend)}`);

/** One round of TF.js measurements: every network and phase. */
async function measureTfjs(round: number): Promise<ModelThroughput[]> {
  const measured: ModelThroughput[] = [];
  for (const name of models) {
    for (const phase of phases) {
      const network = buildBenchModel(name, seed);
      const result = phase === "train"
        ? await measureTraining(network, {
          ...common,
          batchSize: batch,
          readEveryStep: values["read-every-step"],
        })
        : await measurePrediction(network, {
          ...common,
          batchSize: predictBatch,
        });
      network.dispose();
      measured.push({ model: name, ...result });
      if (values.json) {
        console.log(JSON.stringify({
          model: name,
          backend: backend.name,
          device: backend.device,
          round,
          ...result,
        }));
      }
    }
  }
  return measured;
}

const measurement = {
  batch,
  predictBatch,
  minSeconds: common.minSeconds,
  minBatches: common.minBatches,
  warmup: common.warmupBatches,
};

const tfjsRounds: ModelThroughput[][] = [];
const kerasRounds: ReferenceResult[][] = [];
const torchRounds: ReferenceResult[][] = [];
for (let round = 1; round <= rounds; round++) {
  if (!values.json && rounds > 1) console.error(`round ${round} of ${rounds}`);
  tfjsRounds.push(await measureTfjs(round));
  if (kerasPython) {
    const keras = await orExit(runKerasBench({
      ...measurement,
      python: kerasPython,
      models,
      phase,
    }));
    if (values.json) {
      for (const line of keras) console.log(JSON.stringify({ ...line, round }));
    }
    kerasRounds.push(keras);
  }
  if (values.torch) {
    const torch = await orExit(runTorchBench({
      ...measurement,
      device: backend.name === "webgpu" ? "cuda" : "cpu",
      python: values.python,
    }));
    if (values.json) {
      for (const line of torch) console.log(JSON.stringify({ ...line, round }));
    }
    torchRounds.push(torch);
  }
}

const results = medianThroughputs(tfjsRounds);
if (!values.json) {
  console.table(results.map((r) => ({
    model: r.model,
    backend: backend.name,
    phase: r.phase,
    batch: r.batchSize,
    ...(rounds > 1
      ? {
        rounds,
        "img/s (median)": round1(r.imagesPerSecond),
        range: range(tfjsRounds, r),
      }
      : { images: r.images, "img/s": round1(r.imagesPerSecond) }),
    "peak RSS MiB": Math.round(r.peakRssMiB),
  })));
}

/** Prints a reference's comparison, as a table or JSON lines. */
function report(
  label: string,
  referenceRounds: ReferenceResult[][],
): void {
  if (referenceRounds.length === 0) return;
  const reference = medianThroughputs(referenceRounds);
  const pairs = compareWithReference(results, reference);
  if (values.json) {
    for (const pair of pairs) {
      console.log(JSON.stringify({ ...pair, rounds, statistic: "median" }));
    }
    return;
  }
  console.table(pairs.map((p) => ({
    model: p.model,
    phase: p.phase,
    batch: p.batchSize,
    "tfjs img/s": round1(p.tfjsImagesPerSecond),
    [`${label} img/s`]: round1(p.referenceImagesPerSecond),
    ...(rounds > 1 ? { [`${label} range`]: range(referenceRounds, p) } : {}),
    [`tfjs / ${label}`]: Number(p.ratio.toFixed(3)),
    [label]: p.reference,
  })));
}

report("Keras", kerasRounds);
report("PyTorch", torchRounds);

function round1(value: number): number {
  return Number(value.toFixed(1));
}

/** `min-max` img/s of one measurement over the rounds. */
function range(
  measuredRounds: (MeasurementKey & { imagesPerSecond: number })[][],
  key: MeasurementKey,
): string {
  const values = roundThroughputs(measuredRounds, key);
  return `${round1(Math.min(...values))}-${round1(Math.max(...values))}`;
}
