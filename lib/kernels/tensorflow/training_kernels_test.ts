/**
 * The `tensorflow` backend's replacement kernels give the numbers of what
 * they replace, bit for bit: `ReluGrad` against TensorFlow.js' `dy·step(x)`,
 * oneDNN's pooling gradient against tfjs-node's `MaxPoolGrad` and the `cpu`
 * backend's, with ties (equal maxima in a window) on purpose; oneDNN's
 * pooling and convolution with bias against tfjs-node's `MaxPool` and
 * `FusedConv2D`; TensorFlow's `ClipByValue` against tfjs-node's. Skipped,
 * saying why, where the tfjs-node addon is not built.
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../backend.ts";
import { loadTfjsNode } from "../../native/tfjs_node.ts";
import { createRng } from "../../random.ts";
import {
  nativeClipByValue,
  oneDnnConvApplies,
  oneDnnMaxPoolGrad,
  oneDnnPoolingApplies,
  registerTensorflowTrainingKernels,
  reluGrad,
  reluGradFormula,
  tfjsNodeKernel,
} from "./mod.ts";

const native = await loadTfjsNode();
const ignore = !native.ok;
if (!native.ok) {
  console.log(`tensorflow kernel tests skipped: ${native.reason}`);
}

/** Values in {-2, ..., 2} after rounding and ReLU: many zeros and equal maxima. */
function tiedValues(shape: number[], seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from(
    { length: n },
    () => Math.max(0, Math.round(rng.next() * 5 - 2.5)),
  );
  return tf.tensor4d(values, shape as [number, number, number, number]);
}

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.next() * 2 - 1),
    shape,
  );
}

function assertBitEqual(actual: tf.Tensor, expected: tf.Tensor, what: string) {
  const a = actual.dataSync();
  const e = expected.dataSync();
  if (a.length !== e.length) {
    throw new Error(`${what}: sizes ${a.length} vs ${e.length}`);
  }
  for (let i = 0; i < a.length; i++) {
    // +0 and -0 count as equal: they add and multiply to the same values.
    if (a[i] !== e[i]) {
      throw new Error(`${what}: element ${i} is ${a[i]}, expected ${e[i]}`);
    }
  }
}

const POOLINGS = [
  { shape: [2, 9, 7, 3], filterSize: 2, strides: 2 },
  { shape: [3, 12, 10, 5], filterSize: 2, strides: 2 },
  { shape: [1, 9, 9, 2], filterSize: 3, strides: 3 },
  {
    shape: [2, 8, 6, 4],
    filterSize: [2, 3] as [number, number],
    strides: [2, 3] as [number, number],
  },
];

Deno.test({
  name: "tensorflow kernels: every replacement is in place",
  ignore,
  fn: async () => {
    await selectBackend("tensorflow");
    const kernels = registerTensorflowTrainingKernels();
    if (!Object.values(kernels).every((on) => on)) {
      throw new Error(`not registered: ${JSON.stringify(kernels)}`);
    }
  },
});

Deno.test({
  name:
    "tensorflow kernels: ReluGrad equals dy·step(x), zeros and negatives included",
  ignore,
  fn: async () => {
    await selectBackend("tensorflow");
    tf.tidy(() => {
      const x = tf.sub(tiedValues([2, 6, 5, 4], 1), 1); // -1, 0, 1, 2 (and 3)
      const dy = randomTensor(x.shape, 2);
      assertBitEqual(reluGrad(dy, x), reluGradFormula(dy, x), "ReluGrad");
      const [viaGradient] = tf.grads((a: tf.Tensor) =>
        tf.relu(a).mul(dy).sum()
      )([x]);
      assertBitEqual(viaGradient, reluGradFormula(dy, x), "relu gradient");
    });
  },
});

Deno.test({
  name:
    "tensorflow kernels: oneDNN's pooling gradient equals tfjs-node's and cpu's, ties included",
  ignore,
  fn: async () => {
    for (const [i, p] of POOLINGS.entries()) {
      await selectBackend("cpu");
      const cpuGrad = tf.tidy(() => {
        const x = tiedValues(p.shape, 10 + i);
        const y = tf.maxPool(x, p.filterSize, p.strides, "valid");
        const dy = randomTensor(y.shape, 20 + i);
        return tf.grad((a: tf.Tensor) =>
          tf.maxPool(a as tf.Tensor4D, p.filterSize, p.strides, "valid").mul(dy)
            .sum()
        )(x);
      });
      const expected = cpuGrad.dataSync().slice();
      cpuGrad.dispose();
      await selectBackend("tensorflow");
      tf.tidy(() => {
        const x = tiedValues(p.shape, 10 + i);
        const y = tf.maxPool(x, p.filterSize, p.strides, "valid");
        const dy = randomTensor(y.shape, 20 + i);
        const attrs = {
          filterSize: p.filterSize,
          strides: p.strides,
          pad: "valid" as const,
        };
        if (!oneDnnPoolingApplies(x, attrs)) {
          throw new Error(`${JSON.stringify(p)} should apply`);
        }
        const oneDnn = oneDnnMaxPoolGrad(dy, x, y, attrs);
        const tfjsNode = viaTfjsNode(
          tf.MaxPoolGrad,
          { dy, input: x, output: y },
          { ...attrs },
        );
        assertBitEqual(oneDnn, tfjsNode, `${JSON.stringify(p)} vs tfjs-node`);
        assertBitEqual(
          oneDnn,
          tf.tensor(expected, x.shape),
          `${JSON.stringify(p)} vs cpu`,
        );
        const viaGradient = tf.grad((a: tf.Tensor) =>
          tf.maxPool(a as tf.Tensor4D, p.filterSize, p.strides, "valid").mul(dy)
            .sum()
        )(x);
        assertBitEqual(
          viaGradient,
          oneDnn,
          `${JSON.stringify(p)} through tf.grad`,
        );
      });
    }
  },
});

Deno.test({
  name:
    "tensorflow kernels: overlapping or padded pooling keeps tfjs-node's kernel",
  ignore,
  fn: async () => {
    const cases = [
      { filterSize: 3, strides: 2, pad: "valid" as const },
      { filterSize: 2, strides: 2, pad: "same" as const },
    ];
    await selectBackend("tensorflow");
    for (const c of cases) {
      tf.tidy(() => {
        const x = tiedValues([2, 9, 7, 3], 5);
        if (oneDnnPoolingApplies(x, c)) {
          throw new Error(`${JSON.stringify(c)} should not apply`);
        }
        const y = tf.maxPool(x, c.filterSize, c.strides, c.pad);
        const dy = randomTensor(y.shape, 6);
        const viaGradient = tf.grad((a: tf.Tensor) =>
          tf.maxPool(a as tf.Tensor4D, c.filterSize, c.strides, c.pad).mul(dy)
            .sum()
        )(x);
        const tfjsNode = viaTfjsNode(
          tf.MaxPoolGrad,
          { dy, input: x, output: y },
          { ...c },
        );
        assertBitEqual(viaGradient, tfjsNode, JSON.stringify(c));
      });
    }
  },
});

/** Runs tfjs-node's own kernel `name` on `inputs` with `attrs`. */
function viaTfjsNode(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
): tf.Tensor {
  const original = tfjsNodeKernel(name);
  if (!original) throw new Error(`tfjs-node's ${name} is missing`);
  return original.kernelFunc({
    inputs,
    attrs: attrs as tf.NamedAttrMap,
    backend: tf.backend(),
  }) as tf.Tensor;
}

Deno.test({
  name: "tensorflow kernels: oneDNN's pooling equals tfjs-node's MaxPool",
  ignore,
  fn: async () => {
    await selectBackend("tensorflow");
    for (const [i, p] of POOLINGS.entries()) {
      tf.tidy(() => {
        const x = randomTensor(p.shape, 30 + i) as tf.Tensor4D;
        const attrs = {
          filterSize: p.filterSize,
          strides: p.strides,
          pad: "valid",
        };
        assertBitEqual(
          tf.maxPool(x, p.filterSize, p.strides, "valid"),
          viaTfjsNode(tf.MaxPool, { x }, attrs),
          JSON.stringify(p),
        );
      });
    }
  },
});

Deno.test({
  name:
    "tensorflow kernels: oneDNN's convolution with bias equals tfjs-node's FusedConv2D, and cpu's within rounding",
  ignore,
  fn: async () => {
    const cases = [
      {
        x: [2, 12, 9, 3],
        filter: [3, 3, 3, 8],
        strides: 1,
        pad: "valid",
        activation: "relu",
      },
      {
        x: [2, 11, 8, 4],
        filter: [5, 3, 4, 6],
        strides: 2,
        pad: "same",
        activation: "relu",
      },
      {
        x: [1, 7, 7, 2],
        filter: [3, 3, 2, 5],
        strides: 1,
        pad: "valid",
        activation: "linear",
      },
    ] as const;
    for (const [i, c] of cases.entries()) {
      const run = () =>
        tf.tidy(() =>
          tf.fused.conv2d({
            x: randomTensor([...c.x], 40 + i) as tf.Tensor4D,
            filter: randomTensor([...c.filter], 50 + i) as tf.Tensor4D,
            bias: randomTensor([c.filter[3]], 60 + i),
            strides: c.strides,
            pad: c.pad,
            activation: c.activation,
          })
        );
      await selectBackend("cpu");
      const cpu = run();
      const expected = cpu.dataSync().slice();
      cpu.dispose();
      await selectBackend("tensorflow");
      tf.tidy(() => {
        const x = randomTensor([...c.x], 40 + i);
        const filter = randomTensor([...c.filter], 50 + i);
        const bias = randomTensor([c.filter[3]], 60 + i);
        if (
          !oneDnnConvApplies({ x, filter, bias }, {
            ...c,
            dataFormat: "NHWC",
            dilations: 1,
          })
        ) {
          throw new Error(`${JSON.stringify(c)} should apply`);
        }
        const oneDnn = run();
        const tfjsNode = viaTfjsNode(tf.FusedConv2D, { x, filter, bias }, {
          strides: c.strides,
          pad: c.pad,
          dataFormat: "NHWC",
          dilations: 1,
          activation: c.activation,
        });
        assertBitEqual(oneDnn, tfjsNode, JSON.stringify(c));
        const got = oneDnn.dataSync();
        for (let j = 0; j < got.length; j++) {
          if (
            Math.abs(got[j] - expected[j]) > 1e-5 * (1 + Math.abs(expected[j]))
          ) {
            throw new Error(
              `${JSON.stringify(c)} vs cpu: element ${j} ${got[j]} vs ${
                expected[j]
              }`,
            );
          }
        }
      });
    }
  },
});

Deno.test({
  name:
    "tensorflow kernels: TensorFlow's ClipByValue equals tfjs-node's Minimum and Maximum, bounds and infinities included",
  ignore,
  fn: async () => {
    await selectBackend("tensorflow");
    if (!registerTensorflowTrainingKernels().nativeClipByValue) {
      throw new Error("ClipByValue is not replaced");
    }
    const bounds: [number, number][] = [[0, 6], [1e-7, 1 - 1e-7], [-2.5, 2.5]];
    for (const [i, [min, max]] of bounds.entries()) {
      tf.tidy(() => {
        const rng = createRng(70 + i);
        const values = Float32Array.from(
          { length: 4096 },
          () => (rng.next() * 2 - 1) * 10 * max,
        );
        // The bounds themselves, values one float32 step off them, zeros and infinities.
        values.set([
          min,
          max,
          Math.fround(min) - 1e-9,
          Math.fround(max) + 1e-6,
          0,
          -0,
          Infinity,
          -Infinity,
        ]);
        const x = tf.tensor2d(values, [64, 64]);
        const attrs = { clipValueMin: min, clipValueMax: max };
        const tfjsNode = viaTfjsNode(tf.ClipByValue, { x }, attrs);
        assertBitEqual(
          nativeClipByValue(x, min, max),
          tfjsNode,
          `clip to [${min}, ${max}]`,
        );
        assertBitEqual(
          tf.clipByValue(x, min, max),
          tfjsNode,
          `tf.clipByValue to [${min}, ${max}]`,
        );
        const dy = randomTensor(x.shape, 80 + i);
        const [gradient] = tf.grads((a: tf.Tensor) =>
          tf.clipByValue(a, min, max).mul(dy).sum()
        )([x]);
        const inside = tf.logicalAnd(
          tf.greaterEqual(x, min),
          tf.lessEqual(x, max),
        );
        assertBitEqual(
          gradient,
          tf.where(inside, dy, tf.zerosLike(dy)),
          `gradient of clip to [${min}, ${max}]`,
        );
      });
    }
  },
});
