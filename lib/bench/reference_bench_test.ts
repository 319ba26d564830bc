import { ok as assert, rejects } from "node:assert/strict";
import {
  compareWithReference,
  medianThroughputs,
  runReferenceScript,
} from "./reference_bench.ts";

const measured = (model: string, phase: "train" | "predict", ips: number) => ({
  model,
  phase,
  batchSize: phase === "train" ? 32 : 256,
  images: 1,
  seconds: 1,
  imagesPerSecond: ips,
  peakRssMiB: 1,
});

Deno.test("medians over rounds, per network and phase (odd and even counts)", () => {
  const rounds = [
    [measured("a", "train", 10), measured("b", "train", 1)],
    [measured("a", "train", 30), measured("b", "train", 3)],
    [measured("a", "train", 20), measured("b", "train", 100)],
  ];
  const three = medianThroughputs(rounds);
  assert(three.length === 2);
  assert(three[0].model === "a" && three[0].imagesPerSecond === 20);
  assert(three[1].model === "b" && three[1].imagesPerSecond === 3);
  const two = medianThroughputs(rounds.slice(0, 2));
  assert(two[0].imagesPerSecond === 20 && two[1].imagesPerSecond === 2);
});

Deno.test("references pair by network, phase and batch size", () => {
  const tfjs = [measured("a", "train", 50), measured("b", "train", 10)];
  const reference = [
    {
      model: "b",
      backend: "keras-3",
      device: "CPU",
      phase: "train" as const,
      batchSize: 32,
      imagesPerSecond: 20,
    },
    {
      model: "a",
      backend: "keras-3",
      device: "CPU",
      phase: "predict" as const,
      batchSize: 256,
      imagesPerSecond: 1,
    },
  ];
  const pairs = compareWithReference(tfjs, reference);
  assert(pairs.length === 1, JSON.stringify(pairs));
  assert(pairs[0].model === "b" && pairs[0].ratio === 0.5);
  assert(pairs[0].reference === "keras-3 on CPU");
});

Deno.test("a failing reference script says which flag and what failed", async () => {
  await rejects(
    runReferenceScript({
      python: "python3",
      script: "-c",
      args: ["import sys; sys.stderr.write('no keras here'); sys.exit(3)"],
      flag: "--keras",
      installHint: "install it",
    }),
    /--keras: -c failed: no keras here/,
  );
});
