/**
 * Puts PyTorch beside TensorFlow.js in one `deno task bench --torch` run:
 * `tasks/bench/torch_bench.py` measures the same primary CNN the same way, on the
 * GPU when the TF.js backend is `webgpu`, else on the CPU, and the ratio of
 * the two throughputs is reported per phase. PyTorch is context only; the
 * workspace does not depend on it.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  compareWithReference,
  measurementArgs,
  type MeasurementSettings,
  type ModelThroughput,
  parseReferenceOutput,
  type ReferenceComparison,
  type ReferenceResult,
  runReferenceScript,
} from "./reference_bench.ts";

/** One PyTorch measurement, as `tasks/bench/torch_bench.py` prints it. */
export type TorchResult = ReferenceResult;

/** Parses the JSON lines of `tasks/bench/torch_bench.py`. */
export function parseTorchOutput(text: string): TorchResult[] {
  return parseReferenceOutput(text);
}

/** Pairs TF.js and PyTorch results by network, phase and batch size. */
export function compareWithTorch(
  tfjs: ModelThroughput[],
  torch: TorchResult[],
): ReferenceComparison[] {
  return compareWithReference(tfjs, torch);
}

/** How `tasks/bench/torch_bench.py` is run. */
export interface TorchRunOptions extends MeasurementSettings {
  device: "cpu" | "cuda";
  /** Python interpreter (default `python3`). */
  python?: string;
}

/**
 * Runs `tasks/bench/torch_bench.py` (the primary CNN) and returns its
 * results; a missing Python or PyTorch is an error that says what to install.
 */
export async function runTorchBench(
  options: TorchRunOptions,
): Promise<TorchResult[]> {
  const stdout = await runReferenceScript({
    python: options.python ?? "python3",
    script: fileURLToPath(
      new URL("../../tasks/bench/torch_bench.py", import.meta.url),
    ),
    args: [
      "--device",
      options.device,
      ...measurementArgs(options),
    ],
    flag: "--torch",
    installHint: "install Python 3 with PyTorch (Debian: python3-torch)",
    explain: (stderr) =>
      /No module named 'torch'/.test(stderr)
        ? "PyTorch is not installed for this Python (Debian: apt-get install python3-torch)"
        : undefined,
  });
  return parseTorchOutput(stdout);
}
