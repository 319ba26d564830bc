/**
 * Parity of the wasm `Sum` and `Mean` (leading-axes fast path and the
 * fallback to the backend's own kernels) with the `cpu` backend, and
 * idempotent registration of all the wasm training kernels.
 */
import * as tf from "@tensorflow/tfjs";
import { registerWasmTrainingKernels, wasmTrainingKernelNames } from "./mod.ts";
import {
  assertParity,
  randomValues,
  testRng,
  useCpu,
  useWasm,
  valuesOf,
} from "../../testing/wasm_parity.ts";
import { leadingAxes } from "./leading_reduce.ts";

const CASES: { shape: number[]; axis: number | number[]; keepDims: boolean }[] =
  [
    { shape: [3, 7, 5, 8], axis: [0, 1, 2], keepDims: false }, // bias gradient
    { shape: [3, 7, 5, 8], axis: [2, 0, 1], keepDims: true },
    { shape: [4, 3], axis: 0, keepDims: false },
    { shape: [2, 9, 1], axis: [0, 1], keepDims: false },
    { shape: [3, 7, 5, 8], axis: [1, 2], keepDims: false }, // fallback
    { shape: [3, 7, 5, 8], axis: [0, 1, 2, 3], keepDims: false }, // fallback
    { shape: [6, 4], axis: -1, keepDims: true }, // fallback
  ];

Deno.test("leadingAxes recognises leading-axis reductions only", () => {
  const cases: [number[], number | number[], number | null][] = [
    [[2, 3, 4], [0, 1], 2],
    [[2, 3, 4], [1, 0], 2],
    [[2, 3, 4], 0, 1],
    [[2, 3, 4], [1], null],
    [[2, 3, 4], [0, 1, 2], null],
    [[2, 3, 4], [0, 2], null],
  ];
  for (const [shape, axis, expected] of cases) {
    const got = leadingAxes(shape, axis);
    if (got !== expected) {
      throw new Error(
        `leadingAxes([${shape}], ${axis}) = ${got}, want ${expected}`,
      );
    }
  }
});

Deno.test({
  name: "wasm Sum and Mean match cpu on leading and other axes",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    for (const [n, c] of CASES.entries()) {
      for (const op of [tf.sum, tf.mean]) {
        const values = randomValues(testRng(40 + n), c.shape);
        const run = async () => {
          const t = tf.tensor(values, c.shape);
          const s = op(t, c.axis, c.keepDims);
          const shape = s.shape;
          t.dispose();
          return { shape, values: await valuesOf(s) };
        };
        await useCpu();
        const expected = await run();
        await useWasm();
        const actual = await run();
        const label = `${op === tf.sum ? "sum" : "mean"} case ${n} ${
          JSON.stringify(c)
        }`;
        if (actual.shape.join() !== expected.shape.join()) {
          throw new Error(
            `${label}: shape [${actual.shape}] vs [${expected.shape}]`,
          );
        }
        assertParity(label, actual.values, expected.values, 1e-6);
      }
    }
    // int32 goes to the backend's own kernel.
    const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], "int32");
    const total = await valuesOf(tf.sum(ints, 0));
    ints.dispose();
    if (total.join() !== "9,12") throw new Error(`int32 sum gave ${total}`);
  },
});

Deno.test({
  name: "registering the wasm training kernels twice keeps one working set",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await useWasm();
    registerWasmTrainingKernels();
    const before = wasmTrainingKernelNames().map((k) =>
      tf.getKernel(k, "wasm")
    );
    registerWasmTrainingKernels();
    const after = wasmTrainingKernelNames().map((k) => tf.getKernel(k, "wasm"));
    for (const [i, name] of wasmTrainingKernelNames().entries()) {
      if (!after[i] || before[i] !== after[i]) {
        throw new Error(`kernel ${name} changed on a second registration`);
      }
    }
    const s = await valuesOf(tf.sum(tf.ones([4, 3]), 0));
    if (s.join() !== "4,4,4") {
      throw new Error(`Sum after re-registration: ${s}`);
    }
  },
});
