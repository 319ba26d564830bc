import * as tf from "@tensorflow/tfjs";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { selectBackend } from "../backend.ts";
import { randomFlipBatch } from "../data/images/augment.ts";
import { createRng } from "../random.ts";
import { arrayAugment } from "./array_augment.ts";
import { fashionMnistSample } from "../testing/fashion_mnist_sample.ts";

await selectBackend("cpu");

Deno.test("array augmentations plug into the training loop, seeded by its rng", async () => {
  const { x } = await fashionMnistSample({ perClass: 1, seed: 4 });
  const flip = arrayAugment((b, shape, rng) =>
    randomFlipBatch(b, shape, rng, 1)
  );
  const out = await flip(x, createRng(1));
  const expected = tf.reverse(x, 2);
  assertEquals(out.shape, x.shape);
  assertEquals(await out.data(), await expected.data());

  const half = arrayAugment((b, shape, rng) => randomFlipBatch(b, shape, rng));
  const a = await (await half(x, createRng(7))).data();
  const b = await (await half(x, createRng(7))).data();
  assertEquals(a, b);
  assert(
    (await tf.reshape(x, [-1]).data()).some((v, i) => v !== a[i]),
    "some image was flipped",
  );
});
