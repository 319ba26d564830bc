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
import type { ThroughputResult } from "./throughput.ts";

/** One PyTorch measurement, as `tasks/bench/torch_bench.py` prints it. */
export interface TorchResult {
  backend: string;
  device: string;
  phase: "train" | "predict";
  batchSize: number;
  imagesPerSecond: number;
}

/** TF.js beside PyTorch for one phase. */
export interface TorchComparison {
  phase: "train" | "predict";
  batchSize: number;
  tfjsImagesPerSecond: number;
  torchImagesPerSecond: number;
  /** TF.js throughput as a fraction of PyTorch's. */
  ratio: number;
  torch: string;
}

/** Parses the JSON lines of `tasks/bench/torch_bench.py`. */
export function parseTorchOutput(text: string): TorchResult[] {
  return text.split("\n").filter((line) => line.trim().startsWith("{")).map(
    (line) => JSON.parse(line) as TorchResult,
  );
}

/** Pairs TF.js and PyTorch results by phase and batch size. */
export function compareWithTorch(
  tfjs: ThroughputResult[],
  torch: TorchResult[],
): TorchComparison[] {
  return tfjs.flatMap((t) => {
    const match = torch.find((p) =>
      p.phase === t.phase && p.batchSize === t.batchSize
    );
    return match
      ? [{
        phase: t.phase,
        batchSize: t.batchSize,
        tfjsImagesPerSecond: t.imagesPerSecond,
        torchImagesPerSecond: match.imagesPerSecond,
        ratio: t.imagesPerSecond / match.imagesPerSecond,
        torch: `${match.backend} on ${match.device}`,
      }]
      : [];
  });
}

/** How `tasks/bench/torch_bench.py` is run. */
export interface TorchRunOptions {
  device: "cpu" | "cuda";
  batch: number;
  predictBatch: number;
  minSeconds: number;
  minBatches: number;
  warmup: number;
  /** Python interpreter (default `python3`). */
  python?: string;
}

/**
 * Runs `tasks/bench/torch_bench.py` and returns its results; a missing Python or
 * PyTorch is an error that says what to install.
 */
export async function runTorchBench(
  options: TorchRunOptions,
): Promise<TorchResult[]> {
  const script = fileURLToPath(
    new URL("../../tasks/bench/torch_bench.py", import.meta.url),
  );
  const python = options.python ?? "python3";
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(python, {
      args: [
        script,
        "--device",
        options.device,
        "--batch",
        String(options.batch),
        "--predict-batch",
        String(options.predictBatch),
        "--min-seconds",
        String(options.minSeconds),
        "--min-batches",
        String(options.minBatches),
        "--warmup",
        String(options.warmup),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(
      `--torch: cannot run ${python} (${
        (error as Error).message
      }); install Python 3 with PyTorch (Debian: python3-torch)`,
    );
  }
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) {
    const hint = /No module named 'torch'/.test(stderr)
      ? "PyTorch is not installed for this Python (Debian: apt-get install python3-torch)"
      : stderr.trim().split("\n").slice(-5).join("\n");
    throw new Error(`--torch: ${script} failed: ${hint}`);
  }
  return parseTorchOutput(new TextDecoder().decode(output.stdout));
}
