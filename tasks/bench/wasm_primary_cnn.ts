/**
 * Scratch profile of study 000's primary CNN training on the wasm backend,
 * with this workspace's kernels (`--kernels all`, the default) or with only
 * the missing gradients added to the backend's own kernels
 * (`--kernels missing-only`, the state before the replacements).
 *
 *   deno run -A tasks/bench/wasm_primary_cnn.ts [--kernels all|missing-only] [--batch 32] [--steps 5]
 *
 * Prints the best-of-`steps` training throughput (random data, Adam) and the
 * per-kernel times of the fastest profiled step. The machine may be shared:
 * the best of several steps is reported for that reason.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import { buildStudyCnn } from "../../lib/models/study_cnn.ts";
import { profileTrainingStep } from "../../lib/bench/kernel_profile.ts";
import { conv2DBackpropFilterConfig } from "../../lib/kernels/wasm/conv2d_backprop_filter.ts";
import {
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
} from "../../lib/kernels/wasm/depthwise_backprop.ts";
import { registerWasmTrainingKernels } from "../../lib/kernels/wasm/register.ts";
import { TaskArgs } from "../args.ts";

const cli = new TaskArgs(
  "bench/wasm_primary_cnn",
  "usage: deno run -A tasks/bench/wasm_primary_cnn.ts [--kernels all|missing-only] [--batch 32] [--steps 5]",
);
const { values } = cli.parse({
  options: {
    kernels: { type: "string", default: "all" },
    batch: { type: "string", default: "32" },
    steps: { type: "string", default: "5" },
  },
});
const batch = cli.positiveInt("batch", values.batch);
const steps = cli.positiveInt("steps", values.steps);
const kernels = cli.oneOf("kernels", values.kernels, ["all", "missing-only"]);
if (kernels === "all") {
  registerWasmTrainingKernels();
} else {
  for (
    const k of [
      conv2DBackpropFilterConfig,
      depthwiseBackpropFilterConfig,
      depthwiseBackpropInputConfig,
    ]
  ) tf.registerKernel(k);
}
const url = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
tfWasm.setWasmPaths(url.slice(0, url.lastIndexOf("/") + 1));
tf.enableProdMode();
await tf.setBackend("wasm");
await tf.ready();

const model = buildStudyCnn({
  classes: 3,
  seed: 42,
  kernelSize: 3,
  filters: 64,
});
model.compile({ optimizer: tf.train.adam(), loss: "categoricalCrossentropy" });
const x = tf.randomUniform([batch, 120, 90, 3], 0, 1, "float32", 1);
const y = tf.oneHot(tf.randomUniform([batch], 0, 3, "int32", 2), 3);
await model.trainOnBatch(x, y); // warm-up: XNNPACK operators, heap growth
let bestStepMs = Infinity;
for (let s = 0; s < steps; s++) {
  const start = performance.now();
  await model.trainOnBatch(x, y);
  bestStepMs = Math.min(bestStepMs, performance.now() - start);
}
let best: Awaited<ReturnType<typeof profileTrainingStep>> | null = null;
for (let s = 0; s < Math.min(steps, 3); s++) {
  const profile = await profileTrainingStep(model, x, y);
  if (!best || profile.wallMs < best.wallMs) best = profile;
}
console.log(
  `wasm (${kernels} kernels), batch ${batch}: best step ` +
    `${bestStepMs.toFixed(0)} ms = ${
      (batch / (bestStepMs / 1000)).toFixed(1)
    } img/s (best of ${steps}); threads ${tfWasm.getThreadsCount()}`,
);
console.table(
  best!.kernels.filter((k) => k.totalMs >= 1).map((k) => ({
    kernel: k.kernel,
    calls: k.calls,
    "ms per batch": Number(k.totalMs.toFixed(1)),
  })),
);
