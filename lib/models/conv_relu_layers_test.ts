/**
 * The `tensorflow` backend's fused ReLU convolution for training gives the
 * unfused path's numbers bit for bit: the `FashionReluGradBiasSum` op
 * against `ReluGrad` and `Sum` (awkward values, the four-sum order of
 * `Sum` and its tail, more channels than one block; a sum that meets a NaN
 * is NaN in both, its sign bit aside), and a model trained
 * with its convolutions fused against the same model trained without
 * (weights after several Adam steps), the fused kernels actually running,
 * with and without the pooling layer after a convolution.
 */
import * as tf from "@tensorflow/tfjs";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { selectBackend } from "../backend.ts";
import { loadTfjsNode } from "../native/tfjs_node.ts";
import { loadFashionOps } from "../native/fashion_ops.ts";
import {
  CONV_BIAS_RELU_KERNEL,
  CONV_BIAS_RELU_POOL_KERNEL,
  maxPoolReluGradBiasSum,
  registerTensorflowTrainingKernels,
  reluGradBiasSum,
  reluMaxPool,
  useTensorflowKernels,
} from "../kernels/tensorflow/mod.ts";
import { runNativeOp } from "../kernels/tensorflow/native_op.ts";
import { buildTinyCnn, tinyBatches } from "../testing/tiny_cnn.ts";
import { buildStudyCnn } from "./study_cnn.ts";
import {
  fuseReluConvolutions,
  withFusedConvolutions,
} from "./conv_relu_layers.ts";
import { trainStep } from "../train/train_step.ts";
import { createOptimizer } from "../train/compile.ts";

const native = await loadTfjsNode();
if (!native.ok) {
  console.log(`fused convolution tests skipped: ${native.reason}`);
}

const bits = (t: tf.Tensor) =>
  Array.from(new Uint32Array(t.dataSync().buffer.slice(0)));
/** Bits, every NaN written as "NaN": which NaN a sum of NaNs gives depends on operand order. */
const bitsOrNaN = (t: tf.Tensor) =>
  Array.from(t.dataSync()).map((v, i) => Number.isNaN(v) ? "NaN" : bits(t)[i]);

async function ready(): Promise<void> {
  const ops = await loadFashionOps();
  assert(ops.loaded, ops.loaded ? "" : ops.reason);
  await selectBackend("tensorflow");
  assertEquals(registerTensorflowTrainingKernels().convBiasRelu, true);
}

Deno.test({
  name:
    "FashionReluGradBiasSum equals ReluGrad and Sum bit for bit (rows under and over 16, tails, 3 to 130 channels, NaN, ±0, ±Infinity)",
  ignore: !native.ok,
  fn: async () => {
    await ready();
    for (
      const shape of [
        [3, 5, 7],
        [40, 3],
        [6, 7, 17],
        [1, 15, 32],
        [4, 4, 130],
        [2, 9, 11, 64],
        [8, 30, 22, 64],
        [17, 48],
      ]
    ) {
      const n = shape.reduce((a, b) => a * b, 1);
      const special = [NaN, 0, -0, Infinity, -Infinity, 1e-38, -1e-38];
      const wave = (scale: number, phase: number) =>
        tf.tensor(
          Float32Array.from({ length: n }, (_, i) =>
            i % 97 === 5
              ? special[(i + phase) % special.length]
              : scale * Math.sin(i * 0.731 + phase) *
                (i % 13 === 0 ? 1e-5 : 1)),
          shape,
        );
      const dy = wave(0.01, 1);
      const features = wave(1, 2);
      const [backprops, biasGradient] = reluGradBiasSum(dy, features);
      const expected = runNativeOp("ReluGrad", { T: { type: "float32" } }, [
        dy,
        features,
      ]);
      const axes = shape.slice(0, -1).map((_, i) => i);
      assertEquals(bits(backprops), bits(expected), `backprops ${shape}`);
      assertEquals(
        bitsOrNaN(biasGradient),
        bitsOrNaN(tf.sum(expected, axes)),
        `bias gradient ${shape}`,
      );
      tf.dispose([dy, features, backprops, biasGradient, expected]);
    }
  },
});

Deno.test({
  name:
    "FashionReluMaxPool equals Relu and MaxPool, FashionMaxPoolReluGradBiasSum MaxPoolGrad, ReluGrad and Sum, bit for bit (ties, odd heights and widths, 3 to 130 channels)",
  ignore: !native.ok,
  fn: async () => {
    await ready();
    for (
      const shape of [
        [2, 5, 7, 3],
        [3, 4, 4, 12],
        [4, 9, 6, 130],
        [1, 16, 16, 17],
        [8, 59, 44, 64],
      ] as [number, number, number, number][]
    ) {
      // Whole numbers: many zeros and ties in the windows after the ReLU.
      // (`+ 0` turns round's -0 into +0: a pre-activation is never -0 in
      // training, and TensorFlow's own Relu gives -0 or +0 for it by where
      // it stands in the tensor; see the op's notes.)
      const z = tf.add(tf.round(tf.randomNormal(shape, 0, 2, "float32", 3)), 0);
      const y = tf.relu(z) as tf.Tensor4D;
      const pooled = tf.maxPool(y, 2, 2, "valid");
      const fusedPooled = reluMaxPool(z);
      assertEquals(bits(fusedPooled), bits(pooled), `pooled ${shape}`);
      const dp = tf.randomNormal(pooled.shape, 0, 1e-3, "float32", 4);
      const routed = tf.engine().runKernel(tf.MaxPoolGrad, {
        dy: dp,
        input: y,
        output: pooled,
      }, { filterSize: 2, strides: 2, pad: "valid" }) as tf.Tensor;
      const expected = runNativeOp("ReluGrad", { T: { type: "float32" } }, [
        routed,
        y,
      ]);
      // From the ReLU's input (as training passes it) and from its output.
      for (const features of [z, y]) {
        const [backprops, biasGradient] = maxPoolReluGradBiasSum(dp, features);
        assertEquals(bits(backprops), bits(expected), `backprops ${shape}`);
        assertEquals(
          bits(biasGradient),
          bits(tf.sum(expected, [0, 1, 2])),
          `bias gradient ${shape}`,
        );
        tf.dispose([backprops, biasGradient]);
      }
      tf.dispose([z, y, pooled, fusedPooled, dp, routed, expected]);
    }
  },
});

/**
 * Trains `build()` for a few Adam steps as the workspace's fit loop does;
 * the weights, the kernels that ran and the predictions for the first
 * batch (checked equal with and without the fused pooling).
 */
async function train(
  build: () => tf.LayersModel,
  batches: { x: tf.Tensor; y: tf.Tensor }[],
  fused: boolean,
): Promise<{ weights: number[][]; kernels: string[]; predicted: number[] }> {
  const model = build();
  model.compile({
    optimizer: createOptimizer("adam", 3e-3),
    loss: "categoricalCrossentropy",
  });
  if (fused) assertEquals(fuseReluConvolutions(model), 2);
  const profile = await tf.profile(async () => {
    for (const { x, y } of batches) {
      const values = trainStep(model, x, [y]);
      await values[0].data();
      tf.dispose(values);
    }
  });
  const weights = model.getWeights().map(bits);
  // Predictions of the trained model, as the workspace predicts (inside
  // withFusedConvolutions) and as tfjs-layers does.
  const x = batches[0].x;
  const predicted = bits(
    withFusedConvolutions(model, () => model.predict(x) as tf.Tensor),
  );
  const plainPredicted = bits(model.predict(x) as tf.Tensor);
  assertEquals(predicted, plainPredicted);
  model.dispose();
  return { weights, kernels: profile.kernelNames, predicted };
}

Deno.test({
  name:
    "CNNs trained with their ReLU convolutions fused equal the unfused ones bit for bit (with and without pooling after, same and valid padding, strides, the study's CNN at its input size)",
  ignore: !native.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await ready();
    const tinyData = tinyBatches(5, 6, 8);
    const tinyFused = await train(() => buildTinyCnn(11), tinyData, true);
    const tinyPlain = await train(() => buildTinyCnn(11), tinyData, false);
    assert(tinyFused.kernels.includes(CONV_BIAS_RELU_POOL_KERNEL));
    assert(!tinyFused.kernels.includes("MaxPool"), tinyFused.kernels.join());
    assert(!tinyPlain.kernels.includes(CONV_BIAS_RELU_POOL_KERNEL));
    assertEquals(tinyFused.weights, tinyPlain.weights);
    assertEquals(tinyFused.predicted, tinyPlain.predicted);

    // A convolution straight into another (stride 2), then one into a
    // pooling layer: both fused kernels.
    const stacked = () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [13, 11, 3],
            filters: 12,
            kernelSize: 3,
            strides: 2,
            padding: "same",
            activation: "relu",
            kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
          }),
          tf.layers.conv2d({
            filters: 9,
            kernelSize: 2,
            activation: "relu",
            kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
          }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({
            units: 3,
            activation: "softmax",
            kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
          }),
        ],
      });
    const stackedData = [0, 1, 2].map((i) => ({
      x: tf.randomUniform([16, 13, 11, 3], -1, 1, "float32", i),
      y: tf.oneHot(
        tf.tensor1d([...Array(16).keys()].map((k) => (k + i) % 3), "int32"),
        3,
      ),
    }));
    const stackedFused = await train(stacked, stackedData, true);
    const stackedPlain = await train(stacked, stackedData, false);
    for (const kernel of [CONV_BIAS_RELU_KERNEL, CONV_BIAS_RELU_POOL_KERNEL]) {
      assert(
        stackedFused.kernels.includes(kernel),
        stackedFused.kernels.join(),
      );
    }
    assertEquals(stackedFused.weights, stackedPlain.weights);

    // Study 000's primary CNN on its 120x90 input: 8 x 118 x 88 rows per
    // bias sum, the shapes the studies train.
    const study = () =>
      buildStudyCnn({
        classes: 3,
        architecture: "dense",
        kernelSize: 3,
        filters: 64,
        seed: 3,
      });
    const x = tf.randomUniform([8, 120, 90, 3], 0, 1, "float32", 9);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 2, 1], "int32"), 3);
    const studyData = [{ x, y }, { x: tf.reverse(x, 0), y: tf.reverse(y, 0) }];
    const studyFused = await train(study, studyData, true);
    const studyPlain = await train(study, studyData, false);
    assert(studyFused.kernels.includes(CONV_BIAS_RELU_POOL_KERNEL));
    assert(!studyFused.kernels.includes("Relu"), studyFused.kernels.join());
    assert(studyPlain.kernels.includes("Relu"));
    assertEquals(studyFused.weights, studyPlain.weights);
    assertEquals(studyFused.predicted, studyPlain.predicted);

    // With the kernel swapped out, fused layers fall back to the plain ops.
    useTensorflowKernels("tfjs-node");
    try {
      const fallback = await train(study, studyData, true);
      assert(!fallback.kernels.includes(CONV_BIAS_RELU_POOL_KERNEL));
      assertEquals(fallback.weights, studyPlain.weights);
    } finally {
      useTensorflowKernels("workspace");
    }
    tf.dispose(
      [...tinyData, ...stackedData, ...studyData].flatMap((b) => [b.x, b.y]),
    );
  },
});

Deno.test({
  name:
    "a model on a fused convolution's own output gets the ReLU's output, not the pooled one",
  ignore: !native.ok,
  fn: async () => {
    await ready();
    const model = buildTinyCnn(4);
    assertEquals(fuseReluConvolutions(model), 2);
    const conv = model.layers[0];
    const probe = tf.model({
      inputs: model.inputs,
      outputs: conv.output as tf.SymbolicTensor,
    });
    const x = tinyBatches(2, 1, 4)[0].x;
    const outside = probe.predict(x) as tf.Tensor;
    const own = withFusedConvolutions(
      probe,
      () => probe.predict(x) as tf.Tensor,
    );
    const expected = tf.relu(
      tf.conv2d(
        x,
        conv.getWeights()[0] as tf.Tensor4D,
        1,
        "same",
      ).add(conv.getWeights()[1]),
    );
    for (const output of [outside, own]) {
      assertEquals(output.shape, expected.shape);
      assertEquals(bits(output), bits(expected));
    }
    // Inside the model's own scope, its full predictions use the pooled path.
    const kernels = (await tf.profile(() =>
      withFusedConvolutions(model, () =>
        model.predict(x) as tf.Tensor)
    )).kernelNames;
    assert(!kernels.includes("MaxPool"), kernels.join());
    tf.dispose([x, outside, own, expected]);
    model.dispose();
  },
});

Deno.test({
  name: "only 2-D ReLU convolutions with a bias are fused; twice is once",
  ignore: !native.ok,
  fn: () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [8, 8, 1],
          filters: 2,
          kernelSize: 3,
          activation: "relu",
        }),
        tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: "tanh" }),
        tf.layers.conv2d({
          filters: 2,
          kernelSize: 1,
          activation: "relu",
          useBias: false,
        }),
        tf.layers.conv2d({
          filters: 2,
          kernelSize: 1,
          activation: "relu",
          dilationRate: 2,
        }),
      ],
    });
    assertEquals(fuseReluConvolutions(model), 1);
    assertEquals(fuseReluConvolutions(model), 1);
    model.dispose();
  },
});
