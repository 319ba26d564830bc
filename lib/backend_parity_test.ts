/**
 * The accelerated backends must compute what the plain-JS `cpu` backend
 * computes: convolution gradients, and a few training steps of a tiny CNN
 * from identical weights. Each backend's tests skip, saying why, where the
 * backend cannot start (no GPU adapter, tfjs-node addon not built).
 * The wasm backend's kernels have their own tests in lib/kernels/wasm/.
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendName, probeGpuAdapter, selectBackend } from "./backend.ts";
import { loadTfjsNode } from "./native/tfjs_node.ts";
import { tinyInitialWeights, trainTinyCnn } from "./testing/tiny_cnn.ts";
import { createRng } from "./random.ts";

const gpu = await probeGpuAdapter();
const native = await loadTfjsNode();
const unavailable: Partial<Record<BackendName, string>> = {
  webgpu: gpu.ok ? undefined : `no WebGPU adapter here: ${gpu.reason}`,
  tensorflow: native.ok ? undefined : native.reason,
};
for (const [name, reason] of Object.entries(unavailable)) {
  if (reason) console.log(`${name} parity tests skipped: ${reason}`);
}

function relativeError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): number {
  let maxDiff = 0;
  let maxRef = 1e-3;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / maxRef;
}

function randomValues(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

interface ConvCase {
  batch: number;
  size: [number, number];
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: 1 | 2;
  pad: "same" | "valid";
}

const CONV_CASES: ConvCase[] = [
  {
    batch: 1,
    size: [7, 5],
    inChannels: 1,
    outChannels: 3,
    kernel: 3,
    stride: 1,
    pad: "same",
  },
  {
    batch: 3,
    size: [9, 8],
    inChannels: 3,
    outChannels: 8,
    kernel: 3,
    stride: 2,
    pad: "valid",
  },
  {
    batch: 2,
    size: [12, 9],
    inChannels: 8,
    outChannels: 4,
    kernel: 5,
    stride: 1,
    pad: "valid",
  },
  {
    batch: 2,
    size: [10, 10],
    inChannels: 3,
    outChannels: 6,
    kernel: 3,
    stride: 2,
    pad: "same",
  },
];

/** conv2d output, and gradients of sum(conv * weights) by input and filter. */
async function convGradients(c: ConvCase): Promise<Float32Array[]> {
  const [h, w] = c.size;
  const x = tf.tensor4d(randomValues(c.batch * h * w * c.inChannels, 1), [
    c.batch,
    h,
    w,
    c.inChannels,
  ]);
  const f = tf.tensor4d(
    randomValues(c.kernel * c.kernel * c.inChannels * c.outChannels, 2),
    [c.kernel, c.kernel, c.inChannels, c.outChannels],
  );
  const forward = (a: tf.Tensor4D, b: tf.Tensor4D) =>
    tf.conv2d(a, b, c.stride, c.pad);
  const y = forward(x, f);
  const weights = tf.tensor(randomValues(y.size, 3), y.shape);
  const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    forward(a as tf.Tensor4D, b as tf.Tensor4D).mul(weights).sum()
  )([x, f]);
  const out = await Promise.all(
    [y, dx, df].map(async (t) => new Float32Array(await t.data())),
  );
  tf.dispose([x, f, y, weights, dx, df]);
  return out;
}

for (const name of ["tensorflow", "webgpu"] as const) {
  Deno.test({
    name: `${name}: conv2d forward and gradients match cpu`,
    ignore: unavailable[name] !== undefined,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      for (const c of CONV_CASES) {
        await selectBackend("cpu");
        const expected = await convGradients(c);
        await selectBackend(name);
        const actual = await convGradients(c);
        ["output", "input gradient", "filter gradient"].forEach((what, i) => {
          const error = relativeError(actual[i], expected[i]);
          if (!(error < 1e-4)) {
            throw new Error(
              `${name} ${what} ${JSON.stringify(c)}: relative error ${error}`,
            );
          }
        });
      }
      await selectBackend("cpu");
    },
  });

  Deno.test({
    name: `${name}: trains the tiny CNN with the same losses as cpu`,
    ignore: unavailable[name] !== undefined,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const options = { seed: 7, steps: 5, batchSize: 4 };
      await selectBackend("cpu");
      const weights = await tinyInitialWeights(options.seed);
      const cpuLosses = await trainTinyCnn(weights, options);
      const chosen = await selectBackend(name);
      if (tf.getBackend() !== name) throw new Error(`${name} not active`);
      const losses = await trainTinyCnn(weights, options);
      console.log(`${name} device: ${chosen.device}`);
      console.log(
        `cpu losses:  ${cpuLosses.map((l) => l.toFixed(6)).join(" ")}`,
      );
      console.log(
        `${name} losses: ${losses.map((l) => l.toFixed(6)).join(" ")}`,
      );
      if (cpuLosses[0] === cpuLosses.at(-1)) {
        throw new Error("cpu loss did not move");
      }
      const error = relativeError(losses, cpuLosses);
      if (!(error < 1e-4)) {
        throw new Error(`losses differ: relative error ${error}`);
      }
      await selectBackend("cpu");
    },
  });
}
