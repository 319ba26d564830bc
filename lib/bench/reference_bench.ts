/**
 * Reference frameworks beside TensorFlow.js in one `deno task bench` run:
 * a Python script (`tasks/bench/torch_bench.py`, `tasks/bench/keras_bench.py`)
 * measures the same networks the same way and prints one JSON line per
 * network and phase; this module runs it, reads those lines and pairs them
 * with the TF.js results, with the ratio per phase.
 *
 * @module
 */
import type { ThroughputResult } from "./throughput.ts";

/** One reference measurement, as the Python scripts print it. */
export interface ReferenceResult {
  /** Network name (`primary-cnn` when absent). */
  model?: string;
  /** Framework and version, e.g. `keras-3.15.1`. */
  backend: string;
  /** Where it ran, e.g. `CPU (2 threads), TensorFlow 2.18.1`. */
  device: string;
  phase: "train" | "predict";
  batchSize: number;
  imagesPerSecond: number;
}

/** A TF.js measurement of one network. */
export type ModelThroughput = ThroughputResult & {
  /** Network name (`primary-cnn` when absent). */
  model?: string;
};

/** TF.js beside a reference for one network and phase. */
export interface ReferenceComparison {
  model: string;
  phase: "train" | "predict";
  batchSize: number;
  tfjsImagesPerSecond: number;
  referenceImagesPerSecond: number;
  /** TF.js throughput as a fraction of the reference's. */
  ratio: number;
  /** The reference, e.g. `keras-3.15.1 on CPU (2 threads), TensorFlow 2.18.1`. */
  reference: string;
}

/** Parses the JSON lines of a reference script (other lines are ignored). */
export function parseReferenceOutput<T = ReferenceResult>(text: string): T[] {
  return text.split("\n").filter((line) => line.trim().startsWith("{")).map(
    (line) => JSON.parse(line) as T,
  );
}

/** Pairs TF.js and reference results by network, phase and batch size. */
export function compareWithReference(
  tfjs: ModelThroughput[],
  reference: ReferenceResult[],
): ReferenceComparison[] {
  return tfjs.flatMap((t) => {
    const model = t.model ?? "primary-cnn";
    const match = reference.find((r) =>
      (r.model ?? "primary-cnn") === model && r.phase === t.phase &&
      r.batchSize === t.batchSize
    );
    return match
      ? [{
        model,
        phase: t.phase,
        batchSize: t.batchSize,
        tfjsImagesPerSecond: t.imagesPerSecond,
        referenceImagesPerSecond: match.imagesPerSecond,
        ratio: t.imagesPerSecond / match.imagesPerSecond,
        reference: `${match.backend} on ${match.device}`,
      }]
      : [];
  });
}

/** How a reference measures: the same settings the TF.js side used. */
export interface MeasurementSettings {
  batch: number;
  predictBatch: number;
  minSeconds: number;
  minBatches: number;
  warmup: number;
}

/** The reference scripts' command-line flags for `settings`. */
export function measurementArgs(settings: MeasurementSettings): string[] {
  return [
    "--batch",
    String(settings.batch),
    "--predict-batch",
    String(settings.predictBatch),
    "--min-seconds",
    String(settings.minSeconds),
    "--min-batches",
    String(settings.minBatches),
    "--warmup",
    String(settings.warmup),
  ];
}

/** How a reference script is run. */
export interface ReferenceScript {
  /** Python interpreter. */
  python: string;
  /** The script's path. */
  script: string;
  /** Its arguments. */
  args: string[];
  /** The flag that asked for it, for messages (`--torch`). */
  flag: string;
  /** What to install when the interpreter cannot start. */
  installHint: string;
  /** A clearer message for a failure whose stderr it recognises. */
  explain?: (stderr: string) => string | undefined;
}

/**
 * Runs a reference script and returns its standard output; a missing
 * interpreter or a failed run is an error that says what to do.
 */
export async function runReferenceScript(
  reference: ReferenceScript,
): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(reference.python, {
      args: [reference.script, ...reference.args],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(
      `${reference.flag}: cannot run ${reference.python} (${
        (error as Error).message
      }); ${reference.installHint}`,
    );
  }
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) {
    const hint = reference.explain?.(stderr) ??
      stderr.trim().split("\n").slice(-5).join("\n");
    throw new Error(`${reference.flag}: ${reference.script} failed: ${hint}`);
  }
  return new TextDecoder().decode(output.stdout);
}

/** What identifies a measurement across rounds: network, phase, batch size. */
export type MeasurementKey = {
  model?: string;
  phase: "train" | "predict";
  batchSize: number;
};

/** A measurement in one round. */
type Measured = MeasurementKey & { imagesPerSecond: number };

function sameMeasurement(a: MeasurementKey, b: MeasurementKey): boolean {
  return (a.model ?? "primary-cnn") === (b.model ?? "primary-cnn") &&
    a.phase === b.phase && a.batchSize === b.batchSize;
}

/** The throughputs of `key` over the rounds, in round order. */
export function roundThroughputs<T extends Measured>(
  rounds: T[][],
  key: MeasurementKey,
): number[] {
  return rounds.flatMap((round) =>
    round.filter((m) => sameMeasurement(m, key)).map((m) => m.imagesPerSecond)
  );
}

/**
 * One result per network, phase and batch size of the first round, with the
 * median throughput over all rounds (the middle one of an odd count, the
 * mean of the two middle ones of an even count).
 */
export function medianThroughputs<T extends Measured>(rounds: T[][]): T[] {
  return (rounds[0] ?? []).map((first) => {
    const values = roundThroughputs(rounds, first).sort((a, b) => a - b);
    const mid = Math.floor(values.length / 2);
    const median = values.length % 2
      ? values[mid]
      : (values[mid - 1] + values[mid]) / 2;
    return { ...first, imagesPerSecond: median };
  });
}
