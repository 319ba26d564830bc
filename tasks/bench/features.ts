/**
 * `deno task bench:features`: frozen MobileNetV2 feature extraction (what
 * notebooks 11 and 12 spend their prediction time on) on the `tensorflow`
 * backend, as the workspace runs it (its kernels, `lib/kernels/tensorflow/`,
 * and the base's ReLU6 layers in one pass, `lib/models/relu6_layers.ts`)
 * against the stock way (tfjs-node's kernels, tfjs-layers' ReLU6: a `Relu`
 * and a clip), in one process: the two are swapped between rounds,
 * so both sides see the same machine state.
 *
 *   deno task bench:features [--batch 32] [--batches 3] [--rounds 4]
 *
 * Each round times `batches` predictions of one batch of seeded random
 * 224x224 images per side, after a warm-up of each. Prints one JSON line
 * per side (median ms per batch over the rounds, images per second, every
 * round), then a last line with the ratio (`workspaceOverStock`, above 1
 * when the workspace's way is faster) and whether both gave the same
 * features bit for bit. Needs the MobileNetV2 base installed
 * (`deno task data`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../lib/backend.ts";
import {
  loadMobileNetV2Base,
  MOBILENET_V2_INPUT_SHAPE,
  mobileNetBaseDir,
} from "../../lib/models/transfer.ts";
import { modelFolder } from "../../lib/models/model_files.ts";
import { useTensorflowKernels } from "../../lib/kernels/tensorflow/mod.ts";
import { createRng } from "../../lib/random.ts";
import { TaskArgs } from "../args.ts";

const cli = new TaskArgs(
  "bench:features",
  "usage: deno task bench:features [--batch 32] [--batches 3] [--rounds 4]",
);
const { values } = cli.parse({
  options: {
    batch: { type: "string", default: "32" },
    batches: { type: "string", default: "3" },
    rounds: { type: "string", default: "4" },
  },
});
const batch = cli.positiveInt("batch", values.batch);
const batches = cli.positiveInt("batches", values.batches);
const rounds = cli.positiveInt("rounds", values.rounds);

await selectBackend("tensorflow");
const bases = {
  workspace: await loadMobileNetV2Base(mobileNetBaseDir()),
  // The layers exactly as saved, as tfjs-layers runs them.
  stock: await tf.loadLayersModel(modelFolder(mobileNetBaseDir())),
};
const rng = createRng(42);
const shape = [batch, ...MOBILENET_V2_INPUT_SHAPE];
const images = tf.tensor4d(
  Float32Array.from(
    { length: shape.reduce((a, b) => a * b, 1) },
    () => rng.next() * 2 - 1,
  ),
  shape as [number, number, number, number],
);

/** The features of the batch by `base`, read back. */
function features(base: tf.LayersModel): Float32Array {
  const out = base.predict(images) as tf.Tensor;
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return values;
}

/** Milliseconds per batch over `batches` predictions by `base`. */
async function timeBatches(base: tf.LayersModel): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < batches; i++) {
    const out = base.predict(images) as tf.Tensor;
    await out.data();
    out.dispose();
  }
  return (performance.now() - start) / batches;
}

const sides = ["workspace", "stock"] as const;
/** The kernels each side runs with. */
const kernelsOf = { workspace: "workspace", stock: "tfjs-node" } as const;
const times: Record<(typeof sides)[number], number[]> = {
  workspace: [],
  stock: [],
};
const outputs: Partial<Record<(typeof sides)[number], Float32Array>> = {};
let swapped: string[] = [];
for (const side of sides) {
  swapped = useTensorflowKernels(kernelsOf[side]);
  outputs[side] = features(bases[side]); // warm-up
}
for (let round = 0; round < rounds; round++) {
  for (const side of sides) {
    useTensorflowKernels(kernelsOf[side]);
    times[side].push(await timeBatches(bases[side]));
  }
}
useTensorflowKernels("workspace");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const side of sides) {
  const ms = median(times[side]);
  console.log(JSON.stringify({
    side: side === "workspace"
      ? "workspace (its kernels, ReLU6 in one pass)"
      : "stock (tfjs-node's kernels, ReLU6 as Relu + clip)",
    model: "MobileNetV2 0.35, 224x224, no top",
    batch,
    medianMsPerBatch: Number(ms.toFixed(1)),
    imagesPerSecond: Number((batch / ms * 1000).toFixed(1)),
    roundsMs: times[side].map((t) => Number(t.toFixed(1))),
  }));
}
const a = outputs.workspace!;
const b = outputs.stock!;
console.log(JSON.stringify({
  workspaceOverStock: Number(
    (median(times.stock) / median(times.workspace)).toFixed(3),
  ),
  sameFeatures: a.length === b.length && a.every((v, i) => v === b[i]),
  kernelsSwapped: swapped,
}));
