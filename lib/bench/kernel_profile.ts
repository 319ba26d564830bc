/**
 * Per-kernel time profile of one training step: which TensorFlow.js kernels
 * a step runs, how often, and how long each takes on the active backend
 * (GPU time where the backend can time kernels, e.g. WebGPU timestamp
 * queries; wall time on CPU backends).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Time spent in one kernel over the profiled step. */
export interface KernelTime {
  /** Kernel name, e.g. `Conv2DBackpropFilter`. */
  kernel: string;
  /** How many times it ran in the step. */
  calls: number;
  /** Total milliseconds over those calls. */
  totalMs: number;
}

/**
 * Profiles one `trainOnBatch` call of `model` on `x`, `y` and returns the
 * kernels sorted by total time, slowest first.
 */
export async function profileTrainingStep(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
): Promise<{ wallMs: number; kernels: KernelTime[] }> {
  const start = performance.now();
  const info = await tf.profile(async () => {
    await model.trainOnBatch(x, y);
  });
  const wallMs = performance.now() - start;
  const byName = new Map<string, KernelTime>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === "number"
      ? k.kernelTimeMs
      : (await k.kernelTimeMs as { error?: string }).error
      ? 0
      : Number(await k.kernelTimeMs);
    const entry = byName.get(k.name) ??
      { kernel: k.name, calls: 0, totalMs: 0 };
    entry.calls++;
    entry.totalMs += ms;
    byName.set(k.name, entry);
  }
  const kernels = [...byName.values()].sort((a, b) => b.totalMs - a.totalMs);
  return { wallMs, kernels };
}
