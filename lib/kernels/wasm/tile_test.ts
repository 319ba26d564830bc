/** Parity of the wasm `Tile` with the `cpu` backend for several ranks and dtypes. */
import * as tf from "@tensorflow/tfjs";
import {
  assertParity,
  randomValues,
  testRng,
  useCpu,
  useWasm,
} from "./parity_testing.ts";

const CASES: {
  shape: number[];
  reps: number[];
  dtype: "float32" | "int32" | "bool";
}[] = [
  { shape: [1, 1, 1, 5], reps: [3, 4, 2, 1], dtype: "float32" }, // BatchNorm gradient
  { shape: [2, 3], reps: [3, 2], dtype: "float32" },
  { shape: [7], reps: [1], dtype: "float32" },
  { shape: [2, 1, 3], reps: [1, 5, 2], dtype: "int32" },
  { shape: [2, 2], reps: [2, 3], dtype: "bool" },
  { shape: [3, 2, 2], reps: [1, 1, 1], dtype: "float32" },
];

Deno.test({
  name: "wasm Tile matches cpu",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    for (const [n, c] of CASES.entries()) {
      const raw = randomValues(testRng(60 + n), c.shape);
      const values = c.dtype === "float32"
        ? raw
        : Int32Array.from(raw, (v) =>
          c.dtype === "bool" ? (v > 0 ? 1 : 0) : Math.round(v * 100));
      const run = async () => {
        const t = tf.tensor(values, c.shape, c.dtype);
        const tiled = tf.tile(t, c.reps);
        const result = {
          shape: tiled.shape,
          values: Array.from(await tiled.data()),
        };
        tf.dispose([t, tiled]);
        return result;
      };
      await useCpu();
      const expected = await run();
      await useWasm();
      const actual = await run();
      const label = `case ${n} ${JSON.stringify(c)}`;
      if (actual.shape.join() !== expected.shape.join()) {
        throw new Error(
          `${label}: shape [${actual.shape}] vs [${expected.shape}]`,
        );
      }
      assertParity(label, actual.values, expected.values, 0);
    }
  },
});
