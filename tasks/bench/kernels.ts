/**
 * `deno task profile`: per-kernel times of one training step of a benchmark
 * network (`lib/bench/bench_models.ts`; default study 000's primary CNN) on
 * the selected backend (after two warm-up steps).
 *
 *   deno task profile [--backend NAME] [--model primary-cnn|widest-cnn] [--batch 32]
 *                     [--steps 10] [--json] [--keras]
 *
 * Prints the mean unprofiled step time, the backend's read-back round trip
 * and per-op cost, the summed kernel time, the number
 * of GPU dispatches, the kernels by name and the slowest kernels by input
 * shapes. `--keras` adds TensorFlow's own profile of the same network's
 * Keras training step (op types and their time, from TensorFlow's profiler
 * in the `--keras` environment of `deno task bench`).
 */
import * as tf from "@tensorflow/tfjs";
import {
  describeBackend,
  resolveBackendRequest,
  selectBackend,
} from "../../lib/backend.ts";
import {
  BENCH_MODEL_NAMES,
  type BenchModelName,
  buildBenchModel,
} from "../../lib/bench/bench_models.ts";
import { prepareKerasEnv } from "../../lib/bench/keras_env.ts";
import { runKerasOpProfile } from "../../lib/bench/keras_compare.ts";
import {
  measureBackendOverhead,
  profileTrainingStep,
} from "../../lib/bench/kernel_profile.ts";
import { TaskArgs } from "../args.ts";

const cli = new TaskArgs(
  "profile",
  "usage: deno task profile [--backend NAME] [--model primary-cnn|widest-cnn] [--batch 32] [--steps 10] [--json] [--keras]",
);
const { values } = cli.parse({
  options: {
    backend: { type: "string" },
    batch: { type: "string", default: "32" },
    json: { type: "boolean", default: false },
    steps: { type: "string", default: "10" },
    model: { type: "string", default: "primary-cnn" },
    keras: { type: "boolean", default: false },
  },
});
const batch = cli.positiveInt("batch", values.batch);
const steps = cli.positiveInt("steps", values.steps);
const modelName = (cli.oneOf("model", values.model, BENCH_MODEL_NAMES) ??
  "primary-cnn") as BenchModelName;
cli.check(() => resolveBackendRequest(values.backend));
const kerasPython = values.keras
  ? await prepareKerasEnv().catch((error: Error) => {
    console.error(error.message);
    Deno.exit(1);
  })
  : undefined;
const backend = await selectBackend(values.backend);
const model = buildBenchModel(modelName, 42);
const x = tf.randomUniform([batch, 120, 90, 3], 0, 1, "float32", 1);
const y = tf.oneHot(tf.randomUniform([batch], 0, 3, "int32", 2), 3);
for (let i = 0; i < 2; i++) await model.trainOnBatch(x, y);
const profile = await profileTrainingStep(
  model,
  x,
  y,
  steps,
);
const overhead = await measureBackendOverhead();
if (values.json) {
  console.log(
    JSON.stringify({
      backend: backend.name,
      device: backend.device,
      batch,
      overhead,
      ...profile,
    }),
  );
} else {
  console.log(
    `${describeBackend(backend)}; batch ${batch}; step wall time ${
      profile.stepMs.toFixed(2)
    } ms (${(batch / profile.stepMs * 1000).toFixed(0)} img/s); profiled step ${
      profile.wallMs.toFixed(1)
    } ms; kernel time ${
      profile.kernelMs.toFixed(2)
    } ms in ${profile.dispatches} dispatches`,
  );
  console.log(
    `read-back round trip ${overhead.roundTripMs.toFixed(3)} ms; ${
      (overhead.perOpMs * 1000).toFixed(1)
    } µs per tiny op (${overhead.ops} chained, one read-back)`,
  );
  console.table(profile.kernels.map((k) => ({
    kernel: k.kernel,
    calls: k.calls,
    dispatches: k.dispatches,
    "total ms": Number(k.totalMs.toFixed(3)),
  })));
  console.table(
    profile.byShape.slice(0, 15).map((k) => ({
      kernel: k.kernel,
      inputs: k.inputs,
      calls: k.calls,
      "total ms": Number(k.totalMs.toFixed(3)),
    })),
  );
}

if (kerasPython) {
  const keras = await runKerasOpProfile(kerasPython, [modelName], batch)
    .catch((error: Error) => {
      console.error(error.message);
      Deno.exit(1);
    });
  if (values.json) {
    for (const line of keras) console.log(JSON.stringify(line));
  } else {
    console.log(
      `Keras (TensorFlow's profiler): profiled step ${
        keras[0]?.stepWallMs.toFixed(1) ?? "?"
      } ms; op time ${
        keras.reduce((sum, op) => sum + op.totalMs, 0).toFixed(2)
      } ms`,
    );
    console.table(
      keras.filter((op) => op.totalMs >= 0.1).map((op) => ({
        op: op.op,
        calls: op.calls,
        "total ms": Number(op.totalMs.toFixed(3)),
      })),
    );
  }
}
