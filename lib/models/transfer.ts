/**
 * Study 002's transfer model: an ImageNet-pretrained convolutional base
 * (here MobileNetV2, width 0.35, 224x224, from the local mirror; the study
 * used VGG16 and ResNet50) plus a new head, GlobalAveragePooling -> Dropout
 * -> Dense(classes, softmax).
 *
 * The base is split in two at a MobileNetV2 block boundary:
 *
 * - `frozen`: the lower blocks. Always run in inference mode (their
 *   BatchNorm statistics never move), so their output can be computed once
 *   per image and cached, which is also what makes training fast on a CPU.
 * - `trainable`: the head, preceded by the top `fineTuneBlocks` blocks of
 *   the base (and its final `Conv_1` stage) when fine-tuning (0 = feature
 *   extraction only). Their BatchNorm layers train with the rest.
 *
 * Train `trainable` on `frozen`'s outputs; predict with `full`
 * (image in, probabilities out), which shares all weights with both.
 * Models built on the same loaded base share its layers (and weights):
 * load the base again for an independent second model.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { fileURLToPath } from "node:url";
import { layerSeed, seededInitializers } from "./seeding.ts";
import { SeededDropout } from "./seeded_dropout.ts";
import { loadModel } from "./model_files.ts";
import { join } from "node:path";
import { datasetDir } from "../data/acquire/fingerprint.ts";
import { existsOrFalseSync } from "../io/exists.ts";

/** Where the MobileNetV2 base lies in the dataset mirror (relative to the mirror root). */
export const MOBILENET_V2_FOLDER = "pretrained/mobilenet-v2-0.35-224-notop";

/** Input shape of the MobileNetV2 base. */
export const MOBILENET_V2_INPUT_SHAPE: [number, number, number] = [224, 224, 3];

/** The mirror root: `FASHION_MIRROR`, or `../shared/datasets` beside the repository. */
export function mirrorRoot(): string {
  return Deno.env.get("FASHION_MIRROR") ??
    fileURLToPath(new URL("../../../shared/datasets", import.meta.url));
}

/** Where the installed MobileNetV2 base lies, or the mirror's copy when it is not installed. */
export function mobileNetBaseDir(): string {
  const installed = datasetDir(MOBILENET_V2_FOLDER.split("/").at(-1)!);
  return existsOrFalseSync(join(installed, "model.json"))
    ? installed
    : join(mirrorRoot(), MOBILENET_V2_FOLDER);
}

/**
 * Loads the pretrained MobileNetV2 base (input 224x224x3 in [-1, 1], output
 * 7x7x1280) from the mirror, or from `dir`, its ReLU6 layers computing
 * in one pass (same values; `loadModel`, `lib/models/relu6_layers.ts`).
 */
export async function loadMobileNetV2Base(
  dir = mobileNetBaseDir(),
): Promise<tf.LayersModel> {
  try {
    return await loadModel(dir);
  } catch (error) {
    throw new Error(
      `Cannot load the MobileNetV2 base from ${dir}: ${
        (error as Error).message
      }. Set FASHION_MIRROR to the dataset mirror (which has ${MOBILENET_V2_FOLDER}/model.json).`,
    );
  }
}

/** Scales 0..255 pixels to MobileNetV2's [-1, 1] input range. */
export function mobileNetPreprocess(pixels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.div(tf.cast(pixels, "float32"), 127.5), 1));
}

/**
 * The layer after which block `index` of MobileNetV2 starts (blocks 1..16;
 * 17 means the whole base is frozen: the cut is its output). Cuts are made at
 * these single-tensor boundaries so residual connections are never split.
 */
export function cutLayerName(
  base: tf.LayersModel,
  firstTrainableBlock: number,
): string {
  if (firstTrainableBlock >= 17) {
    return base.layers[base.layers.length - 1].name;
  }
  const blockStart = `block_${firstTrainableBlock}_expand`;
  const layer = base.layers.find((l) => l.name === blockStart);
  if (!layer) {
    throw new Error(
      `MobileNetV2 base has no layer ${blockStart}; is it the expected model?`,
    );
  }
  return layer.inboundNodes[0].inboundLayers[0].name;
}

/**
 * Re-applies the layers of `base` that come after `cutName` to a new input,
 * giving a model from the cut tensor to the base output (weights shared).
 */
export function upperPart(
  base: tf.LayersModel,
  cutName: string,
): tf.LayersModel {
  const cutLayer = base.getLayer(cutName);
  const cutShape = (cutLayer.output as tf.SymbolicTensor).shape.slice(1);
  const input = tf.input({ shape: cutShape as number[], name: "features" });
  const produced = new Map<string, tf.SymbolicTensor>([[cutName, input]]);
  const index = base.layers.findIndex((l) => l.name === cutName);
  for (const layer of base.layers.slice(index + 1)) {
    const inbound = layer.inboundNodes[0].inboundLayers.map((l) => {
      const t = produced.get(l.name);
      if (!t) {
        throw new Error(
          `Cannot cut MobileNetV2 at ${cutName}: layer ${layer.name} reads ${l.name} from below the cut`,
        );
      }
      return t;
    });
    produced.set(
      layer.name,
      layer.apply(
        inbound.length === 1 ? inbound[0] : inbound,
      ) as tf.SymbolicTensor,
    );
  }
  const lastName = base.layers[base.layers.length - 1].name;
  return tf.model({
    name: "base_top",
    inputs: input,
    outputs: produced.get(lastName)!,
  });
}

/** Options of {@linkcode buildTransferModel}. */
export interface TransferOptions {
  /** The pretrained base ({@linkcode loadMobileNetV2Base}). */
  base: tf.LayersModel;
  /** Output classes. */
  classes: number;
  /** Seed of the head's initialisers and dropout. */
  seed: number;
  /** Dropout before the classifier (the study's tuned VGG16 used 0.5); default 0.5. */
  dropout?: number;
  /** Top MobileNetV2 blocks to fine-tune (0..16); default 0 (feature extraction). */
  fineTuneBlocks?: number;
}

/** The three views of a transfer model (all share weights). */
export interface TransferModel {
  /** Image -> cut features; inference only, never trained. */
  frozen: tf.LayersModel;
  /** Cut features -> probabilities; the part to train. */
  trainable: tf.LayersModel;
  /** Image -> probabilities, for prediction and saving. */
  full: tf.LayersModel;
}

/**
 * Builds the transfer model on a loaded base.
 *
 * @example
 * ```ts
 * const base = await loadMobileNetV2Base();
 * const { frozen, trainable, full } = buildTransferModel({ base, classes: 3, seed: 1 });
 * const features = frozen.predict(mobileNetPreprocess(images)) as tf.Tensor;
 * // fit `trainable` on (features, labels); predict with `full`
 * ```
 */
export function buildTransferModel(options: TransferOptions): TransferModel {
  const { base } = options;
  const fineTune = options.fineTuneBlocks ?? 0;
  if (!Number.isInteger(fineTune) || fineTune < 0 || fineTune > 16) {
    throw new Error(
      `fineTuneBlocks must be an integer in 0..16, got ${fineTune}`,
    );
  }
  const cutName = cutLayerName(base, 17 - fineTune);
  const frozen = tf.model({
    name: "base_frozen",
    inputs: base.inputs,
    outputs: base.getLayer(cutName).output as tf.SymbolicTensor,
  });
  frozen.trainable = false;
  const top = fineTune > 0 ? upperPart(base, cutName) : null;
  if (top) top.trainable = true; // layers are shared with `base`; re-enable them

  const featureInput = tf.input({
    shape: (frozen.outputs[0].shape.slice(1)) as number[],
    name: "features",
  });
  let x = top
    ? top.apply(featureInput) as tf.SymbolicTensor
    : featureInput as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: "head_pool" }).apply(
    x,
  ) as tf.SymbolicTensor;
  const out = softmaxHead(x, {
    classes: options.classes,
    seed: options.seed,
    dropout: options.dropout ?? 0.5,
  });
  const trainable = tf.model({
    name: "transfer_trainable",
    inputs: featureInput,
    outputs: out,
  });
  const image = tf.input({ shape: MOBILENET_V2_INPUT_SHAPE, name: "image" });
  const full = tf.model({
    name: "transfer_full",
    inputs: image,
    outputs: trainable.apply(frozen.apply(image)) as tf.SymbolicTensor,
  });
  return { frozen, trainable, full };
}

/**
 * A new classifier head on `x`: seeded dropout (layer `head_dropout`, when
 * `dropout` > 0) then a dense softmax (`head_output`, Glorot-uniform from the
 * seed). The transfer models of study 002 and the pretrained classifiers
 * share it.
 */
export function softmaxHead(
  x: tf.SymbolicTensor,
  options: { classes: number; seed: number; dropout: number },
): tf.SymbolicTensor {
  if (options.dropout > 0) {
    x = new SeededDropout({
      name: "head_dropout",
      rate: options.dropout,
      seed: layerSeed(options.seed, "head_dropout"),
    }).apply(x) as tf.SymbolicTensor;
  }
  return tf.layers.dense({
    name: "head_output",
    units: options.classes,
    activation: "softmax",
    kernelInitializer: seededInitializers(options.seed).glorot("head_output"),
  }).apply(x) as tf.SymbolicTensor;
}

/** Computes `frozen`'s features for `images` (0..255) in batches, in inference mode. */
export async function extractFeatures(
  frozen: tf.LayersModel,
  images: tf.Tensor4D,
  batchSize = 16,
): Promise<tf.Tensor> {
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < images.shape[0]; start += batchSize) {
    const size = Math.min(batchSize, images.shape[0] - start);
    const part = tf.tidy(() =>
      frozen.predict(
        mobileNetPreprocess(images.slice(start, size)),
      ) as tf.Tensor
    );
    await part.data(); // let the backend finish before queuing more work
    parts.push(part);
  }
  const all = tf.concat(parts);
  tf.dispose(parts);
  return all;
}
