/**
 * The fashion-shop studies' CNNs (studies 000 and 001): two convolution +
 * max-pooling stages, then one of three heads. ReLU everywhere except the
 * softmax output, Keras defaults otherwise ("valid" padding, 2x2 pooling).
 *
 * | architecture    | layers after the second pooling            |
 * | --------------- | ------------------------------------------ |
 * | `dense`         | Flatten -> Dense(classes)                  |
 * | `dense-dense`   | Flatten -> Dense(denseSize) -> Dense(classes) |
 * | `dense-dropout` | Flatten -> Dense(denseSize) -> Dropout -> Dense(classes) |
 *
 * Study 000 names its grid `kernel_size` (or `kernel_size_1`, `kernel_size_2`
 * for the two convolutions), `kernel_num`, `dense_size`, `lambda` (L2) and
 * `dropout_rate`; the options below map one to one.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { leanL2 } from "./lean_l2.ts";
import { seededInitializers } from "./seeding.ts";
import { SeededDropout } from "./seeded_dropout.ts";
import { layerSeed } from "./seeding.ts";

/** The three head variants of study 000. */
export const STUDY_CNN_ARCHITECTURES = [
  "dense",
  "dense-dense",
  "dense-dropout",
] as const;

/** One of {@linkcode STUDY_CNN_ARCHITECTURES}. */
export type StudyCnnArchitecture = typeof STUDY_CNN_ARCHITECTURES[number];

/** The fashion-shop arrays' image shape: 120 high, 90 wide, RGB. */
export const FASHION_SHOP_INPUT_SHAPE: [number, number, number] = [120, 90, 3];

/** Options of {@linkcode buildStudyCnn}. */
export interface StudyCnnOptions {
  /** Number of output classes. */
  classes: number;
  /** Seed of every initialiser and dropout mask. */
  seed: number;
  /** Head variant; default `dense`. */
  architecture?: StudyCnnArchitecture;
  /** Input shape `[height, width, channels]`; default 120x90x3. */
  inputShape?: [number, number, number];
  /** Kernel size of the first convolution (study: `kernel_size`/`kernel_size_1`); default 3. */
  kernelSize?: number;
  /** Kernel size of the second convolution (`kernel_size_2`); default `kernelSize`. */
  kernelSize2?: number;
  /** Filters of both convolutions (study: `kernel_num`); default 64. */
  filters?: number;
  /** Units of the hidden dense layer (`dense_size`); default 128; unused by `dense`. */
  denseSize?: number;
  /** L2 factor on every kernel (`lambda`); default 0 (none). */
  l2?: number;
  /**
   * How the L2 penalty is computed: `lean` ({@linkcode leanL2}, the
   * default) or `tfjs` (`tf.regularizers.l2`). Both train to the same bits;
   * `tfjs` is there for comparison (`deno task bench:l2`).
   */
  l2Penalty?: "lean" | "tfjs";
  /** Dropout rate of `dense-dropout` (`dropout_rate`); default 0.4. */
  dropout?: number;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Builds one of study 000's architectures (uncompiled).
 *
 * @example
 * ```ts
 * const model = buildStudyCnn({ classes: 3, seed: 1, kernelSize: 3, filters: 64 });
 * model.outputs[0].shape; // [null, 3]
 * ```
 */
export function buildStudyCnn(options: StudyCnnOptions): tf.Sequential {
  const architecture = options.architecture ?? "dense";
  if (!STUDY_CNN_ARCHITECTURES.includes(architecture)) {
    throw new Error(
      `Unknown architecture "${architecture}"; use one of ${
        STUDY_CNN_ARCHITECTURES.join(", ")
      }`,
    );
  }
  const classes = positiveInteger("classes", options.classes);
  const kernel1 = positiveInteger("kernelSize", options.kernelSize ?? 3);
  const kernel2 = positiveInteger(
    "kernelSize2",
    options.kernelSize2 ?? kernel1,
  );
  const filters = positiveInteger("filters", options.filters ?? 64);
  const denseSize = positiveInteger("denseSize", options.denseSize ?? 128);
  const l2 = options.l2 ?? 0;
  if (!(l2 >= 0)) throw new Error(`l2 must be >= 0, got ${l2}`);
  const init = seededInitializers(options.seed);
  const penalty = options.l2Penalty ?? "lean";
  if (penalty !== "lean" && penalty !== "tfjs") {
    throw new Error(`l2Penalty must be lean or tfjs, got ${penalty}`);
  }
  const regularizer = () =>
    l2 > 0
      ? (penalty === "lean" ? leanL2(l2) : tf.regularizers.l2({ l2 }))
      : undefined;

  const model = tf.sequential({ name: `study_cnn_${architecture}` });
  model.add(tf.layers.conv2d({
    name: "conv_1",
    inputShape: options.inputShape ?? FASHION_SHOP_INPUT_SHAPE,
    filters,
    kernelSize: kernel1,
    activation: "relu",
    kernelInitializer: init.glorot("conv_1"),
    kernelRegularizer: regularizer(),
  }));
  model.add(tf.layers.maxPooling2d({ name: "pool_1", poolSize: 2 }));
  model.add(tf.layers.conv2d({
    name: "conv_2",
    filters,
    kernelSize: kernel2,
    activation: "relu",
    kernelInitializer: init.glorot("conv_2"),
    kernelRegularizer: regularizer(),
  }));
  model.add(tf.layers.maxPooling2d({ name: "pool_2", poolSize: 2 }));
  model.add(tf.layers.flatten({ name: "flatten" }));
  if (architecture !== "dense") {
    model.add(tf.layers.dense({
      name: "dense_hidden",
      units: denseSize,
      activation: "relu",
      kernelInitializer: init.glorot("dense_hidden"),
      kernelRegularizer: regularizer(),
    }));
  }
  if (architecture === "dense-dropout") {
    model.add(
      new SeededDropout({
        name: "dropout",
        rate: options.dropout ?? 0.4,
        seed: layerSeed(options.seed, "dropout"),
      }),
    );
  }
  model.add(tf.layers.dense({
    name: "output",
    units: classes,
    activation: "softmax",
    kernelInitializer: init.glorot("output"),
    kernelRegularizer: regularizer(),
  }));
  return model;
}
