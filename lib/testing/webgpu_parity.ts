/**
 * Gradient parity of the workspace's WebGPU convolution kernels against the
 * `cpu` backend: forward output, input gradient and filter gradient of
 * `sum(conv2d(x, w) · r)` for random `x`, `w`, `r` over strides, paddings,
 * dilations, batch sizes and channel counts.
 *
 * Run directly for a JSON report on any machine with a WebGPU adapter:
 *
 *   deno run -A lib/testing/webgpu_parity.ts
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { probeGpuAdapter, selectBackend } from "../backend.ts";
import { createRng } from "../random.ts";

/** One convolution to compare. */
export interface ParityCase {
  /** Input shape `[B, H, W, Cin]`. */
  x: [number, number, number, number];
  /** Filter shape `[KH, KW, Cin, Cout]`. */
  filter: [number, number, number, number];
  /** Strides `[sh, sw]`. */
  strides: [number, number];
  /** Padding. */
  pad: "same" | "valid" | [
    [number, number],
    [number, number],
    [number, number],
    [number, number],
  ];
  /** Dilations `[dh, dw]`; gradients are compared only at 1 (TensorFlow.js' limit). */
  dilations?: [number, number];
}

/** Max relative error (`max |webgpu − cpu| / max |cpu|`) of each output. */
export interface ParityResult {
  case: ParityCase;
  forward: number;
  inputGradient: number | null;
  filterGradient: number | null;
}

/** The primary CNN's two convolutions at batch 2 (slow on the `cpu` side). */
export const PRIMARY_CNN_CASES: ParityCase[] = [
  { x: [2, 120, 90, 3], filter: [3, 3, 3, 64], strides: [1, 1], pad: "valid" },
  { x: [2, 59, 44, 64], filter: [3, 3, 64, 64], strides: [1, 1], pad: "valid" },
];

/** Small cases over strides, paddings, dilations, batch sizes and channels. */
export const PARITY_CASES: ParityCase[] = [
  { x: [2, 9, 7, 3], filter: [3, 3, 3, 4], strides: [1, 1], pad: "same" },
  {
    x: [1, 11, 10, 2],
    filter: [5, 3, 2, 3],
    strides: [2, 1],
    pad: [
      [0, 0],
      [
        2,
        1,
      ],
      [0, 2],
      [0, 0],
    ],
  },
  { x: [3, 8, 8, 4], filter: [1, 1, 4, 2], strides: [2, 2], pad: "valid" },
  { x: [5, 13, 12, 7], filter: [3, 2, 7, 33], strides: [3, 2], pad: "same" },
  { x: [1, 17, 15, 70], filter: [2, 3, 70, 5], strides: [1, 2], pad: "valid" },
  {
    x: [2, 12, 11, 6],
    filter: [3, 3, 6, 8],
    strides: [1, 1],
    pad: "same",
    dilations: [2, 2],
  },
  {
    x: [1, 14, 9, 5],
    filter: [2, 3, 5, 17],
    strides: [1, 1],
    pad: "valid",
    dilations: [3, 1],
  },
];

function values(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

async function evaluate(
  c: ParityCase,
): Promise<{ y: Float32Array; dx?: Float32Array; dw?: Float32Array }> {
  const dilations = c.dilations ?? [1, 1];
  const x = tf.tensor4d(values(size(c.x), 1), c.x);
  const w = tf.tensor4d(values(size(c.filter), 2), c.filter);
  const y = tf.conv2d(x, w, c.strides, c.pad, "NHWC", dilations);
  const out = { y: new Float32Array(await y.data()) } as {
    y: Float32Array;
    dx?: Float32Array;
    dw?: Float32Array;
  };
  if (dilations[0] === 1 && dilations[1] === 1) {
    const r = tf.tensor(values(y.size, 3), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad).mul(r)
        .sum()
    )([x, w]);
    out.dx = new Float32Array(await dx.data());
    out.dw = new Float32Array(await dw.data());
    tf.dispose([r, dx, dw]);
  }
  tf.dispose([x, w, y]);
  return out;
}

/** `max |actual − expected| / max(|expected|, 1e-3)`. */
export function relativeError(
  actual: Float32Array,
  expected: Float32Array,
): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let ref = 1e-3;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    ref = Math.max(ref, Math.abs(expected[i]));
  }
  return diff / ref;
}

/**
 * Compares every case on `webgpu` (this workspace's kernels, registered by
 * `selectBackend`) with `cpu`. Leaves the `cpu` backend active.
 */
export async function runParityChecks(
  cases: ParityCase[] = PARITY_CASES,
): Promise<ParityResult[]> {
  const results: ParityResult[] = [];
  for (const c of cases) {
    await selectBackend("cpu");
    const expected = await evaluate(c);
    await selectBackend("webgpu");
    const actual = await evaluate(c);
    results.push({
      case: c,
      forward: relativeError(actual.y, expected.y),
      inputGradient: expected.dx
        ? relativeError(actual.dx!, expected.dx)
        : null,
      filterGradient: expected.dw
        ? relativeError(actual.dw!, expected.dw)
        : null,
    });
  }
  await selectBackend("cpu");
  return results;
}

if (import.meta.main) {
  const gpu = await probeGpuAdapter();
  if (!gpu.ok) {
    console.log(JSON.stringify({ skipped: gpu.reason }));
  } else {
    const results = await runParityChecks([
      ...PRIMARY_CNN_CASES,
      ...PARITY_CASES,
    ]);
    const worst = Math.max(
      ...results.flatMap((r) => [
        r.forward,
        r.inputGradient ?? 0,
        r.filterGradient ?? 0,
      ]),
    );
    console.log(
      JSON.stringify({ adapter: gpu.description, worst, results }),
    );
  }
}
