/**
 * Adam in three WebGPU dispatches per variable.
 *
 * `tf.train.adam` builds each variable's update from generic element-wise
 * ops: about ten GPU dispatches per variable per step (multiplies, adds,
 * divides, a square and a square root), plus four for the bias-correction
 * scalars. For a small CNN each dispatch costs more host time than GPU time.
 * Here each update is three single-output WGSL programs:
 *
 * | kernel                | inputs                 | output |
 * | --------------------- | ---------------------- | ------ |
 * | `FashionAdamMoments`  | moment, gradient       | `β·moment + (1 − β)·g` (first moment) or `… · g²` (second) |
 * | `FashionAdamApply`    | value, new m, new v    | `value − lr · m̂ / (√v̂ + ε)`, with `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)` |
 *
 * and each result is handed to `variable.assign` (no buffer is written in
 * place). The arithmetic and its order are `AdamOptimizer.applyGradients`'
 * (tfjs-core 4.22): every scalar is a float32 as it would be as a tensor,
 * and the running powers `β₁ᵗ`, `β₂ᵗ` are multiplied in float32 on the host
 * (exactly what the device's float32 multiply gives) and kept in the
 * optimizer's own `accBeta` variables as well.
 *
 * {@linkcode FusedAdamOptimizer} subclasses `tf.AdamOptimizer`, so its
 * configuration, class name, iteration count, `getWeights`/`setWeights`
 * (the checkpoint format) and `dispose` are the parent's. It takes the fused
 * path only while the active backend is `webgpu` and the kernels are
 * registered; anywhere else it is the parent's Adam.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { WebgpuProgram } from "./conv_gemm.ts";
import { ADAM_STEP_KERNEL, adamStep } from "../tensorflow/adam_step.ts";
import { adamSetting } from "../adam_setting.ts";

/** Kernel name of the moment update. */
export const ADAM_MOMENTS_KERNEL = "FashionAdamMoments";
/** Kernel name of the value update. */
export const ADAM_APPLY_KERNEL = "FashionAdamApply";

/** Threads per workgroup of both programs. */
const WORKGROUP_THREADS = 256;
/** Most workgroups in one dispatch dimension used here. */
const MAX_GROUPS_X = 32768;

/** Attributes of `FashionAdamMoments`. */
export interface AdamMomentsAttrs {
  /** Decay `β` of the moment. */
  decay: number;
  /** Whether the moment averages `g²` (second moment) rather than `g`. */
  squared: boolean;
}

/** Attributes of `FashionAdamApply`. */
export interface AdamApplyAttrs {
  /** Learning rate. */
  learningRate: number;
  /** `ε` added to `√v̂`. */
  epsilon: number;
  /** `1 − β₁ᵗ`, as the float32 the device would compute. */
  oneMinusAccBeta1: number;
  /** `1 − β₂ᵗ`, likewise. */
  oneMinusAccBeta2: number;
}

/** An elementwise Adam program: a WebGPU program with uniforms. */
export type ElementwiseProgram = WebgpuProgram & { uniforms: string };

/** A float32 uniform value. */
interface Uniform {
  type: "float32";
  data: number[];
}

/** The part of the WebGPU backend the kernels use. */
interface AdamBackend {
  runWebGPUProgram(
    program: ElementwiseProgram,
    inputs: tf.TensorInfo[],
    outputDtype: "float32",
    uniforms: Uniform[],
  ): tf.TensorInfo;
}

/** Workgroup grid covering `size` elements, one thread each. */
export function elementwiseDispatch(size: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(size / WORKGROUP_THREADS));
  return [
    Math.min(groups, MAX_GROUPS_X),
    Math.ceil(groups / MAX_GROUPS_X),
    1,
  ];
}

function elementwiseProgram(
  name: string,
  variableNames: string[],
  outputShape: number[],
  uniforms: string,
  body: string,
): ElementwiseProgram {
  const size = outputShape.reduce((a, b) => a * b, 1);
  const source = `
  fn main(index : i32) {
    if (index >= uniforms.size) { return; }
    ${body}
  }`;
  return {
    variableNames,
    outputShape,
    // The backend appends input/output ranks, dtypes and names to this key;
    // sizes travel in uniforms, so one pipeline serves every shape.
    shaderKey: name,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: elementwiseDispatch(size),
    workgroupSize: [WORKGROUP_THREADS, 1, 1],
    size: true,
    uniforms,
    getUserCode: () => source,
  };
}

/**
 * The moment update `decay·moment + (1 − decay)·g` (or `g²`), with uniforms
 * `decay` and `oneMinusDecay`.
 */
export function adamMomentsProgram(
  shape: number[],
  squared: boolean,
): ElementwiseProgram {
  const g = squared ? "gradient[index] * gradient[index]" : "gradient[index]";
  return elementwiseProgram(
    squared ? "fashionAdamSecondMoment" : "fashionAdamFirstMoment",
    ["moment", "gradient"],
    shape,
    "decay : f32, oneMinusDecay : f32, ",
    `let g = ${g};
    result[index] = moment[index] * uniforms.decay + g * uniforms.oneMinusDecay;`,
  );
}

/**
 * The value update, in `AdamOptimizer`'s order:
 * `(m / c1) / (sqrt(v / c2) + ε) · (−lr) + value`.
 */
export function adamApplyProgram(shape: number[]): ElementwiseProgram {
  return elementwiseProgram(
    "fashionAdamApply",
    ["value", "m", "v"],
    shape,
    "negLearningRate : f32, epsilon : f32, oneMinusAccBeta1 : f32, oneMinusAccBeta2 : f32, ",
    `let mHat = m[index] / uniforms.oneMinusAccBeta1;
    let vHat = v[index] / uniforms.oneMinusAccBeta2;
    let step = mHat / (sqrt(vHat) + uniforms.epsilon);
    result[index] = step * uniforms.negLearningRate + value[index];`,
  );
}

function float32(...data: number[]): Uniform[] {
  return data.map((d) => ({ type: "float32", data: [d] }));
}

function assertFloat32(kernel: string, tensors: tf.TensorInfo[]): void {
  for (const t of tensors) {
    if (t.dtype !== "float32") {
      throw new Error(`${kernel} takes float32 tensors, got ${t.dtype}`);
    }
  }
}

/** `FashionAdamMoments` on the WebGPU backend. */
export function adamMomentsWebgpu(args: {
  inputs: { moment: tf.TensorInfo; gradient: tf.TensorInfo };
  backend: unknown;
  attrs: AdamMomentsAttrs;
}): tf.TensorInfo {
  const { moment, gradient } = args.inputs;
  const { decay, squared } = args.attrs;
  assertFloat32(ADAM_MOMENTS_KERNEL, [moment, gradient]);
  if (moment.shape.join() !== gradient.shape.join()) {
    throw new Error(
      `${ADAM_MOMENTS_KERNEL}: moment [${moment.shape}] vs gradient [${gradient.shape}]`,
    );
  }
  return (args.backend as AdamBackend).runWebGPUProgram(
    adamMomentsProgram([...moment.shape], squared),
    [moment, gradient],
    "float32",
    float32(decay, 1 - decay),
  );
}

/** `FashionAdamApply` on the WebGPU backend. */
export function adamApplyWebgpu(args: {
  inputs: { value: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo };
  backend: unknown;
  attrs: AdamApplyAttrs;
}): tf.TensorInfo {
  const { value, m, v } = args.inputs;
  const a = args.attrs;
  assertFloat32(ADAM_APPLY_KERNEL, [value, m, v]);
  if (
    value.shape.join() !== m.shape.join() || m.shape.join() !== v.shape.join()
  ) {
    throw new Error(
      `${ADAM_APPLY_KERNEL}: shapes [${value.shape}], [${m.shape}], [${v.shape}]`,
    );
  }
  return (args.backend as AdamBackend).runWebGPUProgram(
    adamApplyProgram([...value.shape]),
    [value, m, v],
    "float32",
    float32(
      -a.learningRate,
      a.epsilon,
      a.oneMinusAccBeta1,
      a.oneMinusAccBeta2,
    ),
  );
}

/**
 * Registers `FashionAdamMoments` and `FashionAdamApply` for the `webgpu`
 * backend (no other backend gets them). Idempotent.
 */
export function registerWebgpuAdamKernels(): void {
  const kernels = [
    [ADAM_MOMENTS_KERNEL, adamMomentsWebgpu],
    [ADAM_APPLY_KERNEL, adamApplyWebgpu],
  ] as const;
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, "webgpu")) continue;
    tf.registerKernel({
      kernelName,
      backendName: "webgpu",
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    });
  }
}

/**
 * Whether the fused path can run now: `webgpu` active with its two kernels
 * registered, or `tensorflow` active with the workspace's one-op step
 * (`lib/kernels/tensorflow/adam_step.ts`).
 */
export function fusedAdamAvailable(): boolean {
  const backend = tf.getBackend();
  if (backend === "tensorflow") {
    return tf.getKernel(ADAM_STEP_KERNEL, "tensorflow") !== undefined;
  }
  return backend === "webgpu" &&
    tf.getKernel(ADAM_MOMENTS_KERNEL, "webgpu") !== undefined &&
    tf.getKernel(ADAM_APPLY_KERNEL, "webgpu") !== undefined;
}

/**
 * Which Adam `createOptimizer` builds on `webgpu`, from `FASHION_WEBGPU_ADAM`
 * (or `setting`): `fused` (unset: the default) or `generic` (`tf.train.adam`,
 * for comparisons). Throws on anything else.
 */
export function webgpuAdamSetting(
  setting = Deno.env.get("FASHION_WEBGPU_ADAM"),
): "fused" | "generic" {
  return adamSetting("FASHION_WEBGPU_ADAM", setting);
}

/** What `applyGradients` takes: gradients by variable name, as a map or list. */
type VariableGradients = Parameters<tf.AdamOptimizer["applyGradients"]>[0];
/** What `setWeights` takes: named tensors. */
type NamedWeights = Parameters<tf.AdamOptimizer["setWeights"]>[0];

/** `AdamOptimizer`'s private state, which the fused update shares. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

/**
 * `tf.AdamOptimizer` whose update runs as three WebGPU dispatches per
 * variable while the `webgpu` backend is active (see the module notes), as
 * one native op per variable (`FashionAdamStep`) while `tensorflow` is
 * active with that op loaded, and as the parent's update anywhere else.
 * State, configuration and serialisation are the parent's; the numbers are
 * the parent's bit for bit.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /** `β₁ᵗ`, `β₂ᵗ` as float32 host numbers; `null` until read or set. */
  #acc: [number, number] | null;

  /** Same arguments as `tf.train.adam`. */
  constructor(
    learningRate = 0.001,
    beta1 = 0.9,
    beta2 = 0.999,
    epsilon: number | null = null,
  ) {
    super(learningRate, beta1, beta2, epsilon as number);
    registerWebgpuAdamKernels();
    this.#acc = [Math.fround(beta1), Math.fround(beta2)];
  }

  /**
   * Whether `instance` is a `FusedAdamOptimizer` by its prototype chain
   * (TensorFlow.js' `Optimizer` answers `instanceof` for every optimizer).
   */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, instance);
  }

  #state(): AdamState {
    return this as unknown as AdamState;
  }

  /** Applies one Adam step to the named variables. */
  override applyGradients(
    variableGradients: VariableGradients,
  ): void {
    if (!fusedAdamAvailable()) {
      this.#acc = null;
      super.applyGradients(variableGradients);
      return;
    }
    const state = this.#state();
    // After the parent's update the running powers live only in the device
    // variables; read them once.
    const acc = this.#acc ??= [
      state.accBeta1.dataSync()[0],
      state.accBeta2.dataSync()[0],
    ];
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    const engine = tf.engine();
    const oneOp = tf.getBackend() === "tensorflow";
    const apply: AdamApplyAttrs = {
      learningRate: this.learningRate,
      epsilon: this.epsilon,
      // sub(1, accBeta) in float32.
      oneMinusAccBeta1: Math.fround(1 - acc[0]),
      oneMinusAccBeta2: Math.fround(1 - acc[1]),
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = engine.registeredVariables[name];
        if (state.accumulatedFirstMoment[i] == null) {
          state.accumulatedFirstMoment[i] = {
            originalName: `${name}/m`,
            variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
          };
        }
        if (state.accumulatedSecondMoment[i] == null) {
          state.accumulatedSecondMoment[i] = {
            originalName: `${name}/v`,
            variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
          };
        }
        const gradient = Array.isArray(variableGradients)
          ? variableGradients[i].tensor
          : variableGradients[name];
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        if (oneOp) {
          const [newValue, newM, newV] = adamStep(value, m, v, gradient, {
            beta1: this.beta1,
            beta2: this.beta2,
            learningRate: this.learningRate,
            epsilon: this.epsilon,
            oneMinusAccBeta1: apply.oneMinusAccBeta1,
            oneMinusAccBeta2: apply.oneMinusAccBeta2,
          });
          m.assign(newM);
          v.assign(newV);
          value.assign(newValue);
          return;
        }
        const run = (
          kernel: string,
          inputs: tf.NamedTensorMap,
          attrs: AdamMomentsAttrs | AdamApplyAttrs,
        ) =>
          engine.runKernel(
            kernel,
            inputs,
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor;
        const newM = run(ADAM_MOMENTS_KERNEL, { moment: m, gradient }, {
          decay: this.beta1,
          squared: false,
        });
        const newV = run(ADAM_MOMENTS_KERNEL, { moment: v, gradient }, {
          decay: this.beta2,
          squared: true,
        });
        const newValue = run(
          ADAM_APPLY_KERNEL,
          { value, m: newM, v: newV },
          apply,
        );
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      // accBeta ← accBeta · β in float32; the product of two float32s is
      // exact in a double, so fround rounds it as the device would.
      acc[0] = Math.fround(acc[0] * Math.fround(this.beta1));
      acc[1] = Math.fround(acc[1] * Math.fround(this.beta2));
      state.accBeta1.assign(tf.scalar(acc[0]));
      state.accBeta2.assign(tf.scalar(acc[1]));
    });
    this.incrementIterations();
  }

  /** The parent's `setWeights`, then the running powers it set, read back. */
  override async setWeights(weightValues: NamedWeights): Promise<void> {
    await super.setWeights(weightValues);
    const state = this.#state();
    const [b1, b2] = await Promise.all([
      state.accBeta1.data(),
      state.accBeta2.data(),
    ]);
    this.#acc = [b1[0], b2[0]];
  }
}
