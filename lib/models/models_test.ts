import * as tf from "@tensorflow/tfjs";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { selectBackend } from "../backend.ts";
import { buildStudyCnn, STUDY_CNN_ARCHITECTURES } from "./study_cnn.ts";
import { buildFashionMnistCnn } from "./fashion_mnist_cnn.ts";
import { buildMultiOutputCnn, MULTI_OUTPUT_HEADS } from "./multi_output.ts";
import {
  buildTransferModel,
  extractFeatures,
  loadMobileNetV2Base,
} from "./transfer.ts";
import { loadModel, saveModel } from "./model_files.ts";
import { SeededDropout } from "./seeded_dropout.ts";

await selectBackend("cpu");

/** Keras' parameter count of a valid-padding conv: (k*k*in + 1) * filters. */
const conv = (k: number, cin: number, f: number) => (k * k * cin + 1) * f;
const dense = (inp: number, out: number) => (inp + 1) * out;
const after = (size: number, k: number) => Math.floor((size - k + 1) / 2);

async function weightsOf(model: tf.LayersModel): Promise<number[]> {
  const out: number[] = [];
  for (const w of model.getWeights()) out.push(...await w.data());
  return out;
}

Deno.test("study 000 architectures: shapes and Keras parameter counts", () => {
  // Study 000's primary model: kernel 3, 64 filters, 3 classes on 120x90x3.
  const primary = buildStudyCnn({
    classes: 3,
    seed: 1,
    kernelSize: 3,
    filters: 64,
  });
  assertEquals(primary.outputs[0].shape, [null, 3]);
  // 1,792 + 36,928 + (28*21*64 + 1) * 3 = 151,619, counted by hand from Keras' rules.
  assertEquals(primary.countParams(), 151_619);

  // Trousers&Jeans_All_Dropout: kernels 7 then 3, 96 filters, dense 512, 4 classes.
  for (const architecture of STUDY_CNN_ARCHITECTURES) {
    const model = buildStudyCnn({
      classes: 4,
      seed: 2,
      architecture,
      kernelSize: 7,
      kernelSize2: 3,
      filters: 96,
      denseSize: 512,
      l2: 1e-5,
      dropout: 0.4,
    });
    const h = after(after(120, 7), 3);
    const w = after(after(90, 7), 3);
    const flat = h * w * 96;
    const expected = conv(7, 3, 96) + conv(3, 96, 96) +
      (architecture === "dense"
        ? dense(flat, 4)
        : dense(flat, 512) + dense(512, 4));
    assertEquals(model.countParams(), expected, architecture);
    assertEquals(model.outputs[0].shape, [null, 4]);
    assertEquals(
      model.layers.some((l) => l instanceof SeededDropout),
      architecture === "dense-dropout",
    );
  }
});

Deno.test("study 004 Fashion-MNIST CNN and study 003 multi-output shapes", () => {
  const mnist = buildFashionMnistCnn({ seed: 3 });
  assertEquals(mnist.inputs[0].shape, [null, 28, 28, 1]);
  assertEquals(mnist.outputs[0].shape, [null, 10]);
  assertEquals(
    mnist.countParams(),
    conv(3, 1, 32) + dense(13 * 13 * 32, 128) + dense(128, 10),
  );

  const classes = { masterCategory: 4, subCategory: 9, gender: 3 };
  const multi = buildMultiOutputCnn({
    classes,
    seed: 4,
    batchNorm: "both",
    dropout: 0.3,
  });
  assertEquals(multi.outputNames, [...MULTI_OUTPUT_HEADS]);
  assertEquals(multi.outputs.map((o) => o.shape), [[null, 4], [null, 9], [
    null,
    3,
  ]]);
  const plain = buildMultiOutputCnn({
    classes,
    seed: 4,
    blocks: 2,
    filters: 8,
    denseSize: 16,
  });
  // 80x60 -> 40x30 -> 20x15 after two same-padded blocks.
  const expected = conv(3, 3, 8) + conv(3, 8, 16) + dense(20 * 15 * 16, 16) +
    dense(16, 4) + dense(16, 9) + dense(16, 3);
  assertEquals(plain.countParams(), expected);
});

Deno.test("same seed gives identical weights, another seed different ones", async () => {
  const a = await weightsOf(
    buildStudyCnn({
      classes: 3,
      seed: 11,
      inputShape: [28, 28, 1],
      filters: 8,
      architecture: "dense-dropout",
      denseSize: 16,
    }),
  );
  const b = await weightsOf(
    buildStudyCnn({
      classes: 3,
      seed: 11,
      inputShape: [28, 28, 1],
      filters: 8,
      architecture: "dense-dropout",
      denseSize: 16,
    }),
  );
  const c = await weightsOf(
    buildStudyCnn({
      classes: 3,
      seed: 12,
      inputShape: [28, 28, 1],
      filters: 8,
      architecture: "dense-dropout",
      denseSize: 16,
    }),
  );
  assertEquals(a, b);
  assert(a.some((v, i) => v !== c[i]));
});

Deno.test("save and load a model folder round-trips weights, dropout layer included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = buildFashionMnistCnn({ seed: 5, filters: 4, denseSize: 8 });
    await saveModel(model, dir);
    await saveModel(model, dir); // overwrite leaves one weights file
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(files.length, 2);
    assert(files.includes("model.json"));
    const loaded = await loadModel(dir);
    assertEquals(await weightsOf(loaded), await weightsOf(model));
    assert(loaded.layers.some((l) => l instanceof SeededDropout));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("study 002 transfer model on the mirror's MobileNetV2 base", async () => {
  const base = await loadMobileNetV2Base();
  assertEquals(base.outputs[0].shape, [null, 7, 7, 1280]);
  const frozenOnly = buildTransferModel({ base, classes: 3, seed: 6 });
  assertEquals(frozenOnly.frozen.outputs[0].shape, [null, 7, 7, 1280]);
  assertEquals(frozenOnly.trainable.countParams(), dense(1280, 3));
  assertEquals(frozenOnly.full.outputs[0].shape, [null, 3]);

  const tuned = buildTransferModel({
    base,
    classes: 3,
    seed: 6,
    fineTuneBlocks: 1,
  });
  assert(tuned.trainable.trainableWeights.length > 2, "top block is trainable");
  // The full model equals frozen -> trainable on a real-valued input.
  const images = tf.randomUniform(
    [2, 224, 224, 3],
    0,
    255,
    "float32",
    9,
  ) as tf.Tensor4D;
  const features = await extractFeatures(tuned.frozen, images);
  const viaParts = tuned.trainable.predict(features) as tf.Tensor;
  const whole = tuned.full.predict(tf.div(images, 127.5).sub(1)) as tf.Tensor;
  const diff = (await tf.abs(tf.sub(viaParts, whole)).max().data())[0];
  assert(diff < 1e-5, `parts and whole differ by ${diff}`);
});
