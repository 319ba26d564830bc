import { ok as assert, rejects } from "node:assert/strict";
import {
  compareWithTorch,
  parseTorchOutput,
  runTorchBench,
} from "./torch_compare.ts";

const torchOutput = [
  '{"model": "primary-cnn", "backend": "pytorch-2.11.0", "device": "NVIDIA H100", "phase": "train", "batchSize": 32, "images": 100, "seconds": 1, "imagesPerSecond": 16000.0, "peakRssMiB": 1}',
  '{"model": "primary-cnn", "backend": "pytorch-2.11.0", "device": "NVIDIA H100", "phase": "predict", "batchSize": 256, "images": 100, "seconds": 1, "imagesPerSecond": 80000.0, "peakRssMiB": 1}',
  "",
].join("\n");

Deno.test("PyTorch results pair with TF.js results by phase and batch size, with the ratio", () => {
  const torch = parseTorchOutput(torchOutput);
  assert(torch.length === 2);
  const tfjs = [
    {
      phase: "train" as const,
      batchSize: 32,
      images: 1,
      seconds: 1,
      imagesPerSecond: 4000,
      peakRssMiB: 1,
    },
    {
      phase: "predict" as const,
      batchSize: 128,
      images: 1,
      seconds: 1,
      imagesPerSecond: 8000,
      peakRssMiB: 1,
    },
  ];
  const pairs = compareWithTorch(tfjs, torch);
  // The predict batch sizes differ, so only training is compared.
  assert(pairs.length === 1, JSON.stringify(pairs));
  assert(pairs[0].phase === "train" && Math.abs(pairs[0].ratio - 0.25) < 1e-12);
  assert(pairs[0].reference === "pytorch-2.11.0 on NVIDIA H100");
});

Deno.test("a missing interpreter is an error that says what to install", async () => {
  await rejects(
    runTorchBench({
      device: "cpu",
      batch: 2,
      predictBatch: 2,
      minSeconds: 0,
      minBatches: 1,
      warmup: 0,
      python: "python3-that-does-not-exist",
    }),
    /install Python 3 with PyTorch/,
  );
});
