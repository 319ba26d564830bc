import * as tf from "@tensorflow/tfjs";
import sharp from "sharp";
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import {
  buildTransferModel,
  extractFeatures,
  loadMobileNetV2Base,
  mirrorRoot,
} from "../models/transfer.ts";
import { compileClassifier } from "./compile.ts";
import { fit } from "./fit.ts";

await selectBackend("cpu");

/** The first `n` product photos of a subCategory, decoded to 224x224 RGB. */
async function productPhotos(
  subCategory: string,
  n: number,
): Promise<Uint8Array[]> {
  const dir = join(mirrorRoot(), "fashion-product-images");
  const rows = (await Deno.readTextFile(join(dir, "styles.csv"))).split("\n")
    .slice(1);
  const out: Uint8Array[] = [];
  for (const row of rows) {
    const [id, , , sub] = row.split(",");
    if (sub !== subCategory) continue;
    try {
      const { data } = await sharp(join(dir, "images", `${id}.jpg`))
        .resize(224, 224, { fit: "contain", background: "#ffffff" })
        .removeAlpha().raw().toBuffer({ resolveWithObject: true });
      out.push(new Uint8Array(data));
    } catch {
      continue; // listed in styles.csv but not in this copy of the images
    }
    if (out.length === n) break;
  }
  assert(
    out.length === n,
    `only ${out.length} ${subCategory} photos found in ${dir}`,
  );
  return out;
}

Deno.test("transfer head trains on frozen MobileNetV2 features of real photos; the base never moves", async () => {
  const shoes = await productPhotos("Shoes", 4);
  const glasses = await productPhotos("Eyewear", 4);
  const all = [...shoes, ...glasses];
  const images = tf.tensor4d(
    Uint8Array.from(all.flatMap((a) => [...a])),
    [all.length, 224, 224, 3],
    "int32",
  );
  const y = tf.oneHot(tf.tensor1d([0, 0, 0, 0, 1, 1, 1, 1], "int32"), 2)
    .toFloat();

  const base = await loadMobileNetV2Base();
  const { frozen, trainable, full } = buildTransferModel({
    base,
    classes: 2,
    seed: 3,
    dropout: 0.2,
  });
  const features = await extractFeatures(frozen, images, 8);
  assertEquals(features.shape, [8, 7, 7, 1280]);
  compileClassifier(trainable, { optimizer: "rmsprop", learningRate: 2e-3 });
  const result = await fit(trainable, { x: features, y }, {
    epochs: 4,
    batchSize: 4,
    seed: 3,
  });
  assert(
    result.history[3].loss < result.history[0].loss,
    `loss did not fall: ${result.history.map((h) => h.loss.toFixed(3))}`,
  );
  // Frozen features are unchanged by training (BatchNorm statistics included).
  const again = await extractFeatures(frozen, images, 8);
  assertEquals((await tf.abs(tf.sub(again, features)).max().data())[0], 0);
  // The image-to-probabilities model agrees with head(features).
  const viaFull = full.predict(
    tf.sub(tf.div(tf.cast(images, "float32"), 127.5), 1),
  ) as tf.Tensor;
  const viaHead = trainable.predict(features) as tf.Tensor;
  assert((await tf.abs(tf.sub(viaFull, viaHead)).max().data())[0] < 1e-5);
});
