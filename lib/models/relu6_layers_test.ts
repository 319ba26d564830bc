/**
 * MobileNetV2's ReLU6 layers in one pass: the same values and the same
 * gradients as tfjs-layers' `Relu` and clip, at the boundaries 0 and 6
 * exactly too; the base's features bit for bit; fine-tuning its top block
 * moves the weights by the same values; a saved model keeps its `ReLU`
 * layers. On `tensorflow` where the addon is built (else `cpu`, saying so).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import { loadTfjsNode } from "../native/tfjs_node.ts";
import { modelFolder, saveModel } from "./model_files.ts";
import { reluSixInOnePass } from "./relu6_layers.ts";
import {
  cutLayerName,
  loadMobileNetV2Base,
  mobileNetBaseDir,
  upperPart,
} from "./transfer.ts";
import { temporaryDir } from "../testing/temp_dir.ts";

const native = await loadTfjsNode();
const backendName = native.ok ? "tensorflow" : "cpu";
if (!native.ok) console.log(`ReLU6 tests on cpu: ${native.reason}`);

/** The base with its layers exactly as tfjs-layers loads them. */
const asSaved = () => tf.loadLayersModel(modelFolder(mobileNetBaseDir()));

/** Every element equal (`===`: +0 and -0 count as equal; they add and multiply to the same numbers). */
function assertSameValues(
  got: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
) {
  assert.equal(got.length, expected.length, `${what}: sizes`);
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== expected[i]) {
      throw new Error(`${what} ${i}: ${got[i]} vs ${expected[i]}`);
    }
  }
}

Deno.test(`ReLU6 in one pass: values and gradients of tfjs-layers' ReLU(6), at 0 and 6 exactly too (${backendName})`, async () => {
  await selectBackend(backendName);
  const x = tf.tensor1d([
    -7,
    -1e-30,
    -0,
    0,
    1e-30,
    3,
    6 - 2 ** -21,
    6,
    6 + 2 ** -21,
    7,
    Infinity,
    -Infinity,
  ]);
  const dy = tf.tensor1d([1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12]);
  const run = (patched: boolean) => {
    const layer = tf.layers.reLU({ maxValue: 6 });
    const model = tf.sequential({
      layers: [tf.layers.inputLayer({ inputShape: [1] }), layer],
    });
    if (patched) assert.equal(reluSixInOnePass(model), 1);
    const input = x.reshape([12, 1]);
    const out = tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync());
    const [grad] = tf.grads((a: tf.Tensor) =>
      (model.apply(a) as tf.Tensor).reshape([12]).mul(dy).sum()
    )([input]);
    return { out, grad: grad.dataSync() };
  };
  const stock = run(false);
  const onePass = run(true);
  assertSameValues(onePass.out, stock.out, "output");
  assertSameValues(onePass.grad, stock.grad, "gradient");
  // dy passes where 0 < x <= 6.
  assertSameValues(
    onePass.grad,
    [0, 0, 0, 0, 5, -6, 7, -8, 0, 0, 0, 0],
    "gradient",
  );
});

Deno.test(`ReLU6 in one pass: the base's 35 ReLU6 layers, its features bit for bit (${backendName})`, async () => {
  await selectBackend(backendName);
  const saved = await asSaved();
  const base = await loadMobileNetV2Base();
  assert.equal(reluSixInOnePass(await asSaved()), 35);
  const images = tf.randomUniform([4, 224, 224, 3], -1, 1, "float32", 11);
  assertSameValues(
    tf.tidy(() => (base.predict(images) as tf.Tensor).dataSync()),
    tf.tidy(() => (saved.predict(images) as tf.Tensor).dataSync()),
    "feature",
  );
  images.dispose();
  saved.dispose();
  base.dispose();
});

Deno.test(`ReLU6 in one pass: fine-tuning the top block moves the weights by the same values (${backendName})`, async () => {
  await selectBackend(backendName);
  /** The base's top block and Conv_1 stage after three Adam steps on seeded data. */
  const trained = (base: tf.LayersModel) => {
    const top = upperPart(base, cutLayerName(base, 16));
    const input = top.inputs[0].shape.slice(1) as number[];
    const output = top.outputs[0].shape.slice(1) as number[];
    const x = tf.randomNormal([4, ...input], 0, 1, "float32", 5);
    const target = tf.randomNormal([4, ...output], 0, 1, "float32", 6);
    const optimizer = tf.train.adam(1e-3);
    for (let step = 0; step < 3; step++) {
      optimizer.minimize(() =>
        tf.losses.meanSquaredError(target, top.predict(x) as tf.Tensor)
      );
    }
    const weights = top.trainableWeights.map((w) => w.read().dataSync());
    tf.dispose([x, target]);
    optimizer.dispose();
    return weights;
  };
  const expected = trained(await asSaved());
  const got = trained(await loadMobileNetV2Base());
  assert.equal(got.length, expected.length);
  got.forEach((values, k) =>
    assertSameValues(values, expected[k], `weight ${k}`)
  );
  assert.ok(got.reduce((n, w) => n + w.length, 0) > 100_000);
});

Deno.test("ReLU6 in one pass: a saved model keeps its ReLU layers as Keras wrote them", async () => {
  await using tmp = await temporaryDir("relu6_");
  const base = await loadMobileNetV2Base();
  await saveModel(base, tmp.path);
  const saved = JSON.parse(
    await Deno.readTextFile(join(tmp.path, "model.json")),
  );
  const layers = saved.modelTopology.config.layers as {
    class_name: string;
    config: Record<string, unknown>;
  }[];
  const relus = layers.filter((l) => l.class_name === "ReLU");
  assert.equal(relus.length, 35);
  assert.ok(relus.every((l) => l.config.max_value === 6));
});
