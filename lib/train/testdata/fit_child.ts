/**
 * A training run for the kill-and-resume test (`lib/train/resume_test.ts`):
 * trains study 004's CNN on a small real Fashion-MNIST sample with a
 * checkpoint, then writes the history and a digest of the final weights.
 *
 * Usage: `deno run -A lib/train/testdata/fit_child.ts <checkpoint> <result.json>`
 *
 * @module
 */
import { createHash } from "node:crypto";
import { selectBackend } from "../../backend.ts";
import { writeJsonAtomic } from "../../io/atomic.ts";
import { buildFashionMnistCnn } from "../../models/fashion_mnist_cnn.ts";
import { compileClassifier } from "../compile.ts";
import { fit } from "../fit.ts";
import { fashionMnistSample } from "../../testing/fashion_mnist_sample.ts";

const [checkpointPath, resultPath] = Deno.args;
if (!checkpointPath || !resultPath) {
  throw new Error("usage: fit_child.ts <checkpoint> <result.json>");
}
await selectBackend("cpu");
const train = await fashionMnistSample({ perClass: 10, seed: 21 });
const val = await fashionMnistSample({ perClass: 3, offset: 10, seed: 22 });
const model = buildFashionMnistCnn({
  seed: 21,
  filters: 4,
  denseSize: 16,
  dropout: 0.25,
});
compileClassifier(model, { learningRate: 3e-3 });
const result = await fit(model, train, {
  epochs: 3,
  batchSize: 10,
  seed: 21,
  validation: val,
  checkpointPath,
});
const hash = createHash("sha256");
for (const w of model.getWeights()) {
  hash.update(new Uint8Array((await w.data() as Float32Array).buffer));
}
await writeJsonAtomic(resultPath, {
  history: result.history.map(({ seconds: _s, ...rest }) => rest),
  resumedAtEpoch: result.resumedAtEpoch,
  weights: hash.digest("hex"),
});
