/**
 * The workspace's `FashionAdamStep` op on the `tensorflow` backend gives
 * `tf.train.adam`'s numbers bit for bit: one step against TensorFlow.js'
 * formula on awkward values, and a model trained for several steps with
 * `FusedAdamOptimizer` against the same model trained with `tf.train.adam`
 * (weights and optimizer state), the op actually running. Where `deno task
 * setup` has built the tfjs-node addon, the ops must be built and load too.
 */
import * as tf from "@tensorflow/tfjs";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { selectBackend } from "../../backend.ts";
import { loadTfjsNode } from "../../native/tfjs_node.ts";
import { loadFashionOps } from "../../native/fashion_ops.ts";
import { createOptimizer } from "../../train/compile.ts";
import { FusedAdamOptimizer } from "../webgpu/adam.ts";
import { buildTinyCnn, tinyBatches } from "../../testing/tiny_cnn.ts";
import {
  ADAM_STEP_KERNEL,
  adamStep,
  adamStepFormula,
  registerTensorflowTrainingKernels,
} from "./mod.ts";

const native = await loadTfjsNode();
if (!native.ok) console.log(`Adam step tests skipped: ${native.reason}`);

const bits = (t: tf.Tensor) =>
  Array.from(new Uint32Array(t.dataSync().buffer.slice(0)));

Deno.test({
  name: "FashionAdamStep is built, loads and is registered for tensorflow",
  ignore: !native.ok,
  fn: async () => {
    const ops = await loadFashionOps();
    assert(ops.loaded, ops.loaded ? "" : ops.reason);
    await selectBackend("tensorflow");
    assertEquals(registerTensorflowTrainingKernels().adamStep, true);
    assert(tf.getKernel(ADAM_STEP_KERNEL, "tensorflow"));
  },
});

Deno.test({
  name:
    "one step equals TensorFlow.js' formula bit for bit (tiny, huge, negative, zero values)",
  ignore: !native.ok,
  fn: async () => {
    await selectBackend("tensorflow");
    registerTensorflowTrainingKernels();
    const n = 4099; // not a multiple of any vector width
    const wave = (scale: number, phase: number) =>
      tf.tensor1d(
        Float32Array.from({ length: n }, (_, i) =>
          scale * Math.sin(i * 0.37 + phase) * (i % 7 === 0 ? 1e-6 : 1)),
      );
    const value = wave(3, 0);
    const m = wave(0.2, 1);
    const v = tf.abs(wave(0.05, 2));
    const gradient = wave(5, 3);
    for (const step of [1, 2, 30]) {
      const attrs = {
        beta1: 0.9,
        beta2: 0.999,
        learningRate: 1e-4,
        epsilon: 1e-7,
        oneMinusAccBeta1: Math.fround(1 - Math.fround(0.9) ** step),
        oneMinusAccBeta2: Math.fround(1 - Math.fround(0.999) ** step),
      };
      const fused = adamStep(value, m, v, gradient, attrs);
      const formula = adamStepFormula(value, m, v, gradient, attrs);
      assertEquals(fused.map(bits), formula.map(bits), `step ${step}`);
      tf.dispose([...fused, ...formula]);
    }
    tf.dispose([value, m, v, gradient]);
  },
});

Deno.test({
  name:
    "a model trained with FusedAdamOptimizer on tensorflow equals tf.train.adam's, weights and state, through the op",
  ignore: !native.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await selectBackend("tensorflow");
    registerTensorflowTrainingKernels();
    const optimizer = createOptimizer("adam", 3e-3);
    assert(
      optimizer instanceof FusedAdamOptimizer,
      "createOptimizer's Adam is fused here",
    );
    const train = async (opt: tf.Optimizer) => {
      const model = buildTinyCnn(11);
      model.compile({ optimizer: opt, loss: "categoricalCrossentropy" });
      const batches = tinyBatches(5, 6, 8);
      for (const { x, y } of batches) await model.trainOnBatch(x, y);
      const weights = model.getWeights().map(bits);
      // Layer names differ by a counter between the two models.
      const state = (await opt.getWeights()).map((
        w,
      ) => [w.name.replace(/\d+\//, "/"), bits(w.tensor)]);
      tf.dispose(batches.flatMap((b) => [b.x, b.y]));
      model.dispose();
      return { weights, state };
    };
    let kernels: string[] = [];
    const profile = await tf.profile(async () => {
      const fused = await train(optimizer);
      const generic = await train(tf.train.adam(3e-3));
      assertEquals(fused.weights, generic.weights);
      assertEquals(fused.state, generic.state);
    });
    kernels = profile.kernelNames;
    assert(kernels.includes(ADAM_STEP_KERNEL), kernels.join(", "));
    Deno.env.set("FASHION_TENSORFLOW_ADAM", "generic");
    try {
      assert(!(createOptimizer("adam", 1e-3) instanceof FusedAdamOptimizer));
    } finally {
      Deno.env.delete("FASHION_TENSORFLOW_ADAM");
    }
  },
});
