/**
 * End-to-end training parity: networks trained a few steps on `wasm` (with
 * this workspace's kernels) and on `cpu`, from the same initial weights and
 * batches, give the same losses.
 */
import * as tf from "@tensorflow/tfjs";
import { tinyInitialWeights, trainTinyCnn } from "../../testing/tiny_cnn.ts";
import {
  assertParity,
  randomValues,
  testRng,
  useCpu,
  useWasm,
} from "../../testing/wasm_parity.ts";

function assertLossesClose(
  label: string,
  actual: number[],
  expected: number[],
  tolerance = 1e-3,
): void {
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]) /
      Math.max(Math.abs(expected[i]), 1e-3);
    if (!(error <= tolerance)) {
      throw new Error(
        `${label} step ${i}: wasm loss ${actual[i]} vs cpu ${expected[i]} ` +
          `(relative error ${error.toExponential(2)} > ${tolerance})`,
      );
    }
  }
}

Deno.test({
  name: "wasm trains the tiny CNN with the same losses as cpu",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const options = { seed: 11, steps: 5, batchSize: 4 };
    await useCpu();
    const weights = await tinyInitialWeights(options.seed);
    const cpuLosses = await trainTinyCnn(weights, options);
    await useWasm();
    const wasmLosses = await trainTinyCnn(weights, options);
    console.log(
      `cpu  losses: ${cpuLosses.map((l) => l.toPrecision(9)).join(" ")}`,
    );
    console.log(
      `wasm losses: ${wasmLosses.map((l) => l.toPrecision(9)).join(" ")}`,
    );
    if (!cpuLosses.every(Number.isFinite) || new Set(cpuLosses).size < 2) {
      throw new Error(`the tiny CNN did not train on cpu: ${cpuLosses}`);
    }
    assertLossesClose("tiny CNN", wasmLosses, cpuLosses);
  },
});

/**
 * A MobileNetV2-style network with every layer type of the MobileNetV2 base
 * in `datasets/pretrained`: ZeroPadding2D, strided Conv2D, BatchNormalization,
 * ReLU(max 6), DepthwiseConv2D with strides 1 and 2, an inverted residual
 * block with Add, then global average pooling and a softmax head.
 */
function buildMobileNetStyle(seed: number): tf.LayersModel {
  let n = 0;
  const init = () => tf.initializers.glorotUniform({ seed: seed + n++ });
  const bnRelu6 = (t: tf.SymbolicTensor) =>
    tf.layers.reLU({ maxValue: 6 }).apply(
      tf.layers.batchNormalization().apply(t),
    ) as tf.SymbolicTensor;
  const input = tf.input({ shape: [17, 15, 3] });
  let t = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] })
    .apply(input) as tf.SymbolicTensor;
  t = bnRelu6(
    tf.layers.conv2d({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      useBias: false,
      kernelInitializer: init(),
    }).apply(t) as tf.SymbolicTensor,
  );
  // Inverted residual block, stride 1: expand, depthwise, project, add.
  const expanded = bnRelu6(
    tf.layers.conv2d({ filters: 16, kernelSize: 1, kernelInitializer: init() })
      .apply(t) as tf.SymbolicTensor,
  );
  const depthwise = bnRelu6(
    tf.layers.depthwiseConv2d({
      kernelSize: 3,
      padding: "same",
      useBias: false,
      depthwiseInitializer: init(),
    }).apply(expanded) as tf.SymbolicTensor,
  );
  const projected = tf.layers.batchNormalization().apply(
    tf.layers.conv2d({ filters: 8, kernelSize: 1, kernelInitializer: init() })
      .apply(depthwise),
  ) as tf.SymbolicTensor;
  t = tf.layers.add().apply([t, projected]) as tf.SymbolicTensor;
  // Downsampling depthwise (stride 2, 'valid' after zero padding), relu6 activation.
  t = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] })
    .apply(t) as tf.SymbolicTensor;
  t = tf.layers.depthwiseConv2d({
    kernelSize: 3,
    strides: 2,
    depthMultiplier: 2,
    activation: "relu6",
    depthwiseInitializer: init(),
  }).apply(t) as tf.SymbolicTensor;
  t = tf.layers.globalAveragePooling2d({}).apply(t) as tf.SymbolicTensor;
  const output = tf.layers.dense({
    units: 3,
    activation: "softmax",
    kernelInitializer: init(),
  }).apply(t) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

async function trainMobileNetStyle(
  initial: Float32Array[],
  seed: number,
  steps: number,
): Promise<number[]> {
  const model = buildMobileNetStyle(seed);
  model.setWeights(
    model.getWeights().map((w, i) => tf.tensor(initial[i], w.shape)),
  );
  model.compile({
    optimizer: tf.train.adam(0.01),
    loss: "categoricalCrossentropy",
  });
  const rng = testRng(seed);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const batch = 3;
    const x = tf.tensor4d(randomValues(rng, [batch, 17, 15, 3]), [
      batch,
      17,
      15,
      3,
    ]);
    const labels = Array.from({ length: batch }, () => rng.int(3));
    const y = tf.oneHot(tf.tensor1d(labels, "int32"), 3);
    const loss = await model.trainOnBatch(x, y);
    losses.push(Array.isArray(loss) ? loss[0] : loss);
    tf.dispose([x, y]);
  }
  model.dispose();
  return losses;
}

Deno.test({
  name: "wasm trains a MobileNetV2-style network with the same losses as cpu",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const seed = 5;
    await useCpu();
    const model = buildMobileNetStyle(seed);
    const initial = await Promise.all(
      model.getWeights().map(async (w) => await w.data() as Float32Array),
    );
    model.dispose();
    const cpuLosses = await trainMobileNetStyle(initial, seed, 4);
    await useWasm();
    const wasmLosses = await trainMobileNetStyle(initial, seed, 4);
    console.log(
      `cpu  losses: ${cpuLosses.map((l) => l.toPrecision(9)).join(" ")}`,
    );
    console.log(
      `wasm losses: ${wasmLosses.map((l) => l.toPrecision(9)).join(" ")}`,
    );
    assertLossesClose("MobileNetV2-style", wasmLosses, cpuLosses);
  },
});

/** The shared data mirror: `FASHION_MIRROR`, else `../shared/datasets` beside the repository. */
function mirrorPath(): string {
  const configured = Deno.env.get("FASHION_MIRROR");
  const root = new URL("../../../", import.meta.url);
  return configured
    ? new URL(configured, root).pathname
    : new URL("../shared/datasets", root).pathname;
}

const MOBILENET_DIR = `${mirrorPath()}/pretrained/mobilenet-v2-0.35-224-notop`;
const hasMobileNet = (() => {
  try {
    return Deno.statSync(`${MOBILENET_DIR}/model.json`).isFile;
  } catch {
    return false;
  }
})();
if (!hasMobileNet) {
  console.log(
    `MobileNetV2 fine-tuning test skipped: no ${MOBILENET_DIR}/model.json ` +
      `(set FASHION_MIRROR to the data mirror)`,
  );
}

/**
 * The pretrained MobileNetV2 base with a new 3-class head, its input resized
 * to `size` x `size` (the weights do not depend on the image size).
 */
async function loadMobileNetClassifier(size: number): Promise<tf.LayersModel> {
  const json = JSON.parse(
    await Deno.readTextFile(`${MOBILENET_DIR}/model.json`),
  );
  const topology = json.modelTopology;
  const layers = (topology.model_config ?? topology).config.layers;
  layers[0].config.batch_input_shape = [null, size, size, 3];
  const weightData =
    (await Deno.readFile(`${MOBILENET_DIR}/weights.bin`)).buffer;
  const base = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: topology,
    weightSpecs: json.weightsManifest.flatMap((m: { weights: unknown[] }) =>
      m.weights
    ),
    weightData,
  }));
  const pooled = tf.layers.globalAveragePooling2d({}).apply(base.outputs[0]);
  const head = tf.layers.dense({
    units: 3,
    activation: "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
  }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: base.inputs, outputs: head });
}

/**
 * Gradients of a fixed random projection of the base's output with respect
 * to every weight, on the active backend, with BatchNormalization in
 * inference mode (moving statistics), as when fine-tuning a pretrained base.
 */
async function mobileNetGradients(): Promise<Float32Array[]> {
  const size = 64;
  const batch = 2;
  const model = await loadMobileNetClassifier(size);
  const rng = testRng(21);
  const xShape = [batch, size, size, 3];
  const x = tf.tensor(randomValues(rng, xShape), xShape);
  const features = model.layers[model.layers.length - 3]
    .output as tf.SymbolicTensor;
  const base = tf.model({ inputs: model.inputs, outputs: features });
  const outShape = features.shape.map((d) => d ?? batch);
  const r = tf.tensor(randomValues(rng, outShape), outShape);
  const { value, grads } = tf.variableGrads(() =>
    tf.sum(
      tf.mul(base.apply(x, { training: false }) as tf.Tensor, r),
    ) as tf.Scalar
  );
  const values = await Promise.all(
    base.trainableWeights.map(async (w) => {
      const g = grads[w.originalName] ?? grads[w.name];
      if (!g) throw new Error(`no gradient for ${w.name}`);
      return await g.data() as Float32Array;
    }),
  );
  tf.dispose([x, r, value, ...Object.values(grads)]);
  model.dispose();
  return values;
}

Deno.test({
  name: "wasm gradients of the pretrained MobileNetV2 base match cpu",
  ignore: !hasMobileNet,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await useCpu();
    const cpuGrads = await mobileNetGradients();
    await useWasm();
    const wasmGrads = await mobileNetGradients();
    if (cpuGrads.length < 50) {
      throw new Error(`only ${cpuGrads.length} gradients: base not loaded?`);
    }
    let worst = 0;
    for (const [i, expected] of cpuGrads.entries()) {
      worst = Math.max(
        worst,
        assertParity(`MobileNetV2 weight ${i}`, wasmGrads[i], expected),
      );
    }
    console.log(
      `${cpuGrads.length} weights, worst normwise error ${
        worst.toExponential(2)
      }`,
    );
  },
});

Deno.test({
  name:
    "wasm takes a training step of MobileNetV2 with BatchNorm in training mode",
  ignore: !hasMobileNet,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await useWasm();
    const model = await loadMobileNetClassifier(64);
    model.compile({
      optimizer: tf.train.adam(1e-3),
      loss: "categoricalCrossentropy",
    });
    const rng = testRng(22);
    const x = tf.tensor(randomValues(rng, [2, 64, 64, 3]), [2, 64, 64, 3]);
    const y = tf.oneHot(tf.tensor1d([0, 2], "int32"), 3);
    const before = await model.getWeights()[0].data();
    const losses = [
      await model.trainOnBatch(x, y),
      await model.trainOnBatch(x, y),
    ]
      .map((l) => Array.isArray(l) ? l[0] : l);
    const after = await model.getWeights()[0].data();
    tf.dispose([x, y]);
    model.dispose();
    if (!losses.every(Number.isFinite)) throw new Error(`losses ${losses}`);
    if (after.every((v, i) => v === before[i])) {
      throw new Error("the first conv kernel did not change after two steps");
    }
  },
});

Deno.test({
  name: "wasm training kernels free their temporary buffers",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await useWasm();
    const model = buildMobileNetStyle(9);
    model.compile({
      optimizer: tf.train.adam(0.01),
      loss: "categoricalCrossentropy",
    });
    const x = tf.tensor4d(randomValues(testRng(9), [2, 17, 15, 3]), [
      2,
      17,
      15,
      3,
    ]);
    const y = tf.oneHot(tf.tensor1d([1, 2], "int32"), 3);
    const counts: number[] = [];
    for (let step = 0; step < 4; step++) {
      await model.trainOnBatch(x, y);
      counts.push(tf.backend().numDataIds());
    }
    tf.dispose([x, y]);
    model.dispose();
    if (counts[3] !== counts[1]) {
      throw new Error(
        `wasm buffers grew from ${counts[1]} to ${counts[3]} over two steps`,
      );
    }
  },
});
