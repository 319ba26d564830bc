/**
 * leanL2 must train exactly as tf.regularizers.l2 does (same penalty, same
 * gradient bits) on the reference backend and on native TensorFlow, with
 * less memory held during the gradient, and save as TF.js' own L1L2.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { type BackendName, selectBackend } from "../backend.ts";
import { loadTfjsNode } from "../native/tfjs_node.ts";
import { createRng } from "../random.ts";
import { leanL2, type Regularizer } from "./lean_l2.ts";
import { buildStudyCnn } from "./study_cnn.ts";

const native = await loadTfjsNode();

function values(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

/** A small dense network with `regularizer` on both kernels, trained a few steps. */
async function trainWith(regularizer: () => Regularizer): Promise<number[][]> {
  const model = tf.sequential();
  model.add(tf.layers.dense({
    inputShape: [20],
    units: 16,
    activation: "relu",
    kernelInitializer: tf.initializers.randomUniform({ seed: 1 }),
    kernelRegularizer: regularizer(),
  }));
  model.add(tf.layers.dense({
    units: 3,
    activation: "softmax",
    kernelInitializer: tf.initializers.randomUniform({ seed: 2 }),
    kernelRegularizer: regularizer(),
  }));
  model.compile({
    optimizer: tf.train.adam(0.05),
    loss: "categoricalCrossentropy",
  });
  const x = tf.tensor2d(values(32 * 20, 3), [32, 20]);
  const y = tf.oneHot(
    tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 3), "int32"),
    3,
  );
  const losses: number[] = [];
  for (let step = 0; step < 5; step++) {
    losses.push(await model.trainOnBatch(x, y) as number);
  }
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  tf.dispose([x, y]);
  model.dispose();
  return [losses, ...weights];
}

for (const backend of ["cpu", "tensorflow"] as BackendName[]) {
  Deno.test({
    name: `leanL2 trains bit for bit like tf.regularizers.l2 (${backend})`,
    ignore: backend === "tensorflow" && !native.ok,
    async fn() {
      await selectBackend(backend);
      for (const l2 of [1e-4, 0.03]) {
        const stock = await trainWith(() => tf.regularizers.l2({ l2 }));
        const lean = await trainWith(() => leanL2(l2));
        assert.deepEqual(lean, stock, `l2 ${l2}`);
      }
      const penalty = tf.tidy(() =>
        leanL2(0.5).apply(tf.tensor1d([1, -2, 3])).dataSync()[0]
      );
      assert.equal(penalty, 7); // 0.5 · (1 + 4 + 9)
    },
  });
}

Deno.test("leanL2 holds 3 weight-sized tensors during its gradient where the derived one holds 10", async () => {
  await selectBackend("cpu");
  const w = tf.variable(tf.tensor(values(250_000, 5), [500, 500]));
  const peak = async (regularizer: Regularizer) => {
    const before = tf.memory().numBytes;
    const info = await tf.profile(() => {
      const { grads, value } = tf.variableGrads(
        () => regularizer.apply(w) as tf.Scalar,
        [w],
      );
      tf.dispose([value, ...Object.values(grads)]);
    });
    return info.peakBytes - before;
  };
  const weight = 250_000 * 4;
  const stock = await peak(tf.regularizers.l2({ l2: 1e-4 }));
  const lean = await peak(leanL2(1e-4));
  // Measured: 10 weight-sized tensors at the peak of the derived gradient,
  // 3 for the written-out one (the saved weight is counted once more).
  assert.ok(stock >= 8 * weight, `stock ${stock / weight} weights`);
  assert.ok(lean <= 3.5 * weight, `lean ${lean / weight} weights`);
  w.dispose();
});

Deno.test("a model with leanL2 saves TF.js' L1L2 config and loads without this module", async () => {
  await selectBackend("cpu");
  const model = tf.sequential();
  model.add(tf.layers.dense({
    inputShape: [4],
    units: 2,
    kernelRegularizer: leanL2(1e-4),
  }));
  const saved = await model.save(
    tf.io.withSaveHandler((artifacts) =>
      Promise.resolve({
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: "JSON",
        },
        ...artifacts,
      } as unknown as tf.io.SaveResult)
    ),
  ) as unknown as tf.io.ModelArtifacts;
  const layer = (saved.modelTopology as {
    config: { layers: { config: { kernel_regularizer: unknown } }[] };
  }).config.layers[0].config;
  assert.deepEqual(layer.kernel_regularizer, {
    class_name: "L1L2",
    config: { l1: 0, l2: 1e-4 },
  });
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
  assert.equal(
    loaded.layers[0].getConfig().kernelRegularizer !== undefined,
    true,
  );
  model.dispose();
  loaded.dispose();
  assert.throws(() => leanL2(0), /positive/);
  assert.throws(() => leanL2(NaN), /positive/);
});

Deno.test("a study CNN trains to the same weights with either L2 penalty; an unknown one is refused", async () => {
  await selectBackend("cpu");
  const train = async (l2Penalty: "lean" | "tfjs") => {
    const model = buildStudyCnn({
      architecture: "dense-dropout",
      inputShape: [24, 18, 3],
      kernelSize: 3,
      filters: 4,
      denseSize: 8,
      l2: 1e-3,
      classes: 3,
      seed: 7,
      l2Penalty,
    });
    model.compile({
      optimizer: tf.train.adam(0.01),
      loss: "categoricalCrossentropy",
    });
    const x = tf.tensor4d(values(6 * 24 * 18 * 3, 8), [6, 24, 18, 3]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], "int32"), 3);
    const losses = [];
    for (let i = 0; i < 3; i++) losses.push(await model.trainOnBatch(x, y));
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    tf.dispose([x, y]);
    model.dispose();
    return { losses, weights };
  };
  assert.deepEqual(await train("lean"), await train("tfjs"));
  assert.throws(
    () =>
      buildStudyCnn({
        classes: 3,
        seed: 1,
        l2: 1e-3,
        l2Penalty: "fast" as "lean",
      }),
    /l2Penalty must be lean or tfjs, got fast/,
  );
});
