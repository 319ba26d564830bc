/**
 * Convolutions as tiled matrix products on the WebGPU backend, without
 * materialising an im2col matrix.
 *
 * One WGSL template, {@linkcode gemmSource}, multiplies an `M x K` matrix `A`
 * by a `K x N` matrix `B` in 64 x 64 (or smaller) workgroup tiles staged
 * through workgroup memory, 16 reduction steps at a time. `A` and `B` are not
 * buffers but WGSL functions that gather their elements straight from the
 * NHWC tensors, so the three convolution products need no copies:
 *
 * | product                | M              | N     | K              | A            | B      |
 * | ---------------------- | -------------- | ----- | -------------- | ------------ | ------ |
 * | forward `Conv2D`       | B·OH·OW        | Cout  | KH·KW·Cin      | x patches    | filter |
 * | `Conv2DBackpropInput`  | B·H·W          | Cin   | KH·KW·Cout     | dy (gathered)| filterᵀ|
 * | `Conv2DBackpropFilter` | KH·KW·Cin      | Cout  | B·OH·OW        | x patchesᵀ   | dy     |
 *
 * The filter gradient's reduction (`K` = 332,288 for the primary CNN's first
 * layer at batch 32) is split over many workgroups ("split-K"); each writes
 * a partial `M x N` product and one more small dispatch sums them. All shape
 * constants are baked into the shader source (one compiled pipeline per
 * convolution shape), so the index arithmetic divides by constants.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { ConvGeometry } from "../conv_geometry.ts";

/** Threads per workgroup of every program here (16 x 16). */
export const WORKGROUP_THREADS = 256;
/** Reduction steps staged per workgroup-memory tile. */
export const TILE_K = 16;
/** Most workgroups in one dispatch dimension used here. */
const MAX_GROUPS_X = 32768;

/** A tile edge for a matrix side of `size`: 16, 32 or 64. */
export function tileEdge(size: number): 16 | 32 | 64 {
  return size <= 16 ? 16 : size <= 32 ? 32 : 64;
}

/** What one matrix product computes; see {@linkcode gemmSource}. */
export interface GemmSpec {
  /** Rows of the product. */
  m: number;
  /** Columns of the product. */
  n: number;
  /** Reduction length. */
  k: number;
  /** Reduction steps per workgroup (a multiple of {@linkcode TILE_K}); `k` when not split. */
  kChunk: number;
  /**
   * WGSL body of `fn loadA(row: i32, red: i32) -> f32`, called only with
   * `row < M` and `red < K`.
   */
  loadA: string;
  /** WGSL body of `fn loadB(red: i32, col: i32) -> f32`, likewise in range. */
  loadB: string;
  /** Whether consecutive rows of `A` are adjacent in memory (else consecutive reduction steps are). */
  aRowsAdjacent: boolean;
  /** Whether consecutive columns of `B` are adjacent in memory (else consecutive reduction steps are). */
  bColsAdjacent: boolean;
}

/** Workgroup grid of a {@linkcode GemmSpec}: `[x, y, splits]`. */
export function gemmDispatch(spec: GemmSpec): [number, number, number] {
  const tiles = Math.ceil(spec.m / tileEdge(spec.m)) *
    Math.ceil(spec.n / tileEdge(spec.n));
  const splits = Math.ceil(spec.k / spec.kChunk);
  return [
    Math.min(tiles, MAX_GROUPS_X),
    Math.ceil(tiles / MAX_GROUPS_X),
    splits,
  ];
}

/**
 * WGSL of a tiled product `result[split, row, col] = Σ_red A[row, red] ·
 * B[red, col]` over the split's reduction range, written row-major as
 * `split·M·N + row·N + col`. `main` is the backend's entry point.
 */
export function gemmSource(spec: GemmSpec): string {
  const tm = tileEdge(spec.m);
  const tn = tileEdge(spec.n);
  const rm = tm / 16;
  const rn = tn / 16;
  const tilesN = Math.ceil(spec.n / tn);
  const tiles = Math.ceil(spec.m / tm) * tilesN;
  const aPerThread = (TILE_K * tm) / WORKGROUP_THREADS;
  const bPerThread = (TILE_K * tn) / WORKGROUP_THREADS;
  const aIndex = (e: number) =>
    spec.aRowsAdjacent
      ? [`${e % tm} + t % ${tm}`, `${Math.floor(e / tm)} + t / ${tm}`]
      : [
        `${Math.floor(e / TILE_K)} + t / ${TILE_K}`,
        `${e % TILE_K} + t % ${TILE_K}`,
      ];
  const bIndex = (e: number) =>
    spec.bColsAdjacent
      ? [`${Math.floor(e / tn)} + t / ${tn}`, `${e % tn} + t % ${tn}`]
      : [
        `${e % TILE_K} + t % ${TILE_K}`,
        `${Math.floor(e / TILE_K)} + t / ${TILE_K}`,
      ];
  // Everything per thread is unrolled into scalars so that the accumulators
  // stay in registers (dynamically indexed arrays would live in memory).
  const lines: string[] = [];
  for (let j = 0; j < aPerThread; j++) {
    const [r, q] = aIndex(j * WORKGROUP_THREADS);
    lines.push(`{
        let r = ${r}; let q = ${q};
        let row = row0 + r; let red = k0 + q;
        var v = 0.0;
        if (live && row < GM && red < kEnd) { v = loadA(row, red); }
        tileA[q * ${tm} + r] = v;
      }`);
  }
  for (let j = 0; j < bPerThread; j++) {
    const [q, c] = bIndex(j * WORKGROUP_THREADS);
    lines.push(`{
        let q = ${q}; let c = ${c};
        let col = col0 + c; let red = k0 + q;
        var v = 0.0;
        if (live && col < GN && red < kEnd) { v = loadB(red, col); }
        tileB[q * ${tn} + c] = v;
      }`);
  }
  const loads = lines.join("\n      ");
  const accs: string[] = [];
  const fmas: string[] = [];
  const writes: string[] = [];
  for (let i = 0; i < rm; i++) {
    fmas.push(`let a${i} = tileA[q * ${tm} + ty + ${16 * i}];`);
  }
  for (let j = 0; j < rn; j++) {
    fmas.push(`let b${j} = tileB[q * ${tn} + tx + ${16 * j}];`);
  }
  for (let i = 0; i < rm; i++) {
    for (let j = 0; j < rn; j++) {
      accs.push(`var acc${i}_${j} = 0.0;`);
      fmas.push(`acc${i}_${j} = fma(a${i}, b${j}, acc${i}_${j});`);
      writes.push(`{
      let row = row0 + ty + ${16 * i}; let col = col0 + tx + ${16 * j};
      if (row < GM && col < GN) {
        result[split * GM * GN + row * GN + col] = acc${i}_${j};
      }
    }`);
    }
  }
  return `
  const GM = ${spec.m};
  const GN = ${spec.n};
  const GK = ${spec.k};
  const KCHUNK = ${spec.kChunk};
  var<workgroup> tileA : array<f32, ${TILE_K * tm}>;
  var<workgroup> tileB : array<f32, ${TILE_K * tn}>;

  fn loadA(row : i32, red : i32) -> f32 {
    ${spec.loadA}
  }
  fn loadB(red : i32, col : i32) -> f32 {
    ${spec.loadB}
  }

  fn main(index : i32) {
    // Shapes are constants here; this keeps the backend's uniform binding
    // in the pipeline layout it binds against.
    _ = uniforms.NAN;
    let t = i32(localIndex);
    let tx = t % 16;
    let ty = t / 16;
    let tile = i32(workgroupId.y) * ${MAX_GROUPS_X} + i32(workgroupId.x);
    let live = tile < ${tiles};
    let row0 = (tile / ${tilesN}) * ${tm};
    let col0 = (tile % ${tilesN}) * ${tn};
    let split = i32(workgroupId.z);
    let kStart = split * KCHUNK;
    let kEnd = min(kStart + KCHUNK, GK);
    ${accs.join(" ")}
    // A constant trip count keeps the barriers in uniform control flow.
    for (var step = 0; step < ${spec.kChunk / TILE_K}; step++) {
      let k0 = kStart + step * ${TILE_K};
      ${loads}
      workgroupBarrier();
      for (var q = 0; q < ${TILE_K}; q++) {
        ${fmas.join("\n        ")}
      }
      workgroupBarrier();
    }
    if (!live) { return; }
    ${writes.join("\n    ")}
  }`;
}

/** A program object in the shape `WebGPUBackend.runWebGPUProgram` expects. */
export interface WebgpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  /** Uniform declarations, when the program takes uniforms. */
  uniforms?: string;
  getUserCode(): string;
}

/**
 * A matrix-product program. Shape constants live in the source, so
 * `shaderKey` names all of them.
 */
export type GemmProgram = WebgpuProgram;

function program(
  name: string,
  variableNames: string[],
  outputShape: number[],
  spec: GemmSpec,
): GemmProgram {
  const source = gemmSource(spec);
  return {
    variableNames,
    outputShape,
    shaderKey: `${name}_${spec.m}_${spec.n}_${spec.k}_${spec.kChunk}_${
      hash(source)
    }`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: gemmDispatch(spec),
    workgroupSize: [WORKGROUP_THREADS, 1, 1],
    size: false,
    getUserCode: () => source,
  };
}

/** A short stable hash of a shader source, for cache keys. */
function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  }
  return (h >>> 0).toString(36);
}

/**
 * WGSL lines splitting the flat index `index` of a `[*, midSize, innerSize]`
 * grid into `let` bindings `[outer, mid, inner]`, via the intermediate
 * `let rest = index / innerSize`.
 */
function unflatten(
  index: string,
  rest: string,
  [outer, mid, inner]: [string, string, string],
  midSize: number,
  innerSize: number,
): string {
  return `let ${inner} = ${index} % ${innerSize};
    let ${rest} = ${index} / ${innerSize};
    let ${mid} = ${rest} % ${midSize};
    let ${outer} = ${rest} / ${midSize};`;
}

/**
 * WGSL lines returning `x[b, oh·sh + kh·dh − pt, ow·sw + kw·dw − pl, ci]`,
 * or zero in the padding, from bound `b`, `oh`, `ow`, `kh`, `kw` and `ci`.
 */
function gatherInput(g: ConvGeometry): string {
  return `let ih = oh * ${g.strideHeight} + kh * ${g.dilationHeight} - ${g.padTop};
    let iw = ow * ${g.strideWidth} + kw * ${g.dilationWidth} - ${g.padLeft};
    if (ih < 0 || ih >= ${g.inHeight} || iw < 0 || iw >= ${g.inWidth}) { return 0.0; }
    return x[((b * ${g.inHeight} + ih) * ${g.inWidth} + iw) * ${g.inChannels} + ci];`;
}

/** Workgroups the split-K filter gradient aims for (several per SM on large GPUs). */
export const FILTER_GRADIENT_TARGET_GROUPS = 1024;

/**
 * How the filter gradient's reduction `K = B·OH·OW` is split: a chunk length
 * (a multiple of {@linkcode TILE_K}, at least 256 steps) and the number of
 * chunks, aiming at {@linkcode FILTER_GRADIENT_TARGET_GROUPS} workgroups.
 */
export function filterGradientSplit(
  g: ConvGeometry,
): { kChunk: number; splits: number } {
  const m = g.filterHeight * g.filterWidth * g.inChannels;
  const n = g.outChannels;
  const k = g.batch * g.outHeight * g.outWidth;
  const tiles = Math.ceil(m / tileEdge(m)) * Math.ceil(n / tileEdge(n));
  const wanted = Math.max(1, Math.ceil(FILTER_GRADIENT_TARGET_GROUPS / tiles));
  let kChunk = Math.ceil(k / wanted / TILE_K) * TILE_K;
  kChunk = Math.max(kChunk, Math.min(256, Math.ceil(k / TILE_K) * TILE_K));
  return { kChunk, splits: Math.ceil(k / kChunk) };
}

/**
 * Split-K partial products of the filter gradient: output
 * `[splits, KH·KW·Cin, Cout]`, inputs `x` (NHWC) and `dy` (NHWC).
 */
export function filterGradientProgram(g: ConvGeometry): GemmProgram {
  const m = g.filterHeight * g.filterWidth * g.inChannels;
  const n = g.outChannels;
  const k = g.batch * g.outHeight * g.outWidth;
  const { kChunk, splits } = filterGradientSplit(g);
  return program("convFilterGradPartial", ["x", "dy"], [splits, m, n], {
    m,
    n,
    k,
    kChunk,
    aRowsAdjacent: true,
    bColsAdjacent: true,
    // row = (kh, kw, ci), red = (b, oh, ow)
    loadA: `
    ${unflatten("row", "tap", ["kh", "kw", "ci"], g.filterWidth, g.inChannels)}
    ${unflatten("red", "rest", ["b", "oh", "ow"], g.outHeight, g.outWidth)}
    ${gatherInput(g)}`,
    loadB: `return dy[red * ${g.outChannels} + col];`,
  });
}

/** Sums `[splits, size]` partials over the first axis into `outputShape`. */
export function splitSumProgram(
  splits: number,
  outputShape: number[],
): GemmProgram {
  const size = outputShape.reduce((a, b) => a * b, 1);
  const source = `
  fn main(index : i32) {
    _ = uniforms.NAN;
    if (index >= ${size}) { return; }
    var s = 0.0;
    for (var i = 0; i < ${splits}; i++) { s += partial[i * ${size} + index]; }
    result[index] = s;
  }`;
  return {
    variableNames: ["partial"],
    outputShape,
    shaderKey: `convSplitSum_${splits}_${size}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(size / WORKGROUP_THREADS), 1, 1],
    workgroupSize: [WORKGROUP_THREADS, 1, 1],
    size: false,
    getUserCode: () => source,
  };
}

/**
 * A product with the reduction `k` not split, whose rows are the first three
 * axes of its `[B, H, W, C]` output and whose columns are the last.
 */
function unsplitProgram(
  name: string,
  variableNames: string[],
  outputShape: [number, number, number, number],
  k: number,
  loads: Omit<GemmSpec, "m" | "n" | "k" | "kChunk">,
): GemmProgram {
  const [batch, height, width, channels] = outputShape;
  return program(name, variableNames, outputShape, {
    m: batch * height * width,
    n: channels,
    k,
    kChunk: Math.ceil(k / TILE_K) * TILE_K,
    ...loads,
  });
}

/**
 * The input gradient as one product: output `[B, H, W, Cin]`, inputs `dy`
 * (NHWC) and the filter `[KH, KW, Cin, Cout]`.
 */
export function inputGradientProgram(g: ConvGeometry): GemmProgram {
  const strided = (axis: "h" | "w") => {
    const s = axis === "h" ? g.strideHeight : g.strideWidth;
    const v = axis === "h" ? "oh" : "ow";
    return s === 1
      ? `let ${v} = ${v}s;`
      : `if (${v}s % ${s} != 0) { return 0.0; }\n    let ${v} = ${v}s / ${s};`;
  };
  return unsplitProgram(
    "convInputGrad",
    ["dy", "W"],
    [g.batch, g.inHeight, g.inWidth, g.inChannels],
    g.filterHeight * g.filterWidth * g.outChannels,
    {
      aRowsAdjacent: false,
      bColsAdjacent: false,
      // row = (b, ih, iw), red = (kh, kw, co)
      loadA: `
    ${unflatten("row", "rest", ["b", "ih", "iw"], g.inHeight, g.inWidth)}
    ${unflatten("red", "tap", ["kh", "kw", "co"], g.filterWidth, g.outChannels)}
    let ohs = ih + ${g.padTop} - kh * ${g.dilationHeight};
    let ows = iw + ${g.padLeft} - kw * ${g.dilationWidth};
    if (ohs < 0 || ows < 0) { return 0.0; }
    ${strided("h")}
    ${strided("w")}
    if (oh >= ${g.outHeight} || ow >= ${g.outWidth}) { return 0.0; }
    return dy[((b * ${g.outHeight} + oh) * ${g.outWidth} + ow) * ${g.outChannels} + co];`,
      // W[kh, kw, col, co]
      loadB: `
    let co = red % ${g.outChannels};
    let tap = red / ${g.outChannels};
    return W[(tap * ${g.inChannels} + col) * ${g.outChannels} + co];`,
    },
  );
}

/**
 * The forward convolution as one product: output `[B, OH, OW, Cout]`,
 * inputs `x` (NHWC) and the filter `[KH, KW, Cin, Cout]`.
 */
export function forwardProgram(g: ConvGeometry): GemmProgram {
  return unsplitProgram(
    "convForward",
    ["x", "W"],
    [g.batch, g.outHeight, g.outWidth, g.outChannels],
    g.filterHeight * g.filterWidth * g.inChannels,
    {
      aRowsAdjacent: false,
      bColsAdjacent: true,
      // row = (b, oh, ow), red = (kh, kw, ci)
      loadA: `
    ${unflatten("row", "rest", ["b", "oh", "ow"], g.outHeight, g.outWidth)}
    ${unflatten("red", "tap", ["kh", "kw", "ci"], g.filterWidth, g.inChannels)}
    ${gatherInput(g)}`,
      loadB: `return W[red * ${g.outChannels} + col];`,
    },
  );
}

/** What the programs here need from the WebGPU backend. */
export interface WebgpuBackendLike {
  runWebGPUProgram(
    program: GemmProgram,
    inputs: tf.TensorInfo[],
    outputDtype: "float32",
  ): tf.TensorInfo;
  disposeData(dataId: tf.DataId): void;
}
