/**
 * MobileNetV2's ReLU6 layers in one pass.
 *
 * Keras saves MobileNetV2's activations as `ReLU` layers with
 * `max_value: 6`, and tfjs-layers runs such a layer as a `Relu` followed by
 * a clip to [0, 6]: two passes over every activation tensor of the
 * network. {@linkcode reluSixInOnePass} makes each of those layers of a
 * loaded model call TensorFlow.js' `relu6` instead: one pass (TensorFlow's
 * `Relu6` op on the `tensorflow` backend), `min(max(x, 0), 6)` either way,
 * exactly. Its gradient lets `dy` through where `0 < x <= 6`, as the `Relu`
 * and clip gradients do together, so training through it moves the
 * weights by the same values (where it stops `dy`, a zero may carry the
 * other sign, `dy · 0`, which adds and multiplies to the same numbers).
 *
 * Only the loaded layer objects change: a model saved from them keeps its
 * `ReLU` layers as Keras wrote them, so it loads anywhere and computes the
 * same values without this module.
 *
 * (tfjs-layers' own `relu6` activation is not used for this: it computes
 * `minimum(6, relu(x))`, also two passes, and its gradient stops `dy` at
 * exactly 6.)
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Makes every `ReLU` layer of `model` with `maxValue` 6 compute `relu6` in
 * one pass; returns how many layers it changed.
 */
export function reluSixInOnePass(model: tf.LayersModel): number {
  let changed = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() !== "ReLU") continue;
    if (layer.getConfig().maxValue !== 6) continue;
    layer.call = (inputs: tf.Tensor | tf.Tensor[]) =>
      tf.relu6(Array.isArray(inputs) ? inputs[0] : inputs);
    changed++;
  }
  return changed;
}
