/**
 * Small helpers shared by the wasm training kernels: typed views of tensor
 * memory on the wasm heap, calls into the backend's own (XNNPACK) kernels,
 * and argument checks.
 *
 * The wasm backend keeps every tensor in one `WebAssembly.Memory`. A kernel
 * allocates its outputs with `backend.makeOutput` and reads or writes them
 * through `Float32Array` views of that memory. Allocating can grow the
 * memory, which detaches every earlier view, so each kernel takes its views
 * only after its last allocation (or takes them again).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** The wasm backend as seen by a kernel function. */
export type WasmBackend = BackendWasm;

/** Everything a kernel function receives, with the wasm backend typed. */
export interface WasmKernelArgs {
  /** Input tensors by name. */
  inputs: tf.NamedTensorInfoMap;
  /** The wasm backend. */
  backend: WasmBackend;
  /** Kernel attributes (strides, pad, ...). */
  attrs?: tf.NamedAttrMap;
}

/**
 * A writable `Float32Array` view of a float32 tensor's memory on the wasm
 * heap. The view is invalid after the next allocation on the backend.
 */
export function heapF32(backend: WasmBackend, t: tf.TensorInfo): Float32Array {
  if (t.dtype !== "float32") {
    throw new Error(
      `wasm training kernel: expected a float32 tensor, got ${t.dtype} ` +
        `of shape [${t.shape}]. Cast it to float32 first.`,
    );
  }
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Allocates a float32 output tensor on the wasm heap (contents undefined). */
export function allocF32(backend: WasmBackend, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, "float32");
}

/** Frees a temporary tensor made inside a kernel. */
export function freeTemp(backend: WasmBackend, t: tf.TensorInfo): void {
  backend.disposeData(t.dataId);
}

/**
 * Runs another kernel of the wasm backend directly (no engine bookkeeping):
 * e.g. the XNNPACK `Conv2D` or `BatchMatMul` inside a training kernel.
 * The caller owns, and must free, the returned tensor.
 */
export function runWasmKernel(
  name: string,
  backend: WasmBackend,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  const kernel = tf.getKernel(name, "wasm");
  if (!kernel) {
    throw new Error(
      `wasm training kernel: the wasm backend has no '${name}' kernel; ` +
        `import "@tensorflow/tfjs-backend-wasm" before registering.`,
    );
  }
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) {
    throw new Error(`wasm kernel '${name}' returned several outputs`);
  }
  return out;
}

/** Throws unless `dataFormat` is the layers default, channels-last (NHWC). */
export function assertChannelsLast(kernel: string, dataFormat: unknown): void {
  if (dataFormat != null && dataFormat !== "NHWC") {
    throw new Error(
      `${kernel} on wasm supports only dataFormat 'NHWC' (channels last), ` +
        `got '${dataFormat}'. Build the model with dataFormat 'channelsLast'.`,
    );
  }
}

/**
 * Largest number of float32 values a kernel puts in one temporary buffer
 * (4 MiB). Chunks this size also keep XNNPACK's matrix products in cache:
 * on study 000's CNN, 1 Mi floats ran the filter gradient ~1.4x faster
 * than 8 Mi.
 */
export const TEMP_BUFFER_FLOATS = 1024 * 1024;
