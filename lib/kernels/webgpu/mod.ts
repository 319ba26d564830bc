/**
 * This workspace's WebGPU training kernels and their registration.
 *
 * | kernel                 | replaces tfjs-backend-webgpu 4.22's            | module |
 * | ---------------------- | ---------------------------------------------- | ------ |
 * | `Conv2D`               | im2col-free matmul (kept for `NCHW`)           | {@link ./conv2d.ts} |
 * | `Conv2DBackpropInput`  | one thread per input element, direct loops     | {@link ./conv2d_backprop_input.ts} |
 * | `Conv2DBackpropFilter` | one thread per weight, looping over B·OH·OW    | {@link ./conv2d_backprop_filter.ts} |
 *
 * `FASHION_WEBGPU_KERNELS` picks which are registered: unset or `all` for
 * all three, `none` for none (the package's own kernels, for comparisons),
 * or a comma list of kernel names, e.g. `Conv2DBackpropFilter,Conv2DBackpropInput`.
 *
 * Two new kernels, `FashionAdamMoments` and `FashionAdamApply`
 * ({@link ./adam.ts}), replace nothing: {@linkcode registerWebgpuTrainingKernels}
 * always registers them, and the fused Adam optimizer that uses them is
 * chosen by `createOptimizer` (lib/train/compile.ts; `FASHION_WEBGPU_ADAM`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { conv2DWebgpu } from "./conv2d.ts";
import { conv2DBackpropFilterWebgpu } from "./conv2d_backprop_filter.ts";
import { conv2DBackpropInputWebgpu } from "./conv2d_backprop_input.ts";
import { registerWebgpuAdamKernels } from "./adam.ts";

export { conv2DWebgpu } from "./conv2d.ts";
export { conv2DBackpropFilterWebgpu } from "./conv2d_backprop_filter.ts";
export { conv2DBackpropInputWebgpu } from "./conv2d_backprop_input.ts";
export {
  FusedAdamOptimizer,
  registerWebgpuAdamKernels,
  webgpuAdamSetting,
} from "./adam.ts";

type AnyKernel = (args: {
  inputs: unknown;
  backend: unknown;
  attrs?: unknown;
}) => unknown;

/** The kernels this module can register, by TensorFlow.js kernel name. */
export const WEBGPU_KERNELS: Record<string, AnyKernel> = {
  Conv2D: conv2DWebgpu as unknown as AnyKernel,
  Conv2DBackpropInput: conv2DBackpropInputWebgpu as unknown as AnyKernel,
  Conv2DBackpropFilter: conv2DBackpropFilterWebgpu as unknown as AnyKernel,
};

/**
 * Which kernels `FASHION_WEBGPU_KERNELS` (or `setting`) asks for; throws on
 * an unknown name.
 */
export function selectedWebgpuKernels(
  setting = Deno.env.get("FASHION_WEBGPU_KERNELS"),
): string[] {
  const text = (setting ?? "all").trim();
  if (text === "" || text === "all") return Object.keys(WEBGPU_KERNELS);
  if (text === "none") return [];
  const names = text.split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(name in WEBGPU_KERNELS)) {
      throw new Error(
        `FASHION_WEBGPU_KERNELS: unknown kernel "${name}"; use all, none or ${
          Object.keys(WEBGPU_KERNELS).join(", ")
        }`,
      );
    }
  }
  return names;
}

const registered = new Set<string>();
const wrappers = new WeakSet<object>();

/** Whether the `webgpu` backend's kernel `name` is this module's. */
export function isWorkspaceWebgpuKernel(name: string): boolean {
  const config = tf.getKernel(name, "webgpu");
  return config !== undefined && wrappers.has(config.kernelFunc);
}

/**
 * Registers the selected kernels for the `webgpu` backend in place of the
 * package's. Each keeps the package's kernel for what it does not handle
 * (`NCHW` data), and registers the fused Adam kernels. Idempotent; call
 * after `@tensorflow/tfjs-backend-webgpu` is imported.
 */
export function registerWebgpuTrainingKernels(
  names: string[] = selectedWebgpuKernels(),
): string[] {
  registerWebgpuAdamKernels();
  for (const name of names) {
    if (registered.has(name)) continue;
    const ours = WEBGPU_KERNELS[name];
    const original = tf.getKernel(name, "webgpu")?.kernelFunc as
      | AnyKernel
      | undefined;
    if (original) tf.unregisterKernel(name, "webgpu");
    const kernelFunc = (args: Parameters<AnyKernel>[0]) => {
      const format = (args.attrs as { dataFormat?: string } | undefined)
        ?.dataFormat;
      return format === "NCHW" && original ? original(args) : ours(args);
    };
    wrappers.add(kernelFunc);
    tf.registerKernel({
      kernelName: name,
      backendName: "webgpu",
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    });
    registered.add(name);
  }
  return [...registered];
}
