import * as tf from "@tensorflow/tfjs";
import { probeGpuAdapter, selectBackend } from "../../backend.ts";
import { conv2DBackpropFilterWebgpu } from "./conv2d_backprop_filter.ts";
import { createRng } from "../../random.ts";

const gpu = await probeGpuAdapter();
if (!gpu.ok) console.log(`webgpu kernel tests skipped: ${gpu.reason}`);

function values(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

async function filterGradient(
  shape: [number, number, number, number],
  filter: [number, number, number, number],
  strides: [number, number],
  pad: "same" | "valid" | [
    [number, number],
    [number, number],
    [number, number],
    [number, number],
  ],
): Promise<Float32Array> {
  const x = tf.tensor4d(values(shape.reduce((a, b) => a * b), 1), shape);
  const f = tf.tensor4d(values(filter.reduce((a, b) => a * b), 2), filter);
  const df = tf.grad((w: tf.Tensor) =>
    tf.conv2d(x, w as tf.Tensor4D, strides, pad).square().sum()
  )(f);
  const out = new Float32Array(await df.data());
  tf.dispose([x, f, df]);
  return out;
}

Deno.test({
  name:
    "webgpu Conv2DBackpropFilter: registered, and equal to cpu incl. explicit padding",
  ignore: !gpu.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const cases = [
      [[2, 9, 7, 3], [3, 3, 3, 4], [1, 1], "same"],
      [[1, 11, 10, 2], [5, 3, 2, 3], [2, 1], [[0, 0], [2, 1], [0, 2], [0, 0]]],
      [[3, 8, 8, 4], [1, 1, 4, 2], [2, 2], "valid"],
    ] as const;
    for (const [shape, filter, strides, pad] of cases) {
      await selectBackend("cpu");
      const expected = await filterGradient([...shape], [...filter], [
        ...strides,
      ], pad as never);
      await selectBackend("webgpu");
      if (
        tf.getKernel("Conv2DBackpropFilter", "webgpu")?.kernelFunc !==
          (conv2DBackpropFilterWebgpu as unknown)
      ) {
        throw new Error(
          "the workspace's Conv2DBackpropFilter is not the registered webgpu kernel",
        );
      }
      const actual = await filterGradient(
        [...shape],
        [...filter],
        [...strides],
        pad as never,
      );
      let maxDiff = 0;
      let maxRef = 1e-3;
      expected.forEach((e, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(actual[i] - e));
        maxRef = Math.max(maxRef, Math.abs(e));
      });
      if (!(maxDiff / maxRef < 1e-4)) {
        throw new Error(
          `${JSON.stringify({ shape, filter, strides, pad })}: ${
            maxDiff / maxRef
          }`,
        );
      }
    }
    await selectBackend("cpu");
  },
});
