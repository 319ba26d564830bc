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
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { MOBILENET_V2_INPUT_SHAPE, softmaxHead } from "./transfer.ts";
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
}

/** The three views of a pretrained classifier. */
export interface PretrainedClassifier {
  /** Image → pooled features (frozen). */
  features: tf.LayersModel;
  /** Pooled features → probabilities (trainable). */
  head: tf.LayersModel;
  /** Image → probabilities (saved, predicted with). */
  full: tf.LayersModel;
}

/** Builds a classifier of `inputShape` images on a frozen pretrained base. */
export function buildPretrainedClassifier(
  options: PretrainedClassifierOptions,
): PretrainedClassifier {
  const { base } = options;
  base.trainable = false;
  const image = tf.input({ shape: options.inputShape, name: "image" });
  const framed = new SquareFrame({
    size: MOBILENET_V2_INPUT_SHAPE[0],
    crop: options.frameObject ?? false,
    name: "square_frame",
  }).apply(image) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: "base_pool" }).apply(
    base.apply(framed),
  ) as tf.SymbolicTensor;
  const features = tf.model({
    name: "pretrained_features",
    inputs: image,
    outputs: pooled,
  });
  features.trainable = false;

  const featureInput = tf.input({
    shape: pooled.shape.slice(1) as number[],
    name: "features",
  });
  const out = softmaxHead(featureInput, {
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
