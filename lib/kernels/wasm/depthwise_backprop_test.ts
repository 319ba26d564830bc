/**
 * Parity of the wasm depthwise-convolution gradient kernels with the `cpu`
 * backend (strides, paddings, multipliers, batch and channel counts), and
 * with dilations against a cpu reference written with a dilated filter (the
 * cpu backend's own backprop kernels ignore dilations).
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

interface DepthwiseCase {
  batch: number;
  height: number;
  width: number;
  channels: number;
  multiplier: number;
  kh: number;
  kw: number;
  stride: number;
  pad: "same" | "valid";
}

const CASES: DepthwiseCase[] = [
  { batch: 1, height: 7, width: 9, channels: 1, multiplier: 1, kh: 3, kw: 3 },
  { batch: 3, height: 6, width: 5, channels: 3, multiplier: 2, kh: 3, kw: 2 },
  { batch: 2, height: 9, width: 8, channels: 8, multiplier: 1, kh: 3, kw: 3 },
  { batch: 3, height: 8, width: 7, channels: 8, multiplier: 3, kh: 5, kw: 5 },
].flatMap((shape) =>
  [1, 2].flatMap((stride) =>
    (["same", "valid"] as const).map((pad) => ({ ...shape, stride, pad }))
  )
);

/** dx and dW of sum(depthwiseConv2d(x, w) * r) on the active backend. */
async function depthwiseGrads(
  c: DepthwiseCase,
  x: Float32Array,
  w: Float32Array,
  r: Float32Array,
  outShape: number[],
  filterShape: [number, number, number, number],
): Promise<[Float32Array, Float32Array]> {
  const xt = tf.tensor4d(x, [c.batch, c.height, c.width, c.channels]);
  const wt = tf.tensor4d(w, filterShape);
  const rt = tf.tensor(r, outShape);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(
      tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad),
      rt,
    ))
  )([xt, wt]);
  tf.dispose([xt, wt, rt]);
  return [await valuesOf(dx), await valuesOf(dw)];
}

Deno.test({
  name: "wasm depthwise conv gradients match cpu",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    for (const [n, c] of CASES.entries()) {
      const rng = testRng(300 + n);
      const xShape = [c.batch, c.height, c.width, c.channels];
      const filterShape: [number, number, number, number] = [
        c.kh,
        c.kw,
        c.channels,
        c.multiplier,
      ];
      const x = randomValues(rng, xShape);
      const w = randomValues(rng, filterShape);
      const info = tf.backend_util.computeConv2DInfo(
        xShape as [number, number, number, number],
        filterShape,
        c.stride,
        1,
        c.pad,
        undefined,
        true,
      );
      const r = randomValues(rng, info.outShape);
      await useCpu();
      const [cpuDx, cpuDw] = await depthwiseGrads(
        c,
        x,
        w,
        r,
        info.outShape,
        filterShape,
      );
      await useWasm();
      const [wasmDx, wasmDw] = await depthwiseGrads(
        c,
        x,
        w,
        r,
        info.outShape,
        filterShape,
      );
      const label = `case ${n} ${JSON.stringify(c)}`;
      assertParity(`${label} dx`, wasmDx, cpuDx);
      assertParity(`${label} dW`, wasmDw, cpuDw);
    }
  },
});

Deno.test({
  name: "wasm depthwise gradient kernels honour dilations",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const [batch, h, w, channels, kh, kw] = [2, 9, 10, 3, 3, 2];
    const dilation = 2;
    const xShape: [number, number, number, number] = [batch, h, w, channels];
    // Multiplier 1 runs through XNNPACK, 2 through the JS pass.
    for (const multiplier of [1, 2]) {
      const filterShape: [number, number, number, number] = [
        kh,
        kw,
        channels,
        multiplier,
      ];
      for (const pad of ["same", "valid"] as const) {
        const rng = testRng(900);
        const x = randomValues(rng, xShape);
        const filter = randomValues(rng, filterShape);
        const info = tf.backend_util.computeConv2DInfo(
          xShape,
          filterShape,
          1,
          dilation,
          pad,
          undefined,
          true,
        );
        const dy = randomValues(rng, info.outShape);
        // cpu reference: an explicitly dilated filter, dilation 1.
        await useCpu();
        const dkh = (kh - 1) * dilation + 1;
        const dkw = (kw - 1) * dilation + 1;
        const tap = channels * multiplier;
        const big = new Float32Array(dkh * dkw * tap);
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            big.set(
              filter.subarray((i * kw + j) * tap, (i * kw + j + 1) * tap),
              (i * dilation * dkw + j * dilation) * tap,
            );
          }
        }
        const xt = tf.tensor4d(x, xShape);
        const wt = tf.tensor4d(big, [dkh, dkw, channels, multiplier]);
        const rt = tf.tensor(dy, info.outShape);
        const [dxT, dwT] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(
            tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad),
            rt,
          ))
        )([xt, wt]);
        const cpuDx = await valuesOf(dxT);
        const cpuBigDw = await valuesOf(dwT);
        tf.dispose([xt, wt, rt]);
        const cpuDw = new Float32Array(kh * kw * tap);
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const from = (i * dilation * dkw + j * dilation) * tap;
            cpuDw.set(cpuBigDw.subarray(from, from + tap), (i * kw + j) * tap);
          }
        }

        await useWasm();
        const attrs = { strides: [1, 1], pad, dilations: [dilation, dilation] };
        const xw = tf.tensor4d(x, xShape);
        const fw = tf.tensor4d(filter, filterShape);
        const dyw = tf.tensor(dy, info.outShape);
        const dw = tf.engine().runKernel(
          tf.DepthwiseConv2dNativeBackpropFilter,
          { x: xw, dy: dyw },
          { ...attrs, filterShape } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor;
        const dx = tf.engine().runKernel(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy: dyw, filter: fw },
          { ...attrs, inputShape: xShape } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor;
        const label =
          `dilation ${dilation} multiplier ${multiplier} pad ${pad}`;
        assertParity(`${label} dW`, await valuesOf(dw), cpuDw);
        assertParity(`${label} dx`, await valuesOf(dx), cpuDx);
        tf.dispose([xw, fw, dyw]);
      }
    }
  },
});
