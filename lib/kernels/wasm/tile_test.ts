/**
 * Parity of the wasm `Tile` with the `cpu` backend for several ranks and
 * dtypes, and the zero-copy `Identity` and same-dtype `Cast`.
 */
import * as tf from "@tensorflow/tfjs";
import {
  assertParity,
  randomValues,
  testRng,
  useCpu,
  useWasm,
} from "../../testing/wasm_parity.ts";

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

Deno.test({
  name:
    "wasm clones share memory safely: disposing either side keeps the other",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await useWasm();
    const ids = tf.backend().numDataIds();
    const original = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const clone = tf.clone(original);
    const sameCast = tf.cast(original, "float32");
    if (tf.backend().numDataIds() !== ids + 1) {
      throw new Error("a clone allocated new wasm memory");
    }
    original.dispose();
    const kept = Array.from(await clone.data());
    clone.dispose();
    const cast = Array.from(await sameCast.data());
    sameCast.dispose();
    if (kept.join() !== "1,2,3,4" || cast.join() !== "1,2,3,4") {
      throw new Error(`clone gave ${kept}, cast gave ${cast}`);
    }
    if (tf.backend().numDataIds() !== ids) {
      throw new Error("shared memory was not freed with the last reference");
    }
    const ints = tf.cast(tf.tensor1d([1.5, -2.5]), "int32");
    const converted = Array.from(await ints.data());
    if (ints.dtype !== "int32" || converted.join() !== "1,-2") {
      throw new Error(`float32 -> int32 cast gave ${ints.dtype} ${converted}`);
    }
    const text = tf.clone(tf.tensor1d(["a", "b"], "string"));
    const strings = await text.data();
    if ((strings as unknown as string[]).join() !== "a,b") {
      throw new Error(`string clone gave ${strings}`);
    }
  },
});
