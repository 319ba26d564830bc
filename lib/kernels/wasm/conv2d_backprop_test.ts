/**
 * Parity of the wasm `Conv2DBackpropFilter` / `Conv2DBackpropInput` kernels
 * with the `cpu` backend over a grid of strides, paddings, batch sizes,
 * channel counts and odd image sizes, plus dilations and chunking through
 * the geometry-level functions.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { geometryOf } from "../conv_geometry.ts";
import { filterGradient } from "./conv2d_backprop_filter.ts";
import { inputGradient } from "./conv2d_backprop_input.ts";
import {
  assertParity,
  randomValues,
  testRng,
  useCpu,
  useWasm,
  valuesOf,
} from "../../testing/wasm_parity.ts";

type Pad = "same" | "valid" | [[0, 0], [number, number], [number, number], [
  0,
  0,
]];

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kh: number;
  kw: number;
  stride: number;
  pad: Pad;
}

const SHAPES = [
  {
    batch: 1,
    height: 7,
    width: 9,
    inChannels: 1,
    outChannels: 3,
    kh: 3,
    kw: 3,
  },
  {
    batch: 3,
    height: 6,
    width: 5,
    inChannels: 3,
    outChannels: 8,
    kh: 3,
    kw: 2,
  },
  {
    batch: 2,
    height: 9,
    width: 8,
    inChannels: 8,
    outChannels: 1,
    kh: 1,
    kw: 1,
  },
  {
    batch: 3,
    height: 11,
    width: 7,
    inChannels: 8,
    outChannels: 8,
    kh: 5,
    kw: 3,
  },
];
const PADS: Pad[] = ["same", "valid", [[0, 0], [1, 2], [2, 0], [0, 0]]];

const CASES: ConvCase[] = SHAPES.flatMap((shape) =>
  [1, 2].flatMap((stride) => PADS.map((pad) => ({ ...shape, stride, pad })))
);

/** dx and dW of sum(conv2d(x, w) * r) on the active backend. */
async function convGrads(
  c: ConvCase,
  x: Float32Array,
  w: Float32Array,
  r: Float32Array,
  outShape: number[],
): Promise<[Float32Array, Float32Array]> {
  const xt = tf.tensor4d(x, [c.batch, c.height, c.width, c.inChannels]);
  const wt = tf.tensor4d(w, [c.kh, c.kw, c.inChannels, c.outChannels]);
  const rt = tf.tensor(r, outShape);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad),
      rt,
    ))
  )([xt, wt]);
  tf.dispose([xt, wt, rt]);
  return [await valuesOf(dx), await valuesOf(dw)];
}

Deno.test({
  name: "wasm conv2d gradients match cpu over strides, paddings and shapes",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    let worst = 0;
    for (const [n, c] of CASES.entries()) {
      const rng = testRng(1000 + n);
      const x = randomValues(rng, [c.batch, c.height, c.width, c.inChannels]);
      const w = randomValues(rng, [c.kh, c.kw, c.inChannels, c.outChannels]);
      const info = tf.backend_util.computeConv2DInfo(
        [c.batch, c.height, c.width, c.inChannels],
        [c.kh, c.kw, c.inChannels, c.outChannels],
        c.stride,
        1,
        c.pad,
      );
      const r = randomValues(rng, info.outShape);
      await useCpu();
      const [cpuDx, cpuDw] = await convGrads(c, x, w, r, info.outShape);
      await useWasm();
      const [wasmDx, wasmDw] = await convGrads(c, x, w, r, info.outShape);
      const label = `case ${n} ${JSON.stringify(c)}`;
      worst = Math.max(
        worst,
        assertParity(`${label} dx`, wasmDx, cpuDx),
        assertParity(`${label} dW`, wasmDw, cpuDw),
      );
    }
    console.log(
      `${CASES.length} conv cases, worst normwise error ${
        worst.toExponential(2)
      }`,
    );
  },
});

/** Spreads filter taps `dilation` apart with zeros between (cpu reference for dilated convs). */
function dilateFilter(
  w: Float32Array,
  kh: number,
  kw: number,
  channels: number,
  dilation: number,
): { values: Float32Array; kh: number; kw: number } {
  const dkh = (kh - 1) * dilation + 1;
  const dkw = (kw - 1) * dilation + 1;
  const values = new Float32Array(dkh * dkw * channels);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      values.set(
        w.subarray((i * kw + j) * channels, (i * kw + j + 1) * channels),
        (i * dilation * dkw + j * dilation) * channels,
      );
    }
  }
  return { values, kh: dkh, kw: dkw };
}

Deno.test({
  name:
    "wasm conv gradient functions handle dilations and chunked im2col like cpu",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const [batch, h, w, cin, cout, kh, kw] = [3, 9, 8, 3, 4, 3, 2];
    for (const dilation of [1, 2]) {
      for (const pad of ["same", "valid"] as const) {
        const rng = testRng(77 + dilation);
        const x = randomValues(rng, [batch, h, w, cin]);
        const filter = randomValues(rng, [kh, kw, cin, cout]);
        const info = tf.backend_util.computeConv2DInfo(
          [batch, h, w, cin],
          [kh, kw, cin, cout],
          1,
          dilation,
          pad,
        );
        const dy = randomValues(rng, info.outShape);
        // cpu reference: the same conv written with an explicitly dilated filter.
        await useCpu();
        const big = dilateFilter(filter, kh, kw, cin * cout, dilation);
        const xt = tf.tensor4d(x, [batch, h, w, cin]);
        const wt = tf.tensor4d(big.values, [big.kh, big.kw, cin, cout]);
        const rt = tf.tensor(dy, info.outShape);
        const [dxT, dwT] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(
            tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), rt),
          )
        )([xt, wt]);
        const cpuDx = await valuesOf(dxT);
        const cpuBigDw = await valuesOf(dwT);
        tf.dispose([xt, wt, rt]);
        const cpuDw = new Float32Array(kh * kw * cin * cout);
        const tap = cin * cout;
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const from = (i * dilation * big.kw + j * dilation) * tap;
            cpuDw.set(
              cpuBigDw.subarray(from, from + tap),
              (i * kw + j) * tap,
            );
          }
        }

        await useWasm();
        const backend = tf.backend() as unknown as BackendWasm;
        const xw = tf.tensor4d(x, [batch, h, w, cin]);
        const fw = tf.tensor4d(filter, [kh, kw, cin, cout]);
        const dyw = tf.tensor(dy, info.outShape);
        const g = geometryOf(info);
        const label = `dilation ${dilation} pad ${pad}`;
        // A tiny temp budget forces one output row per chunk.
        for (const budget of [1, 1 << 20]) {
          const dwInfo = filterGradient(backend, xw, dyw, g, budget);
          const dw = tf.engine().makeTensorFromTensorInfo(dwInfo);
          assertParity(
            `${label} dW (budget ${budget})`,
            await valuesOf(dw),
            cpuDw,
          );
        }
        const dx = tf.engine().makeTensorFromTensorInfo(
          inputGradient(backend, dyw, fw, g),
        );
        assertParity(`${label} dx`, await valuesOf(dx), cpuDx);
        tf.dispose([xw, fw, dyw]);
      }
    }
  },
});
