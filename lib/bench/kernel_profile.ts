/**
 * Per-kernel time profile of one training step: which TensorFlow.js kernels
 * a step runs, how often, how many GPU dispatches they make and how long
 * each takes on the active backend (GPU time where the backend can time
 * kernels, e.g. WebGPU timestamp queries; wall time on CPU backends), next
 * to the step's unprofiled wall time.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { trainStep } from "../train/train_step.ts";

/** Time spent in one kernel over the profiled step. */
export interface KernelTime {
  /** Kernel name, e.g. `Conv2DBackpropFilter`. */
  kernel: string;
  /** How many times it ran in the step. */
  calls: number;
  /** GPU programs dispatched by those calls (WebGPU; 0 on CPU backends). */
  dispatches: number;
  /** Total milliseconds over those calls. */
  totalMs: number;
}

/** One kernel at one set of input shapes. */
export interface KernelShapeTime extends KernelTime {
  /** Input shapes, e.g. `[32,120,90,3] [3,3,3,64]`. */
  inputs: string;
}

/** The result of {@linkcode profileTrainingStep}. */
export interface TrainingStepProfile {
  /** Wall time of the profiled step (profiling serialises the GPU work). */
  wallMs: number;
  /** Mean wall time of unprofiled steps, loss read back each step. */
  stepMs: number;
  /** Sum of kernel times. */
  kernelMs: number;
  /** GPU dispatches in the step (WebGPU; 0 on CPU backends). */
  dispatches: number;
  /** Kernels by name, slowest first. */
  kernels: KernelTime[];
  /** Kernels by name and input shapes, slowest first. */
  byShape: KernelShapeTime[];
}

/** Programs named in a WebGPU kernel's profile note (`Name: ms, Name: ms`). */
function dispatchesOf(extraInfo: unknown): number {
  if (typeof extraInfo !== "string") return 0;
  return extraInfo.split(", ").filter((p) => p.includes(":")).length;
}

/**
 * Profiles one training step of `model` on `x`, `y` as the workspace's fit
 * loop takes it (`trainStep`, its losses read back), after timing `steps`
 * unprofiled ones, and returns the kernels sorted by total time, slowest
 * first.
 */
export async function profileTrainingStep(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  steps = 10,
): Promise<TrainingStepProfile> {
  const step = async () => {
    const values = trainStep(model, x, [y]);
    await Promise.all(values.map((v) => v.data()));
    tf.dispose(values);
  };
  const unprofiled = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const stepMs = (performance.now() - unprofiled) / Math.max(1, steps);
  const start = performance.now();
  const info = await tf.profile(step);
  const wallMs = performance.now() - start;
  const byName = new Map<string, KernelTime>();
  const byShape = new Map<string, KernelShapeTime>();
  for (const k of info.kernels) {
    const raw = await k.kernelTimeMs;
    const ms = typeof raw === "number" ? raw : 0;
    const dispatches = dispatchesOf(await k.extraInfo);
    const shapes = k.inputShapes.map((s) => `[${s}]`).join(" ");
    const entry = byName.get(k.name) ??
      { kernel: k.name, calls: 0, dispatches: 0, totalMs: 0 };
    const shaped = byShape.get(`${k.name} ${shapes}`) ??
      { kernel: k.name, inputs: shapes, calls: 0, dispatches: 0, totalMs: 0 };
    for (const e of [entry, shaped]) {
      e.calls++;
      e.dispatches += dispatches;
      e.totalMs += ms;
    }
    byName.set(k.name, entry);
    byShape.set(`${k.name} ${shapes}`, shaped);
  }
  const slowest = <T extends KernelTime>(m: Map<string, T>) =>
    [...m.values()].sort((a, b) => b.totalMs - a.totalMs);
  const kernels = slowest(byName);
  return {
    wallMs,
    stepMs,
    kernelMs: kernels.reduce((s, k) => s + k.totalMs, 0),
    dispatches: kernels.reduce((s, k) => s + k.dispatches, 0),
    kernels,
    byShape: slowest(byShape),
  };
}

/** Fixed costs of the active backend, independent of any model. */
export interface BackendOverhead {
  /** Mean milliseconds of one tiny op followed by reading its result back. */
  roundTripMs: number;
  /** Mean milliseconds per op of `ops` chained tiny ops, amortised over one read-back. */
  perOpMs: number;
  /** Chained ops per read-back in the `perOpMs` measurement. */
  ops: number;
}

/**
 * Measures the read-back round trip (dispatch one 4096-element `Add`, await
 * its data) and the per-op cost of issuing tiny ops (`ops` chained `Add`s,
 * one read-back), each averaged over `repeats`.
 */
export async function measureBackendOverhead(
  repeats = 20,
  ops = 200,
): Promise<BackendOverhead> {
  // Above the backend's CPU hand-off size, so the ops run on the device.
  const a = tf.ones([4096]);
  const b = tf.ones([4096]);
  const once = async (n: number) => {
    let x = a.add(b);
    for (let i = 1; i < n; i++) {
      const next = x.add(b);
      x.dispose();
      x = next;
    }
    await x.data();
    x.dispose();
  };
  await once(ops); // compile and warm up
  let start = performance.now();
  for (let i = 0; i < repeats; i++) await once(1);
  const roundTripMs = (performance.now() - start) / repeats;
  start = performance.now();
  for (let i = 0; i < repeats; i++) await once(ops);
  const chainMs = (performance.now() - start) / repeats;
  tf.dispose([a, b]);
  return {
    roundTripMs,
    perOpMs: Math.max(0, chainMs - roundTripMs) / (ops - 1),
    ops,
  };
}
