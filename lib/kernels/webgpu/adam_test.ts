import * as tf from "@tensorflow/tfjs";
import { probeGpuAdapter, selectBackend } from "../../backend.ts";
import { createRng } from "../../random.ts";
import { compileClassifier, createOptimizer } from "../../train/compile.ts";
import {
  buildTinyCnn,
  tinyBatches,
  tinyInitialWeights,
} from "../../testing/tiny_cnn.ts";
import {
  ADAM_APPLY_KERNEL,
  ADAM_MOMENTS_KERNEL,
  adamApplyProgram,
  adamMomentsProgram,
  elementwiseDispatch,
  FusedAdamOptimizer,
  webgpuAdamSetting,
} from "./adam.ts";
import { relativeError } from "../../testing/webgpu_parity.ts";

const gpu = await probeGpuAdapter();
const why = gpu.ok ? "" : `fused Adam webgpu tests skipped: ${gpu.reason}`;
if (!gpu.ok) console.log(why);

/** Shapes of the variables trained here: odd sizes, one over 256 threads. */
const SHAPES = [[3, 3, 3, 8], [8], [37, 11], [1]];

function randomValues(n: number, rng: ReturnType<typeof createRng>) {
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

/** Fresh variables named `<prefix>/<i>` with seeded values. */
function makeVariables(prefix: string, seed: number): tf.Variable[] {
  const rng = createRng(seed);
  return SHAPES.map((shape, i) =>
    tf.variable(
      tf.tensor(randomValues(tf.util.sizeFromShape(shape), rng), shape),
      true,
      `${prefix}/${i}_${seed}`,
    )
  );
}

/** `steps` lists of seeded gradients, one per variable of {@linkcode SHAPES}. */
function makeGradients(steps: number, seed: number): Float32Array[][] {
  const rng = createRng(seed);
  return Array.from(
    { length: steps },
    (_, s) =>
      SHAPES.map((shape) =>
        // Gradients shrinking over steps, with some exact zeros.
        randomValues(tf.util.sizeFromShape(shape), rng).map((g, j) =>
          j % 7 === 3 ? 0 : g / (1 + s)
        )
      ),
  );
}

function step(
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  gradients: Float32Array[],
): void {
  const grads: Record<string, tf.Tensor> = {};
  variables.forEach((v, i) => {
    grads[v.name] = tf.tensor(gradients[i], v.shape);
  });
  optimizer.applyGradients(grads as unknown as tf.NamedTensorMap);
  tf.dispose(Object.values(grads));
}

async function valuesOf(tensors: tf.Tensor[]): Promise<Float32Array[]> {
  return await Promise.all(
    tensors.map(async (t) => new Float32Array(await t.data())),
  );
}

/** Values, then the optimizer's m and v, as arrays. */
async function stateOf(
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
): Promise<Float32Array[]> {
  const weights = await optimizer.getWeights();
  return await valuesOf([
    ...variables,
    ...weights.slice(1).map((w) => w.tensor),
  ]);
}

function assertClose(
  actual: Float32Array[],
  expected: Float32Array[],
  tolerance: number,
  what: string,
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: ${actual.length} vs ${expected.length} tensors`);
  }
  actual.forEach((a, i) => {
    const error = relativeError(a, expected[i]);
    if (!(error < tolerance)) {
      throw new Error(`${what}, tensor ${i}: relative error ${error}`);
    }
  });
}

/**
 * Trains two copies of the same variables, one with `fused` and one with
 * `tf.train.adam`, on the same gradients; checks values, m and v after
 * every step.
 */
async function compareWithAdam(
  fused: tf.Optimizer,
  reference: tf.Optimizer,
  steps: number,
  tolerance: number,
): Promise<void> {
  const ours = makeVariables("fused", 11);
  const theirs = makeVariables("reference", 11);
  const gradients = makeGradients(steps, 5);
  for (let s = 0; s < steps; s++) {
    step(fused, ours, gradients[s]);
    step(reference, theirs, gradients[s]);
    assertClose(
      await stateOf(fused, ours),
      await stateOf(reference, theirs),
      tolerance,
      `step ${s + 1}`,
    );
  }
  const [a, b] = await Promise.all([
    fused.getWeights(),
    reference.getWeights(),
  ]);
  if (
    JSON.stringify(a.map((w) => w.name.replace(/^fused/, "reference"))) !==
      JSON.stringify(b.map((w) => w.name))
  ) {
    throw new Error("optimizer weight names differ from tf.train.adam's");
  }
  const [ia, ib] = await valuesOf([a[0].tensor, b[0].tensor]);
  if (ia[0] !== steps || ib[0] !== steps) {
    throw new Error(`iterations ${ia[0]} / ${ib[0]}, expected ${steps}`);
  }
  tf.dispose([...ours, ...theirs]);
}

Deno.test("webgpuAdamSetting reads FASHION_WEBGPU_ADAM", () => {
  if (webgpuAdamSetting("") !== "fused") throw new Error("default");
  if (webgpuAdamSetting(" Fused ") !== "fused") throw new Error("fused");
  if (webgpuAdamSetting("generic") !== "generic") throw new Error("generic");
  let threw = false;
  try {
    webgpuAdamSetting("fast");
  } catch {
    threw = true;
  }
  if (!threw) throw new Error("accepted an unknown setting");
});

Deno.test("elementwiseDispatch covers every element within the per-dimension limit", () => {
  for (const size of [1, 255, 256, 257, 36_864, 8_388_608, 40_000_000]) {
    const [x, y, z] = elementwiseDispatch(size);
    if (x > 65535 || y > 65535 || z !== 1) throw new Error(`${[x, y, z]}`);
    if (x * y * 256 < size) throw new Error(`too few threads for ${size}`);
    if (x * (y - 1) * 256 >= size) {
      throw new Error(`a whole spare row of workgroups for ${size}`);
    }
  }
});

Deno.test("Adam programs: one output each, sizes in uniforms", () => {
  const m = adamMomentsProgram([3, 4], false);
  const v = adamMomentsProgram([3, 4], true);
  const apply = adamApplyProgram([3, 4]);
  if (m.shaderKey === v.shaderKey) throw new Error("m and v share a pipeline");
  if (!v.getUserCode().includes("gradient[index] * gradient[index]")) {
    throw new Error("second moment must square the gradient");
  }
  for (const p of [m, v, apply]) {
    if (!p.size || !p.getUserCode().includes("uniforms.size")) {
      throw new Error(`${p.shaderKey} must bound-check against its size`);
    }
  }
  if (apply.variableNames.join() !== "value,m,v") {
    throw new Error(apply.variableNames.join());
  }
});

Deno.test({
  name:
    "cpu: FusedAdamOptimizer is tf.train.adam exactly; createOptimizer keeps tf.train.adam",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await selectBackend("cpu");
    const chosen = createOptimizer("adam", 1e-3);
    if (chosen instanceof FusedAdamOptimizer) {
      throw new Error("cpu must keep tf.train.adam");
    }
    chosen.dispose();
    if (tf.train.adam(0.01) instanceof FusedAdamOptimizer) {
      throw new Error("instanceof FusedAdamOptimizer must check the class");
    }
    const fused = new FusedAdamOptimizer(0.01);
    const reference = tf.train.adam(0.01);
    await compareWithAdam(fused, reference, 3, 1e-12);
    fused.dispose();
    reference.dispose();
  },
});

Deno.test({
  name:
    "webgpu: FusedAdamOptimizer matches tf.train.adam over 6 steps (rel. error < 1e-5) in 3 kernels per variable",
  ignore: !gpu.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await selectBackend("webgpu");
    const chosen = createOptimizer("adam", 1e-3);
    if (!(chosen instanceof FusedAdamOptimizer)) {
      throw new Error("createOptimizer on webgpu must build the fused Adam");
    }
    chosen.dispose();
    for (const [lr, beta1, beta2] of [[0.01, 0.9, 0.999], [0.1, 0.5, 0.9]]) {
      const fused = new FusedAdamOptimizer(lr, beta1, beta2);
      const reference = tf.train.adam(lr, beta1, beta2);
      if (
        JSON.stringify(fused.getConfig()) !==
          JSON.stringify(reference.getConfig()) ||
        fused.getClassName() !== reference.getClassName()
      ) {
        throw new Error("config or class name differ from tf.train.adam's");
      }
      await compareWithAdam(fused, reference, 6, 1e-5);
      fused.dispose();
      reference.dispose();
    }

    // Dispatch count of a step once the moments exist.
    const fused = new FusedAdamOptimizer(0.01);
    const variables = makeVariables("counted", 3);
    const [first, second] = makeGradients(2, 9);
    step(fused, variables, first);
    const info = await tf.profile(() => step(fused, variables, second));
    const names = info.kernels.map((k) => k.name);
    const count = (name: string) => names.filter((n) => n === name).length;
    // The gradients' uploads are not kernels; the step is the Adam kernels.
    if (
      count(ADAM_MOMENTS_KERNEL) !== 2 * SHAPES.length ||
      count(ADAM_APPLY_KERNEL) !== SHAPES.length ||
      names.length !== 3 * SHAPES.length
    ) {
      throw new Error(`kernels of one step: ${names.join(", ")}`);
    }
    tf.dispose(variables);
    fused.dispose();
    await selectBackend("cpu");
  },
});

Deno.test({
  name:
    "webgpu: FusedAdamOptimizer getWeights/setWeights round trip, to and from tf.train.adam",
  ignore: !gpu.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await selectBackend("webgpu");
    const gradients = makeGradients(4, 21);
    const source = new FusedAdamOptimizer(0.02);
    const trained = makeVariables("trained", 4);
    for (const g of gradients.slice(0, 3)) step(source, trained, g);
    const saved = await source.getWeights();
    const copies = saved.map((w) => ({
      name: w.name,
      tensor: w.tensor.clone(),
    }));

    // Restore into a fresh fused and a fresh tf.train.adam; one more step
    // each from the same variable values must agree with the original's.
    const restoredFused = new FusedAdamOptimizer(0.02);
    const restoredAdam = tf.train.adam(0.02);
    await restoredFused.setWeights(copies);
    await restoredAdam.setWeights(copies);
    if (restoredFused.iterations !== 3 || restoredAdam.iterations !== 3) {
      throw new Error(
        `iterations after restore: ${restoredFused.iterations}, ${restoredAdam.iterations}`,
      );
    }
    const values = await valuesOf(trained);
    const copy = (prefix: string) =>
      trained.map((v, i) =>
        tf.variable(tf.tensor(values[i], v.shape), true, `${prefix}/${i}`)
      );
    const viaFused = copy("via-fused");
    const viaAdam = copy("via-adam");
    step(source, trained, gradients[3]);
    step(restoredFused, viaFused, gradients[3]);
    step(restoredAdam, viaAdam, gradients[3]);
    const expected = await stateOf(source, trained);
    assertClose(
      await stateOf(restoredFused, viaFused),
      expected,
      // setWeights sets β^t by pow, not by repeated products, as tf.train.adam does.
      1e-5,
      "restored fused",
    );
    assertClose(
      await stateOf(restoredAdam, viaAdam),
      expected,
      1e-5,
      "restored tf.train.adam",
    );
    tf.dispose([...trained, ...viaFused, ...viaAdam]);
    tf.dispose(copies.map((w) => w.tensor));
    for (const o of [source, restoredFused, restoredAdam]) o.dispose();
    await selectBackend("cpu");
  },
});

/** Losses of a few Adam steps of the tiny CNN on the active backend. */
async function tinyAdamLosses(
  weights: Float32Array[],
  seed: number,
): Promise<{ losses: number[]; fused: boolean }> {
  const model = buildTinyCnn(seed);
  model.setWeights(
    model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)),
  );
  compileClassifier(model, { learningRate: 0.01 });
  const batches = tinyBatches(seed, 6, 4);
  const losses: number[] = [];
  for (const { x, y } of batches) {
    const out = await model.trainOnBatch(x, y);
    losses.push(Array.isArray(out) ? out[0] : out);
  }
  const fused = model.optimizer instanceof FusedAdamOptimizer;
  tf.dispose(batches.flatMap((b) => [b.x, b.y]));
  model.optimizer.dispose();
  model.dispose();
  return { losses, fused };
}

Deno.test({
  name: "webgpu: the tiny CNN trained with the fused Adam has cpu's losses",
  ignore: !gpu.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const seed = 13;
    await selectBackend("cpu");
    const weights = await tinyInitialWeights(seed);
    const cpu = await tinyAdamLosses(weights, seed);
    await selectBackend("webgpu");
    const webgpu = await tinyAdamLosses(weights, seed);
    await selectBackend("cpu");
    if (cpu.fused || !webgpu.fused) {
      throw new Error(
        "expected tf.train.adam on cpu, the fused Adam on webgpu",
      );
    }
    if (cpu.losses[0] === cpu.losses.at(-1)) {
      throw new Error("cpu loss did not move");
    }
    const error = relativeError(
      Float32Array.from(webgpu.losses),
      Float32Array.from(cpu.losses),
    );
    if (!(error < 1e-4)) {
      throw new Error(
        `losses differ (relative error ${error}): cpu ${cpu.losses}, webgpu ${webgpu.losses}`,
      );
    }
  },
});
