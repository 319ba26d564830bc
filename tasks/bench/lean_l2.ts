/**
 * `deno task bench:l2 [--backend B] [--batches 8] [--rounds 2]`: training
 * time per batch and peak memory of the primary search's widest trial
 * (study CNN `dense-dropout`, 3x3 kernels, 128 filters, dense 512, L2 1e-4,
 * batch 32, 120x90x3 inputs) with each L2 penalty: `tf.regularizers.l2`
 * (`tfjs`) and `leanL2` (`lean`). Each measurement runs in a fresh process,
 * so its peak resident set (`VmHWM`, Linux) is its own; the two alternate
 * for `--rounds` rounds.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { fileURLToPath } from "node:url";
import { resolveBackendRequest, selectBackend } from "../../lib/backend.ts";
import { compileClassifier } from "../../lib/train/compile.ts";
import { peakResidentBytes } from "../../lib/notebooks/peak_memory.ts";
import { buildStudyCnn } from "../../lib/models/study_cnn.ts";
import { TaskArgs } from "../args.ts";

const cli = new TaskArgs(
  "bench:l2",
  "usage: deno task bench:l2 [--backend NAME] [--batches 8] [--rounds 2] [--measure lean|tfjs]",
);
const { values } = cli.parse({
  options: {
    backend: { type: "string" },
    batches: { type: "string", default: "8" },
    rounds: { type: "string", default: "2" },
    measure: { type: "string" },
  },
});
const batches = cli.positiveInt("batches", values.batches);
const rounds = cli.positiveInt("rounds", values.rounds);
const measureOnly = cli.oneOf("measure", values.measure, ["lean", "tfjs"]);
cli.check(() => resolveBackendRequest(values.backend));

/** One measurement in this process: ms per batch after two warm-up batches, and peak RSS. */
async function measure(penalty: "lean" | "tfjs"): Promise<void> {
  const backend = await selectBackend(values.backend);
  const model = buildStudyCnn({
    architecture: "dense-dropout",
    kernelSize: 3,
    filters: 128,
    denseSize: 512,
    l2: 1e-4,
    dropout: 0.4,
    classes: 3,
    seed: 42,
    l2Penalty: penalty,
  });
  compileClassifier(model, { learningRate: 1e-4 });
  const x = tf.randomUniform([32, 120, 90, 3], 0, 1, "float32", 1);
  const y = tf.oneHot(
    tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 3), "int32"),
    3,
  );
  for (let i = 0; i < 2; i++) await model.trainOnBatch(x, y);
  const started = performance.now();
  for (let i = 0; i < batches; i++) await model.trainOnBatch(x, y);
  const msPerBatch = (performance.now() - started) / batches;
  const peak = peakResidentBytes(Deno.pid);
  console.log(JSON.stringify({
    penalty,
    backend: backend.name,
    msPerBatch: Math.round(msPerBatch),
    peakGB: peak === null ? null : Number((peak / 1e9).toFixed(2)),
  }));
}

if (measureOnly) {
  await measure(measureOnly);
} else {
  const self = fileURLToPath(import.meta.url);
  for (let round = 0; round < rounds; round++) {
    for (const penalty of ["tfjs", "lean"]) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          self,
          "--measure",
          penalty,
          "--batches",
          String(batches),
          ...(values.backend ? ["--backend", values.backend] : []),
        ],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
      if (!out.success) {
        console.error(`bench:l2: the ${penalty} measurement failed`);
        Deno.exit(1);
      }
      const row = JSON.parse(lines.at(-1)!);
      console.log(
        `${
          penalty.padEnd(5)
        } ${row.backend}: ${row.msPerBatch} ms/batch, peak ${
          row.peakGB ?? "?"
        } GB`,
      );
    }
  }
}
