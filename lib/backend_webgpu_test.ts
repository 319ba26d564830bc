import * as tf from "@tensorflow/tfjs";
import { probeGpuAdapter, selectBackend } from "./backend.ts";
import { tinyInitialWeights, trainTinyCnn } from "./testing/tiny_cnn.ts";

const probe = await probeGpuAdapter();
const noGpuReason = probe.ok ? "" : `no WebGPU adapter here: ${probe.reason}`;
if (noGpuReason) console.log(`webgpu tests skipped: ${noGpuReason}`);

function assertClose(actual: number[], expected: number[], tolerance: number) {
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]) /
      Math.max(Math.abs(expected[i]), 1e-3);
    if (!(error <= tolerance)) {
      throw new Error(
        `step ${i}: webgpu loss ${actual[i]} vs cpu ${expected[i]} ` +
          `(relative error ${error.toExponential(2)} > ${tolerance})`,
      );
    }
  }
}

Deno.test({
  name: "webgpu trains the tiny CNN with the same losses as cpu",
  ignore: !probe.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const options = { seed: 7, steps: 5, batchSize: 4 };
    await selectBackend("cpu");
    const weights = await tinyInitialWeights(options.seed);
    const cpuLosses = await trainTinyCnn(weights, options);
    const chosen = await selectBackend("webgpu");
    if (tf.getBackend() !== "webgpu") throw new Error("webgpu not active");
    const gpuLosses = await trainTinyCnn(weights, options);
    console.log(`webgpu device: ${chosen.device}`);
    console.log(
      `cpu    losses: ${cpuLosses.map((l) => l.toFixed(6)).join(" ")}`,
    );
    console.log(
      `webgpu losses: ${gpuLosses.map((l) => l.toFixed(6)).join(" ")}`,
    );
    if (cpuLosses[0] === cpuLosses.at(-1)) {
      throw new Error("cpu loss did not move");
    }
    assertClose(gpuLosses, cpuLosses, 1e-3);
    await selectBackend("cpu");
  },
});
