/**
 * A classifier of the workspace's converted images on a pretrained,
 * frozen MobileNetV2 base: image (`h x w x 3`, 0..1) → {@linkcode SquareFrame}
 * (a white-extended square around the image or its object, 224 x 224,
 * [-1, 1]) → MobileNetV2 → global average pooling → dropout → dense softmax.
 *
 * Three views share their weights: `features` (image → 1,280 pooled
 * features; frozen, inference only, so features can be computed once per
 * image and cached), `head` (features → probabilities; the part that
 * trains) and `full` (image → probabilities; what is saved and checked).
 *
 * With `fineTuneBlocks` > 0 the base is cut below its top blocks (at a
 * block boundary, as study 002's transfer model does): `features` ends at
 * the cut (a 7 x 7 map, still frozen and cacheable) and `head` holds the
 * top blocks and the base's last 1x1 convolution, which then train with
 * the new softmax layer.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  cutLayerName,
  MOBILENET_V2_INPUT_SHAPE,
  softmaxHead,
  upperPart,
} from "./transfer.ts";
import { SquareFrame } from "./square_frame.ts";

/** Options of {@linkcode buildPretrainedClassifier}. */
export interface PretrainedClassifierOptions {
  /** The pretrained base (`loadMobileNetV2Base`). */
  base: tf.LayersModel;
  /** Input image shape, e.g. `[120, 90, 3]`. */
  inputShape: [number, number, number];
  /** Output classes. */
  classes: number;
  /** Seed of the head's initialisers and dropout. */
  seed: number;
  /** Dropout before the classifier; default 0.5. */
  dropout?: number;
  /** Frame each image around its object (`SquareFrame`'s `crop`); default false. */
  frameObject?: boolean;
  /** Top MobileNetV2 blocks (0..16) that train with the head; default 0 (all frozen). */
  fineTuneBlocks?: number;
}

/** The three views of a pretrained classifier. */
export interface PretrainedClassifier {
  /** Image → pooled features, or the cut's feature map with `fineTuneBlocks` (frozen). */
  features: tf.LayersModel;
  /** Features → probabilities (trainable; with `fineTuneBlocks`, the top blocks too). */
  head: tf.LayersModel;
  /** Image → probabilities (saved, predicted with). */
  full: tf.LayersModel;
}

/** Builds a classifier of `inputShape` images on a frozen pretrained base. */
export function buildPretrainedClassifier(
  options: PretrainedClassifierOptions,
): PretrainedClassifier {
  const { base } = options;
  const fineTune = options.fineTuneBlocks ?? 0;
  if (!Number.isInteger(fineTune) || fineTune < 0 || fineTune > 16) {
    throw new Error(
      `fineTuneBlocks must be an integer in 0..16, got ${fineTune}`,
    );
  }
  base.trainable = false;
  const image = tf.input({ shape: options.inputShape, name: "image" });
  const framed = new SquareFrame({
    size: MOBILENET_V2_INPUT_SHAPE[0],
    crop: options.frameObject ?? false,
    name: "square_frame",
  }).apply(image) as tf.SymbolicTensor;
  const cutName = fineTune > 0 ? cutLayerName(base, 17 - fineTune) : null;
  const lower = cutName
    ? tf.model({
      name: "base_frozen",
      inputs: base.inputs,
      outputs: base.getLayer(cutName).output as tf.SymbolicTensor,
    })
    : base;
  const cut = cutName
    ? lower.apply(framed) as tf.SymbolicTensor
    : tf.layers.globalAveragePooling2d({ name: "base_pool" }).apply(
      base.apply(framed),
    ) as tf.SymbolicTensor;
  const features = tf.model({
    name: "pretrained_features",
    inputs: image,
    outputs: cut,
  });
  features.trainable = false;
  const top = cutName ? upperPart(base, cutName) : null;
  if (top) top.trainable = true; // layers shared with `base`; re-enable them

  const featureInput = tf.input({
    shape: cut.shape.slice(1) as number[],
    name: "features",
  });
  const pooled = top
    ? tf.layers.globalAveragePooling2d({ name: "head_pool" }).apply(
      top.apply(featureInput),
    ) as tf.SymbolicTensor
    : featureInput;
  const out = softmaxHead(pooled, {
    classes: options.classes,
    seed: options.seed,
    dropout: options.dropout ?? 0.5,
  });
  const head = tf.model({
    name: "pretrained_head",
    inputs: featureInput,
    outputs: out,
  });
  const full = tf.model({
    name: "pretrained_classifier",
    inputs: image,
    outputs: head.apply(features.apply(image)) as tf.SymbolicTensor,
  });
  return { features, head, full };
}
