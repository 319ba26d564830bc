/**
 * MobileNetV2's ReLU6 layers as one-pass `relu6` activations.
 *
 * Keras saves MobileNetV2's activations as `ReLU` layers with
 * `max_value: 6`, and tfjs-layers runs such a layer as a `Relu` followed by
 * a clip to [0, 6]: two passes over every activation tensor of the
 * network. An `Activation` layer with `relu6` is one pass (TensorFlow's
 * `Relu6` op on the `tensorflow` backend) and gives the same values:
 * `min(max(x, 0), 6)` either way, exactly. Its gradient lets `dy` through
 * where `0 < x <= 6`, as the two layers' gradients do together, so training
 * through it moves the weights by the same values (a zero may carry the
 * other sign: `dy · 0` instead of TensorFlow's `ReluGrad` zero, which adds
 * and multiplies to the same numbers). The layer keeps its name, so cuts by
 * layer name (`cutLayerName`) and saved weights are unaffected.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A layer entry of a Keras functional model's topology, as saved in `model.json`. */
interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
  [key: string]: unknown;
}

/** Whether a `ReLU` layer's config is exactly ReLU6 (`max_value` 6, no slope or threshold). */
function isReluSix(config: Record<string, unknown>): boolean {
  return config.max_value === 6 &&
    (config.negative_slope ?? 0) === 0 && (config.threshold ?? 0) === 0;
}

/**
 * A copy of a model topology in which every ReLU6 layer (`ReLU` with
 * `max_value: 6`) is an `Activation` layer with `relu6` of the same name;
 * returns the copy and how many layers it changed.
 */
export function reluSixAsActivation(
  topology: tf.io.ModelJSON["modelTopology"],
): { topology: tf.io.ModelJSON["modelTopology"]; changed: number } {
  const copy = structuredClone(topology) as {
    model_config?: { config: { layers: LayerJson[] } };
    config?: { layers: LayerJson[] };
  };
  const layers = (copy.model_config ?? copy).config?.layers ?? [];
  let changed = 0;
  for (const layer of layers) {
    if (layer.class_name !== "ReLU" || !isReluSix(layer.config)) continue;
    const { name, trainable, dtype } = layer.config;
    layer.class_name = "Activation";
    layer.config = {
      name,
      trainable,
      ...(dtype === undefined ? {} : { dtype }),
      activation: "relu6",
    };
    changed++;
  }
  return { topology: copy as tf.io.ModelJSON["modelTopology"], changed };
}

/** `handler` loading its model with {@linkcode reluSixAsActivation} applied to the topology. */
export function withReluSixActivations(
  handler: tf.io.IOHandler,
): tf.io.IOHandler {
  return {
    async load() {
      const artifacts = await handler.load!();
      if (
        !artifacts.modelTopology ||
        artifacts.modelTopology instanceof ArrayBuffer
      ) {
        return artifacts;
      }
      return {
        ...artifacts,
        modelTopology: reluSixAsActivation(artifacts.modelTopology).topology,
      };
    },
  };
}
