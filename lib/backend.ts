/**
 * Choosing and preparing the TensorFlow.js compute backend.
 *
 * One call, {@linkcode selectBackend}, picks a backend by name (or from the
 * `TFJS_BACKEND` environment variable), initialises it and makes it the
 * active one. Notebooks and tasks never call `tf.setBackend` themselves, so
 * the same code runs on a laptop CPU, in CI and on a GPU machine.
 *
 * | name         | engine                                   | notes                                   |
 * | ------------ | ---------------------------------------- | --------------------------------------- |
 * | `tensorflow` | native TensorFlow via `@tensorflow/tfjs-node` | fastest CPU path; needs `deno task setup` to build the addon |
 * | `webgpu`     | `@tensorflow/tfjs-backend-webgpu` on Deno's WebGPU | any Vulkan / Metal / D3D12 GPU      |
 * | `wasm`       | `@tensorflow/tfjs-backend-wasm` (XNNPACK) + this workspace's training kernels | portable CPU path |
 * | `cpu`        | `@tensorflow/tfjs-backend-cpu` (plain JS) | the reference for correctness; slow     |
 *
 * `auto` tries them in that order and takes the first that works; `webgpu`
 * counts for `auto` only with a real (non-fallback) GPU adapter.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import webgpuPackage from "@tensorflow/tfjs-backend-webgpu/package.json" with {
  type: "json",
};

/** The backends this workspace knows how to prepare. */
export const BACKEND_NAMES = ["tensorflow", "webgpu", "wasm", "cpu"] as const;

/** A backend name. */
export type BackendName = typeof BACKEND_NAMES[number];

/** What {@linkcode selectBackend} accepts: a backend name or `auto`. */
export type BackendRequest = BackendName | "auto";

/** One backend that was tried, and why it was or was not taken. */
export interface BackendAttempt {
  /** The backend tried. */
  name: BackendName;
  /** Whether it is usable. */
  ok: boolean;
  /** A short human explanation, e.g. `tfjs-node addon not built`. */
  reason: string;
}

/** The backend in use, as recorded in every run record. */
export interface BackendChoice {
  /** The active TensorFlow.js backend. */
  name: BackendName;
  /** The device it computes on, e.g. `NVIDIA H100 80GB HBM3` or `CPU (2 cores)`. */
  device: string;
  /** Why this backend was chosen, e.g. `wasm: tfjs-node not installed; no GPU adapter`. */
  reason: string;
  /** Versions of the backend's packages (and native library), for run records. */
  packages: Record<string, string>;
  /** Every backend tried, in order. */
  attempts: BackendAttempt[];
}

type Preparation = {
  ok: true;
  device: string;
  packages: Record<string, string>;
  note?: string;
} | {
  ok: false;
  reason: string;
};

function cpuDescription(): string {
  const cores = navigator.hardwareConcurrency ?? 1;
  return `CPU (${cores} core${cores === 1 ? "" : "s"})`;
}

/** Where the wasm backend's `.wasm` binaries live inside node_modules. */
function wasmBinaryFolder(): string {
  const url = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
  // .../tfjs-backend-wasm/dist/index.js -> .../tfjs-backend-wasm/dist/
  return url.slice(0, url.lastIndexOf("/") + 1);
}

async function prepareTensorflow(): Promise<Preparation> {
  let loader: typeof import("./native/tfjs_node.ts");
  try {
    loader = await import("./native/tfjs_node.ts");
  } catch (error) {
    return { ok: false, reason: `tfjs-node loader unavailable (${error})` };
  }
  const loaded = await loader.loadTfjsNode();
  if (!loaded.ok) return { ok: false, reason: loaded.reason };
  // The workspace's own ops (Adam in one pass); without them the backend
  // runs TensorFlow.js' Adam, with the same numbers.
  const ops = await import("./native/fashion_ops.ts");
  await ops.loadFashionOps();
  return {
    ok: true,
    device: `${cpuDescription()}, TensorFlow ${loaded.version}`,
    packages: {
      "@tensorflow/tfjs-node": loaded.packageVersion,
      tensorflow: loaded.version,
    },
  };
}

/** Describes the WebGPU adapter, or says why there is none. */
export async function probeGpuAdapter(): Promise<
  { ok: true; description: string; fallback: boolean } | {
    ok: false;
    reason: string;
  }
> {
  if (!("gpu" in navigator) || !navigator.gpu) {
    return {
      ok: false,
      reason: "this Deno has no WebGPU (run with --unstable-webgpu)",
    };
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await navigator.gpu.requestAdapter({
      powerPreference: "high-performance",
    });
  } catch (error) {
    return { ok: false, reason: `no GPU adapter (${error})` };
  }
  if (!adapter) return { ok: false, reason: "no GPU adapter" };
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const description = info.description || info.device || info.vendor ||
    "unknown GPU";
  const fallback = info.isFallbackAdapter === true ||
    /llvmpipe|lavapipe|swiftshader/i.test(description);
  return { ok: true, description, fallback };
}

/** Dispatches the webgpu backend queues before submitting them (its default: 15). */
export const WEBGPU_SUBMIT_BATCH = 200;

async function prepareWebgpu(allowFallback: boolean): Promise<Preparation> {
  const probe = await probeGpuAdapter();
  if (!probe.ok) return { ok: false, reason: probe.reason };
  if (probe.fallback && !allowFallback) {
    return {
      ok: false,
      reason: `only a software adapter (${probe.description})`,
    };
  }
  await import("@tensorflow/tfjs-backend-webgpu");
  const kernels = await import("./kernels/webgpu/mod.ts");
  kernels.registerWebgpuTrainingKernels();
  // The backend submits its queued dispatches to the GPU every 15 kernels by
  // default; a small CNN's training step is ~150 dispatches, and each submit
  // costs host time. Submitting every 200 took study 000's primary CNN from
  // about 1,900 to 2,500 img/s at batch 32 on an H100 (1,000 was slower).
  tf.env().set("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE", WEBGPU_SUBMIT_BATCH);
  return {
    ok: true,
    device: probe.description,
    packages: {
      "@tensorflow/tfjs-backend-webgpu": webgpuPackage.version,
    },
    note: probe.fallback ? "software fallback adapter, slow" : undefined,
  };
}

async function prepareWasm(): Promise<Preparation> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  wasm.setWasmPaths(wasmBinaryFolder());
  const kernels = await import("./kernels/wasm/mod.ts").catch(() => null);
  kernels?.registerWasmTrainingKernels();
  return {
    ok: true,
    device: `${cpuDescription()}, XNNPACK`,
    packages: { "@tensorflow/tfjs-backend-wasm": wasm.version_wasm },
    note: kernels ? undefined : "training kernels missing: conv training fails",
  };
}

function prepare(name: BackendName, explicit: boolean): Promise<Preparation> {
  switch (name) {
    case "tensorflow":
      return prepareTensorflow();
    case "webgpu":
      return prepareWebgpu(explicit);
    case "wasm":
      return prepareWasm();
    case "cpu":
      return Promise.resolve({
        ok: true,
        device: cpuDescription(),
        packages: { "@tensorflow/tfjs-backend-cpu": tf.version_cpu },
      });
  }
}

/**
 * Reads and validates a backend request, from the argument or else from the
 * `TFJS_BACKEND` environment variable; `auto` when neither is given.
 */
export function resolveBackendRequest(request?: string): BackendRequest {
  const raw = (request ?? Deno.env.get("TFJS_BACKEND") ?? "auto").trim()
    .toLowerCase();
  if (raw === "" || raw === "auto") return "auto";
  if ((BACKEND_NAMES as readonly string[]).includes(raw)) {
    return raw as BackendName;
  }
  throw new Error(
    `Unknown backend "${raw}" (from ${
      request === undefined ? "TFJS_BACKEND" : "the backend option"
    }). Use one of: auto, ${BACKEND_NAMES.join(", ")}.`,
  );
}

/**
 * Selects, initialises and activates a TensorFlow.js backend.
 *
 * With a name, that backend must work or this throws with the reason. With
 * `auto` (the default, or `TFJS_BACKEND=auto`), the first backend that works
 * in the order tensorflow, webgpu (real GPU only), wasm, cpu is taken.
 *
 * @example
 * ```ts
 * const backend = await selectBackend();          // TFJS_BACKEND or auto
 * console.log(`${backend.name}: ${backend.device}`);
 * await selectBackend("wasm");                    // exactly wasm, or throw
 * ```
 */
export async function selectBackend(
  request?: BackendRequest | string,
): Promise<BackendChoice> {
  const wanted = resolveBackendRequest(request);
  // Production mode: no debug checks, no console banners from TensorFlow.js.
  tf.enableProdMode();
  const order: BackendName[] = wanted === "auto"
    ? [...BACKEND_NAMES]
    : [wanted];
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    const prepared = await prepare(name, wanted !== "auto");
    if (!prepared.ok) {
      attempts.push({ name, ok: false, reason: prepared.reason });
      continue;
    }
    let activated = false;
    try {
      activated = await tf.setBackend(name);
      await tf.ready();
    } catch (error) {
      attempts.push({ name, ok: false, reason: `failed to start (${error})` });
      continue;
    }
    if (!activated || tf.getBackend() !== name) {
      attempts.push({ name, ok: false, reason: "failed to start" });
      continue;
    }
    if (name === "tensorflow") {
      // Needs the backend active: it probes oneDNN's kernels.
      const kernels = await import("./kernels/tensorflow/mod.ts");
      kernels.registerTensorflowTrainingKernels();
    }
    attempts.push({ name, ok: true, reason: prepared.note ?? "ready" });
    const skipped = attempts.filter((a) => !a.ok)
      .map((a) => `${a.name}: ${a.reason}`);
    const why = wanted === "auto"
      ? (skipped.length ? `auto; ${skipped.join("; ")}` : "auto; first choice")
      : "requested";
    return {
      name,
      device: prepared.device,
      reason: prepared.note ? `${why}; ${prepared.note}` : why,
      packages: prepared.packages,
      attempts,
    };
  }
  const tried = attempts.map((a) => `${a.name}: ${a.reason}`).join("; ");
  throw new Error(
    wanted === "auto"
      ? `No TensorFlow.js backend could start (${tried}).`
      : `Backend "${wanted}" is not available here: ${tried}. ` +
        `Pick another with TFJS_BACKEND=auto|tensorflow|webgpu|wasm|cpu.`,
  );
}

/** One line for logs: `wasm: CPU (2 cores), XNNPACK (auto; tensorflow: ...)`. */
export function describeBackend(choice: BackendChoice): string {
  return `${choice.name}: ${choice.device} (${choice.reason})`;
}
