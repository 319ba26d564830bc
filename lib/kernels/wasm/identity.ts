/**
 * Zero-copy `Identity` and same-dtype `Cast` for the wasm backend.
 * TensorFlow.js calls `Identity` for `tf.clone` (optimizers and layers
 * clone often) and `Cast` to float32 on tensors that already are float32
 * (e.g. inside the ReLU gradient); the backend's own kernels copy the whole
 * tensor each time (together about 65 ms per training batch of study 000's
 * CNN). Tensors are immutable, so the result can share the input's memory,
 * as the `cpu` backend does: one more reference, freed when the last user
 * is disposed. Strings and real casts go to the backend's own kernels.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { WasmKernelArgs } from "./heap.ts";

/** A new reference to `x`'s memory. */
function share(
  backend: WasmKernelArgs["backend"],
  x: tf.TensorInfo,
): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * Builds the `Identity` kernel config for `wasm`: shared memory for numeric
 * tensors, `original` (the backend's own `Identity`) for strings.
 */
export function makeIdentityConfig(original: tf.KernelConfig): tf.KernelConfig {
  const identity = (args: WasmKernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === "string") {
      return original.kernelFunc(
        args as unknown as Parameters<tf.KernelFunc>[0],
      );
    }
    return share(args.backend, x);
  };
  return {
    kernelName: tf.Identity,
    backendName: "wasm",
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: identity as unknown as tf.KernelFunc,
  };
}

/**
 * Builds the `Cast` kernel config for `wasm`: shared memory when the dtype
 * does not change, `original` (the backend's own `Cast`) otherwise.
 */
export function makeCastConfig(original: tf.KernelConfig): tf.KernelConfig {
  const cast = (args: WasmKernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = (args.attrs ?? {}) as unknown as tf.CastAttrs;
    if (x.dtype === "string" || dtype !== x.dtype) {
      return original.kernelFunc(
        args as unknown as Parameters<tf.KernelFunc>[0],
      );
    }
    return share(args.backend, x);
  };
  return {
    kernelName: tf.Cast,
    backendName: "wasm",
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: cast as unknown as tf.KernelFunc,
  };
}
