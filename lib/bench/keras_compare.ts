/**
 * Puts Keras beside TensorFlow.js in one `deno task bench --keras` run, and
 * TensorFlow's own per-op profile of the Keras training step beside the
 * workspace's in `deno task profile --keras`: `tasks/bench/keras_bench.py`
 * builds the same networks ({@link BENCH_MODELS}, passed as JSON) in Keras 3
 * on the same TensorFlow library and measures them the same way.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { BENCH_MODELS, type BenchModelName } from "./bench_models.ts";
import {
  measurementArgs,
  type MeasurementSettings,
  parseReferenceOutput,
  type ReferenceResult,
  runReferenceScript,
} from "./reference_bench.ts";

/** One Keras measurement; `jitCompile` says whether Keras compiled the step with XLA. */
export type KerasResult = ReferenceResult & { jitCompile: boolean };

/** One TensorFlow op type in the profile of a Keras training step. */
export interface KerasOpTime {
  model: string;
  /** TensorFlow op type, e.g. `_MklNativeConv2DBackpropFilterWithBias`. */
  op: string;
  calls: number;
  totalMs: number;
  /** Wall time of the profiled step. */
  stepWallMs: number;
}

/** How `tasks/bench/keras_bench.py` is run. */
export interface KerasRunOptions extends MeasurementSettings {
  /** The Keras environment's Python (`prepareKerasEnv`). */
  python: string;
  models: BenchModelName[];
  phase?: "train" | "predict";
}

const SCRIPT = fileURLToPath(
  new URL("../../tasks/bench/keras_bench.py", import.meta.url),
);

function modelsJson(models: BenchModelName[]): string {
  return JSON.stringify(
    Object.fromEntries(models.map((name) => [name, BENCH_MODELS[name]])),
  );
}

function script(python: string, args: string[]) {
  return {
    python,
    script: SCRIPT,
    args,
    flag: "--keras",
    installHint: "run with --keras again to make its Python environment",
  };
}

/** Measures `models` in Keras; one result per network and phase. */
export async function runKerasBench(
  options: KerasRunOptions,
): Promise<KerasResult[]> {
  const stdout = await runReferenceScript(script(options.python, [
    "--models",
    modelsJson(options.models),
    ...measurementArgs(options),
    ...(options.phase ? ["--phase", options.phase] : []),
  ]));
  return parseReferenceOutput<KerasResult>(stdout);
}

/** TensorFlow's profile of one Keras training step of each of `models`, by op type. */
export async function runKerasOpProfile(
  python: string,
  models: BenchModelName[],
  batch: number,
): Promise<KerasOpTime[]> {
  const stdout = await runReferenceScript(script(python, [
    "--models",
    modelsJson(models),
    "--batch",
    String(batch),
    "--profile-step",
  ]));
  return parseReferenceOutput<KerasOpTime>(stdout);
}
