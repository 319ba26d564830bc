import * as tf from "@tensorflow/tfjs";
import { probeGpuAdapter, selectBackend } from "../../backend.ts";
import { isWorkspaceWebgpuKernel, selectedWebgpuKernels } from "./mod.ts";
import {
  PARITY_CASES,
  relativeError,
  runParityChecks,
} from "../../testing/webgpu_parity.ts";
import {
  filterGradientSplit,
  gemmDispatch,
  gemmSource,
  TILE_K,
} from "./conv_gemm.ts";

const gpu = await probeGpuAdapter();
const why = gpu.ok ? "" : `webgpu kernel tests skipped: ${gpu.reason}`;
if (!gpu.ok) console.log(why);

Deno.test("filterGradientSplit covers K in chunks of whole tiles", () => {
  for (const batch of [1, 2, 32, 128]) {
    const g = {
      batch,
      inHeight: 59,
      inWidth: 44,
      inChannels: 64,
      outHeight: 57,
      outWidth: 42,
      outChannels: 64,
      filterHeight: 3,
      filterWidth: 3,
      strideHeight: 1,
      strideWidth: 1,
      dilationHeight: 1,
      dilationWidth: 1,
      padTop: 0,
      padLeft: 0,
    };
    const k = batch * 57 * 42;
    const { kChunk, splits } = filterGradientSplit(g);
    if (kChunk % TILE_K !== 0) throw new Error(`chunk ${kChunk}`);
    if (splits * kChunk < k || (splits - 1) * kChunk >= k) {
      throw new Error(`splits ${splits} x ${kChunk} vs K ${k}`);
    }
  }
});

Deno.test("gemm dispatch stays inside WebGPU's per-dimension limit", () => {
  const spec = {
    m: 512 * 118 * 88,
    n: 64,
    k: 27,
    kChunk: 32,
    loadA: "return 0.0;",
    loadB: "return 0.0;",
    aRowsAdjacent: false,
    bColsAdjacent: true,
  };
  const [x, y, z] = gemmDispatch(spec);
  if (x > 65535 || y > 65535 || z !== 1) throw new Error(`${[x, y, z]}`);
  if (x * y * 64 < spec.m) throw new Error("too few workgroups");
  if (!gemmSource(spec).includes("_ = uniforms.NAN")) {
    throw new Error("the uniform binding must stay referenced");
  }
});

Deno.test("relativeError", () => {
  const e = Float32Array.of(1, -2, 4);
  if (relativeError(e, e) !== 0) throw new Error("equal arrays");
  if (relativeError(Float32Array.of(1, -2, 4.4), e) < 0.099) {
    throw new Error("missed a difference");
  }
  if (relativeError(Float32Array.of(1, NaN, 4), e) !== Infinity) {
    throw new Error("missed a NaN");
  }
});

Deno.test({
  name:
    "webgpu Conv2D / Conv2DBackpropInput / Conv2DBackpropFilter: registered, equal to cpu (rel. error < 1e-4)",
  ignore: !gpu.ok,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await selectBackend("webgpu");
    for (const name of selectedWebgpuKernels()) {
      if (!isWorkspaceWebgpuKernel(name)) {
        throw new Error(`the workspace's ${name} is not the webgpu kernel`);
      }
    }
    if (tf.getBackend() !== "webgpu") throw new Error("webgpu not active");
    const results = await runParityChecks(PARITY_CASES);
    for (const r of results) {
      for (const e of [r.forward, r.inputGradient, r.filterGradient]) {
        if (e !== null && !(e < 1e-4)) {
          throw new Error(`${JSON.stringify(r)}`);
        }
      }
    }
  },
});
