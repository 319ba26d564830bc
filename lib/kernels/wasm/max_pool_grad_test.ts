/**
 * Parity of the wasm `MaxPoolGrad` kernel with the `cpu` backend, including
 * ties inside a window (ReLU outputs are full of zeros), which both must
 * resolve to the first maximum in row-major window order.
 */
import * as tf from "@tensorflow/tfjs";
import {
  assertParity,
  randomValues,
  testRng,
  useCpu,
  useWasm,
  valuesOf,
} from "../../testing/wasm_parity.ts";

interface PoolCase {
  batch: number;
  height: number;
  width: number;
  channels: number;
  size: [number, number];
  stride: number;
  pad: "same" | "valid";
}

const CASES: PoolCase[] = [
  { batch: 1, height: 7, width: 9, channels: 1 },
  { batch: 3, height: 6, width: 5, channels: 3 },
  { batch: 2, height: 9, width: 11, channels: 8 },
].flatMap((shape) =>
  ([[2, 2], [3, 3], [3, 2]] as [number, number][]).flatMap((size) =>
    [1, 2].flatMap((stride) =>
      (["same", "valid"] as const).map((pad) => ({
        ...shape,
        size,
        stride,
        pad,
      }))
    )
  )
);

async function poolGrad(
  c: PoolCase,
  x: Float32Array,
  r: Float32Array,
  outShape: number[],
): Promise<Float32Array> {
  const xt = tf.tensor4d(x, [c.batch, c.height, c.width, c.channels]);
  const rt = tf.tensor(r, outShape);
  const dx = tf.grad((a: tf.Tensor) =>
    tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad), rt))
  )(xt);
  tf.dispose([xt, rt]);
  return await valuesOf(dx);
}

Deno.test({
  name: "wasm MaxPoolGrad matches cpu, ties included",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    for (const [n, c] of CASES.entries()) {
      const rng = testRng(500 + n);
      // ReLU-like values on a coarse grid: many exact ties, many zeros.
      const x = randomValues(rng, [c.batch, c.height, c.width, c.channels])
        .map((v) => Math.max(0, Math.round(v * 4) / 4));
      const info = tf.backend_util.computePool2DInfo(
        [c.batch, c.height, c.width, c.channels],
        c.size,
        c.stride,
        1,
        c.pad,
      );
      const r = randomValues(rng, info.outShape);
      await useCpu();
      const expected = await poolGrad(c, x, r, info.outShape);
      await useWasm();
      const actual = await poolGrad(c, x, r, info.outShape);
      assertParity(`case ${n} ${JSON.stringify(c)}`, actual, expected);
    }
  },
});
