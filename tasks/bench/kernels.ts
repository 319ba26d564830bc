/**
 * `deno task profile`: per-kernel times of one training step of study 000's
 * primary CNN on the selected backend (after two warm-up steps).
 *
 *   deno task profile [--backend NAME] [--batch 32] [--steps 10] [--json]
 *
 * Prints the mean unprofiled step time, the backend's read-back round trip
 * and per-op cost, the summed kernel time, the number
 * of GPU dispatches, the kernels by name and the slowest kernels by input
 * shapes.
 */
import * as tf from "@tensorflow/tfjs";
import {
  describeBackend,
  resolveBackendRequest,
  selectBackend,
} from "../../lib/backend.ts";
import { buildStudyCnn } from "../../lib/models/study_cnn.ts";
import {
  measureBackendOverhead,
  profileTrainingStep,
} from "../../lib/bench/kernel_profile.ts";
import { createOptimizer } from "../../lib/train/compile.ts";
import { TaskArgs } from "../args.ts";

const cli = new TaskArgs(
  "profile",
  "usage: deno task profile [--backend NAME] [--batch 32] [--steps 10] [--json]",
);
const { values } = cli.parse({
  options: {
    backend: { type: "string" },
    batch: { type: "string", default: "32" },
    json: { type: "boolean", default: false },
    steps: { type: "string", default: "10" },
  },
});
const batch = cli.positiveInt("batch", values.batch);
const steps = cli.positiveInt("steps", values.steps);
cli.check(() => resolveBackendRequest(values.backend));
const backend = await selectBackend(values.backend);
const model = buildStudyCnn({
  classes: 3,
  seed: 42,
  kernelSize: 3,
  filters: 64,
});
model.compile({
  optimizer: createOptimizer("adam", 1e-3),
  loss: "categoricalCrossentropy",
});
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
