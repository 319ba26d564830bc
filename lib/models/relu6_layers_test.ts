/**
 * MobileNetV2's ReLU6 layers as `relu6` activations: the rewrite changes
 * exactly the ReLU6 layers and keeps their names; the base gives the
 * features of the layers as saved, bit for bit; and fine-tuning its top
 * block through them moves the weights by the same values. On `tensorflow`
 * where the addon is built (else `cpu`, saying so).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import { loadTfjsNode } from "../native/tfjs_node.ts";
import { loadModel } from "./model_files.ts";
import { reluSixAsActivation } from "./relu6_layers.ts";
import {
  cutLayerName,
  loadMobileNetV2Base,
  mobileNetBaseDir,
  upperPart,
} from "./transfer.ts";

const native = await loadTfjsNode();
const backendName = native.ok ? "tensorflow" : "cpu";
if (!native.ok) {
  console.log(`ReLU6 tests on cpu: ${native.reason}`);
}

interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
}

Deno.test("ReLU6 rewrite: every ReLU with max_value 6 becomes a relu6 Activation of the same name, nothing else changes", async () => {
  const saved = JSON.parse(
    await Deno.readTextFile(join(mobileNetBaseDir(), "model.json")),
  );
  const before = saved.modelTopology.config.layers as LayerJson[];
  const { topology, changed } = reluSixAsActivation(saved.modelTopology);
  const after = (topology as { config: { layers: LayerJson[] } }).config
    .layers;
  assert.equal(changed, 35);
  assert.equal(after.length, before.length);
  for (const [i, layer] of after.entries()) {
    const was = before[i];
    assert.equal(layer.config.name, was.config.name);
    if (was.class_name === "ReLU") {
      assert.deepEqual(layer.class_name, "Activation");
      assert.equal(layer.config.activation, "relu6");
    } else assert.deepEqual(layer, was);
  }
  // Not ReLU6: a leaky or thresholded ReLU, or another cap, stays as it is.
  const others = {
    class_name: "Functional",
    config: {
      layers: [
        { max_value: 6, negative_slope: 0.1 },
        { max_value: 6, threshold: 1 },
        { max_value: 4 },
      ].map((config, i) => ({
        class_name: "ReLU",
        config: { name: `r${i}`, ...config },
      })),
    },
  } as unknown as tf.io.ModelJSON["modelTopology"];
  assert.equal(reluSixAsActivation(others).changed, 0);
});

Deno.test(`ReLU6 rewrite: the base's features equal the saved layers' bit for bit (${backendName})`, async () => {
  await selectBackend(backendName);
  const saved = await loadModel(mobileNetBaseDir());
  const base = await loadMobileNetV2Base();
  assert.equal(
    base.layers.filter((l) => l.getClassName() === "ReLU").length,
    0,
  );
  const images = tf.randomUniform([4, 224, 224, 3], -1, 1, "float32", 11);
  const expected = tf.tidy(() =>
    (saved.predict(images) as tf.Tensor).dataSync()
  );
  const got = tf.tidy(() => (base.predict(images) as tf.Tensor).dataSync());
  assert.equal(got.length, expected.length);
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== expected[i]) {
      throw new Error(`feature ${i}: ${got[i]} vs ${expected[i]}`);
    }
  }
  tf.dispose([images]);
  saved.dispose();
  base.dispose();
});

Deno.test(`ReLU6 rewrite: fine-tuning the top block moves the weights by the same values (${backendName})`, async () => {
  await selectBackend(backendName);
  /** The base's top block and Conv_1 stage after three Adam steps on seeded data. */
  const trained = (base: tf.LayersModel) => {
    const top = upperPart(base, cutLayerName(base, 16));
    const input = top.inputs[0].shape.slice(1) as number[];
    const x = tf.randomNormal([4, ...input], 0, 1, "float32", 5);
    const y = tf.randomNormal(
      top.outputs[0].shape.slice(1) as number[],
      0,
      1,
      "float32",
      6,
    );
    const target = tf.stack([y, y, y, y]);
    const optimizer = tf.train.adam(1e-3);
    for (let step = 0; step < 3; step++) {
      optimizer.minimize(() =>
        tf.losses.meanSquaredError(target, top.predict(x) as tf.Tensor)
      );
    }
    const weights = top.trainableWeights.map((w) => w.read().dataSync());
    tf.dispose([x, y, target]);
    optimizer.dispose();
    return weights;
  };
  const expected = trained(await loadModel(mobileNetBaseDir()));
  const got = trained(await loadMobileNetV2Base());
  assert.equal(got.length, expected.length);
  let weightsSeen = 0;
  for (const [k, values] of got.entries()) {
    for (let i = 0; i < values.length; i++) {
      // === counts +0 and -0 as equal: they add and multiply to the same numbers.
      if (values[i] !== expected[k][i]) {
        throw new Error(`weight ${k}[${i}]: ${values[i]} vs ${expected[k][i]}`);
      }
    }
    weightsSeen += values.length;
  }
  assert.ok(weightsSeen > 100_000, `only ${weightsSeen} weights compared`);
});
