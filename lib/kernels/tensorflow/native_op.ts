/**
 * Running one TensorFlow op by name on the `tensorflow` backend
 * (`@tensorflow/tfjs-node`), with its attributes written as plain values.
 *
 * tfjs-node executes every TensorFlow.js kernel as an eager TensorFlow op
 * (`binding.executeOp`); this module gives the workspace's own kernels the
 * same path to ops that tfjs-node does not use: `ReluGrad`, oneDNN's
 * pooling gradient.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** An attribute value: a dtype (`{ type }`), a float (`{ float }`: sent as float32), a string, a bool, an int or a list of ints. */
export type NativeAttrValue =
  | { type: "float32" | "int32" | "uint8" }
  | { float: number }
  | string
  | boolean
  | number
  | number[];

/** The parts of tfjs-node's backend this module uses. */
interface NodeBackend {
  binding: Record<string, number>;
  executeSingleOutput(
    name: string,
    attrs: unknown[],
    inputs: tf.Tensor[],
  ): tf.Tensor;
  executeMultipleOutputs(
    name: string,
    attrs: unknown[],
    inputs: tf.Tensor[],
    numOutputs: number,
  ): tf.Tensor[];
}

/** The active `tensorflow` backend, or an error naming what is active. */
export function nodeBackend(): NodeBackend {
  const backend = tf.findBackend("tensorflow") as unknown as
    | NodeBackend
    | null;
  if (!backend || typeof backend.executeSingleOutput !== "function") {
    throw new Error(
      "the tensorflow backend (@tensorflow/tfjs-node) is not loaded",
    );
  }
  return backend;
}

function dtypeCode(b: Record<string, number>, dtype: string): number {
  const code = { float32: b.TF_FLOAT, int32: b.TF_INT32, uint8: b.TF_UINT8 }[
    dtype
  ];
  if (code === undefined) throw new Error(`unsupported dtype ${dtype}`);
  return code;
}

function encodeAttr(
  b: Record<string, number>,
  name: string,
  value: NativeAttrValue,
): { name: string; type: number; value: unknown } {
  if (typeof value === "string") {
    return { name, type: b.TF_ATTR_STRING, value };
  }
  if (typeof value === "boolean") return { name, type: b.TF_ATTR_BOOL, value };
  if (typeof value === "number" || Array.isArray(value)) {
    return { name, type: b.TF_ATTR_INT, value };
  }
  if ("float" in value) {
    return { name, type: b.TF_ATTR_FLOAT, value: value.float };
  }
  return { name, type: b.TF_ATTR_TYPE, value: dtypeCode(b, value.type) };
}

/**
 * Executes the TensorFlow op `name` on `inputs` with `attrs` and returns its
 * single output as a TensorFlow.js tensor (a `uint8` output is labelled
 * `int32` by tfjs-node and is only fit to be passed to another op).
 *
 * @example
 * ```ts
 * const dx = runNativeOp("ReluGrad", { T: { type: "float32" } }, [dy, x]);
 * ```
 */
export function runNativeOp(
  name: string,
  attrs: Record<string, NativeAttrValue>,
  inputs: tf.Tensor[],
): tf.Tensor {
  const backend = nodeBackend();
  return backend.executeSingleOutput(name, encodeAttrs(attrs), inputs);
}

/** Like {@linkcode runNativeOp}, for an op with `outputs` outputs. */
export function runNativeOpOutputs(
  name: string,
  attrs: Record<string, NativeAttrValue>,
  inputs: tf.Tensor[],
  outputs: number,
): tf.Tensor[] {
  const backend = nodeBackend();
  return backend.executeMultipleOutputs(
    name,
    encodeAttrs(attrs),
    inputs,
    outputs,
  );
}

function encodeAttrs(attrs: Record<string, NativeAttrValue>) {
  const binding = nodeBackend().binding;
  return Object.entries(attrs).map(([key, value]) =>
    encodeAttr(binding, key, value)
  );
}

/** A window size or stride as `[height, width]`. */
export function pair(value: number | [number, number]): [number, number] {
  return typeof value === "number" ? [value, value] : value;
}

/**
 * The attributes of oneDNN's max-pooling ops (`_MklNativeMaxPool`, its
 * gradient) for NHWC float32 input with `valid` padding.
 */
export function oneDnnPoolingAttrs(
  filterSize: number | [number, number],
  strides: number | [number, number],
  workspaceEnabled: boolean,
): Record<string, NativeAttrValue> {
  const [wh, ww] = pair(filterSize);
  const [sh, sw] = pair(strides);
  return {
    T: { type: "float32" },
    ksize: [1, wh, ww, 1],
    strides: [1, sh, sw, 1],
    padding: "VALID",
    data_format: "NHWC",
    workspace_enabled: workspaceEnabled,
    // oneDNN's kernels are registered under this label.
    _kernel: "MklNameChangeOp",
  };
}
