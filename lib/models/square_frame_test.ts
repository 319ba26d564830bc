import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend.ts";
import { loadModel, saveModel } from "./model_files.ts";
import { SquareFrame } from "./square_frame.ts";
import { temporaryDir } from "../testing/temp_dir.ts";

await selectBackend("cpu");

/** A white 40 x 30 image with a black 8 x 10 block at rows 30..38, columns 2..12. */
function lowBlock(): tf.Tensor4D {
  const p = new Float32Array(40 * 30 * 3).fill(1);
  for (let y = 30; y < 38; y++) {
    for (let x = 2; x < 12; x++) {
      p.fill(0, (y * 30 + x) * 3, (y * 30 + x) * 3 + 3);
    }
  }
  return tf.tensor4d(p, [1, 40, 30, 3]);
}

async function darkBox(
  t: tf.Tensor,
): Promise<{ top: number; bottom: number; left: number; right: number }> {
  const v = (await t.array()) as number[][][][];
  let top = Infinity, bottom = -1, left = Infinity, right = -1;
  v[0].forEach((row, y) =>
    row.forEach((px, x) => {
      if (px[0] < 0) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    })
  );
  return { top, bottom, left, right };
}

Deno.test("SquareFrame without crop: the whole image, white-extended to a square, in [-1, 1]", async () => {
  const out = new SquareFrame({ size: 32 }).apply(lowBlock()) as tf.Tensor;
  assertEquals(out.shape, [1, 32, 32, 3]);
  assertEquals((await out.max().data())[0], 1);
  assertEquals((await out.min().data())[0], -1);
  const box = await darkBox(out);
  assert(box.top > 20, `the block stays low: ${JSON.stringify(box)}`);
});

Deno.test("SquareFrame with crop: the object fills the square, wherever it stood; a blank image is framed whole", async () => {
  const layer = new SquareFrame({ size: 32, crop: true, margin: 0.1 });
  const box = await darkBox(layer.apply(lowBlock()) as tf.Tensor);
  // 10 wide with a 10% margin: about 29 of 32 pixels, centred
  assert(box.right - box.left >= 26, JSON.stringify(box));
  assert(
    Math.abs((box.top + box.bottom) / 2 - 15.5) <= 1.5,
    JSON.stringify(box),
  );
  const blank = layer.apply(tf.ones([1, 40, 30, 3])) as tf.Tensor;
  assertEquals((await blank.min().data())[0], 1);
});

Deno.test("a model with SquareFrame saves and loads with its settings", async () => {
  const input = tf.input({ shape: [40, 30, 3] });
  const model = tf.model({
    inputs: input,
    outputs: new SquareFrame({ size: 16, crop: true, margin: 0.2 }).apply(
      input,
    ) as tf.SymbolicTensor,
  });
  await using dirDir = await temporaryDir("test_");
  const dir = dirDir.path;
  await saveModel(model, dir);
  const loaded = await loadModel(dir);
  const config = loaded.layers[1].getConfig();
  assertEquals([config.size, config.crop, config.margin], [16, true, 0.2]);
  const x = lowBlock();
  assertEquals(
    await (loaded.predict(x) as tf.Tensor).array(),
    await (model.predict(x) as tf.Tensor).array(),
  );
});
