/**
 * A model's ReLU convolutions through the `tensorflow` backend's fused
 * convolution kernels.
 *
 * tfjs-layers' `Conv2D` layer calls TensorFlow.js' `fused.conv2d`, which
 * fuses the bias and activation only when no gradient is being taken; while
 * training it runs them as separate ops, and the `MaxPooling2D` layer after
 * it is one more. {@linkcode fuseReluConvolutions} changes each qualifying
 * convolution layer of a model (2-D, channels last, a bias, ReLU, no
 * dilation, `valid` or `same` padding, float32 input), with the same
 * numbers in fewer passes over the activations (see
 * `lib/kernels/tensorflow/conv_bias_relu.ts`):
 *
 * - while gradients are taken, it calls `FashionConv2DBiasRelu`;
 * - inside {@linkcode withFusedConvolutions} for the model it was fused
 *   for (the workspace's training step, prediction and evaluation), a
 *   convolution whose output goes only to a 2x2, stride-2, `valid` max
 *   pooling layer computes the pooling too (`FashionConv2DBiasReluMaxPool`,
 *   while training and at prediction), and the pooling layer passes the
 *   pooled tensor on.
 *
 * The second is scoped because it changes what the convolution layer
 * returns (the pooled tensor): a model built on the layer's own output
 * (`tf.model({ outputs: conv.output })`) still gets the ReLU's output, since
 * it is not the model the layers were fused for. Elsewhere the layers
 * compute as before. Only the layer objects change: the model's
 * configuration, its saved form and its weights are those of ordinary
 * `Conv2D` and `MaxPooling2D` layers.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  CONV_BIAS_RELU_KERNEL,
  CONV_BIAS_RELU_POOL_KERNEL,
  convBiasRelu,
  convBiasReluMaxPool,
} from "../kernels/tensorflow/conv_bias_relu.ts";

/** The parts of a tfjs-layers `Conv2D` layer this module reads. */
interface ConvLayer {
  rank: number;
  dataFormat: string;
  padding: string;
  strides: number[];
  dilationRate: number | number[];
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { getClassName(): string } | null;
  outboundNodes: { outboundLayer: tf.layers.Layer }[];
}

/** The model a layer was fused for (a layer is changed once). */
const fusedFor = new WeakMap<tf.layers.Layer, tf.LayersModel>();

/** The models inside {@linkcode withFusedConvolutions}, innermost last. */
const activeModels: tf.LayersModel[] = [];

/**
 * Runs `fn` with `model`'s fused convolutions computing their pooling layers
 * too (see the module notes); returns what `fn` returns. The workspace's
 * training step, prediction and evaluation run inside it.
 */
export function withFusedConvolutions<T>(
  model: tf.LayersModel,
  fn: () => T,
): T {
  activeModels.push(model);
  try {
    return fn();
  } finally {
    activeModels.pop();
  }
}

function qualifies(layer: tf.layers.Layer): boolean {
  if (layer.getClassName() !== "Conv2D") return false;
  const conv = layer as unknown as ConvLayer;
  const dilations = typeof conv.dilationRate === "number"
    ? [conv.dilationRate]
    : conv.dilationRate;
  return conv.rank === 2 && conv.dataFormat === "channelsLast" &&
    conv.bias !== null && conv.activation?.getClassName() === "relu" &&
    dilations.every((d) => d === 1) &&
    (conv.padding === "valid" || conv.padding === "same");
}

/** The 2x2, stride-2, `valid` max pooling layer that alone reads `conv`'s output, if any. */
function poolingAfter(conv: ConvLayer): tf.layers.Layer | null {
  if (conv.outboundNodes.length !== 1) return null;
  const next = conv.outboundNodes[0].outboundLayer;
  if (next.getClassName() !== "MaxPooling2D") return null;
  const config = next.getConfig();
  const twos = (v: unknown) =>
    Array.isArray(v) && v.length === 2 && v[0] === 2 && v[1] === 2;
  return twos(config.poolSize) && twos(config.strides) &&
      config.padding === "valid" && config.dataFormat === "channelsLast"
    ? next
    : null;
}

/** Whether gradients are being taken (TensorFlow.js' engine state). */
function underGradient(): boolean {
  const state = tf.engine().state as unknown as { gradientDepth: number };
  return state.gradientDepth > 0;
}

/** Whether `kernel` is registered for the active backend, `tensorflow`. */
function kernelReady(kernel: string): boolean {
  return tf.getBackend() === "tensorflow" &&
    tf.getKernel(kernel, "tensorflow") !== undefined;
}

/** Pooled tensors a fused convolution layer handed to its pooling layer. */
const pooledByConvolution = new WeakSet<tf.Tensor>();

/**
 * Makes every qualifying ReLU convolution of `model` (and the pooling layer
 * after it, where there is one) compute through the fused kernels while the
 * `tensorflow` backend is active and they are registered, as the module
 * notes say; returns how many convolution layers qualify. Safe to call
 * twice (a layer is changed once, for the first model).
 */
export function fuseReluConvolutions(model: tf.LayersModel): number {
  let changed = 0;
  for (const layer of model.layers) {
    if (!qualifies(layer)) continue;
    changed++;
    if (fusedFor.has(layer)) continue;
    fusedFor.set(layer, model);
    const conv = layer as unknown as ConvLayer;
    const pooling = poolingAfter(conv);
    const convCall = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const training = underGradient();
      const pooled = pooling !== null &&
        activeModels.at(-1) === fusedFor.get(layer) &&
        kernelReady(CONV_BIAS_RELU_POOL_KERNEL);
      if (
        x.dtype !== "float32" ||
        !(pooled || (training && kernelReady(CONV_BIAS_RELU_KERNEL)))
      ) {
        return convCall(inputs, kwargs);
      }
      const filter = conv.kernel.read() as tf.Tensor4D;
      const bias = conv.bias!.read() as tf.Tensor1D;
      const options = {
        strides: conv.strides as [number, number],
        pad: conv.padding as "valid" | "same",
      };
      if (!pooled) return convBiasRelu(x, filter, bias, options);
      const output = convBiasReluMaxPool(x, filter, bias, options);
      pooledByConvolution.add(output);
      return output;
    };
    if (!pooling) continue;
    const poolCall = pooling.call.bind(pooling);
    pooling.call = (inputs, kwargs) => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      // A clone: the model may dispose its input once this layer has run.
      return pooledByConvolution.has(x)
        ? tf.clone(x)
        : poolCall(inputs, kwargs);
    };
  }
  return changed;
}
