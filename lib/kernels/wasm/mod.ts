/**
 * Training kernels for the TensorFlow.js `wasm` backend (the portable CPU
 * path): conv and depthwise-conv gradients it lacks, and faster versions of
 * its slow gradient kernels. `lib/backend.ts` registers them when it
 * prepares `wasm`.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-wasm";
 * import { registerWasmTrainingKernels } from "./lib/kernels/wasm/mod.ts";
 * registerWasmTrainingKernels();
 * ```
 *
 * @module
 */
export {
  registerWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
  wasmTrainingKernelNames,
} from "./register.ts";
