/**
 * The workspace's own TensorFlow ops (`lib/native/ops/*.cc`), built against
 * the same TensorFlow wheel as the `tensorflow` backend and loaded into its
 * process.
 *
 * | op | source | what it does, bit-identical to the ops it replaces |
 * | --- | --- | --- |
 * | `FashionAdamStep` | `ops/fashion_adam_step.cc` | a whole Adam update of one variable, one pass (`tf.train.adam`; `lib/kernels/tensorflow/adam_step.ts`) |
 * | `FashionReluGradBiasSum` | `ops/fashion_bias_gradients.cc` | `ReluGrad` and the bias gradient's `Sum`, one pass (`lib/kernels/tensorflow/conv_bias_relu.ts`) |
 * | `FashionMaxPoolReluGradBiasSum` | `ops/fashion_bias_gradients.cc` | a 2x2 pooling's `MaxPoolGrad`, then the same: a pass writing the backprops, one summing them |
 * | `FashionReluMaxPool` | `ops/fashion_bias_gradients.cc` | `Relu` and a 2x2 `MaxPool`, one pass |
 *
 * - {@linkcode buildFashionOps} (`deno task setup`, after the tfjs-node
 *   addon): extracts the wheel's C++ headers (`tensorflow/include/`, once,
 *   into the cache), compiles the ops with `g++` into
 *   `libfashion_ops.so` beside the addon's TensorFlow libraries
 *   (`deps/lib/` of tfjs-node), and stamps it with the sources' hash.
 * - {@linkcode loadFashionOps} (when the `tensorflow` backend is selected):
 *   opens tfjs-node's `libtensorflow_cc.so.2` through Deno's FFI (the library
 *   the addon already loaded, so the same op registry) and calls
 *   `TF_LoadLibrary` on the ops. Without a built library the backend works
 *   as before, with TensorFlow.js' own Adam and unfused convolutions.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeJsonAtomic } from "../io/atomic.ts";
import { existsOrFalse as exists } from "../io/exists.ts";
import { hashFile } from "../data/acquire/checksums.ts";
import {
  cacheDir,
  fetchPinnedWheel,
  PINNED_WHEEL,
  runBuildStep,
  tfjsNodePackageDir,
} from "./libtensorflow.ts";

/** The C++ sources of the ops. */
export const FASHION_OP_SOURCES = [
  fileURLToPath(new URL("./ops/fashion_adam_step.cc", import.meta.url)),
  fileURLToPath(
    new URL("./ops/fashion_bias_gradients.cc", import.meta.url),
  ),
];

/**
 * Compiler flags: TensorFlow's own for custom ops (C++17, the new C++ ABI,
 * Eigen's alignment), x86-64-v2 (SSE4.2: any machine the wheel runs on), and
 * no fused multiply-add or fast math, so every float operation rounds as
 * TensorFlow's element-wise kernels do.
 */
const CXX_FLAGS = [
  "-std=c++17",
  "-shared",
  "-fPIC",
  "-O3",
  "-march=x86-64-v2",
  "-ffp-contract=off",
  "-fno-math-errno",
  "-D_GLIBCXX_USE_CXX11_ABI=1",
  "-DEIGEN_MAX_ALIGN_BYTES=64",
];

/** Where the ops library lives: beside the addon's TensorFlow libraries. */
export function fashionOpsPath(packageDir = tfjsNodePackageDir()): string {
  return join(packageDir, "deps", "lib", "libfashion_ops.so");
}

/** What a built ops library was made from (`libfashion_ops.json` beside it). */
interface OpsStamp {
  /** SHA-256 of each source, in {@linkcode FASHION_OP_SOURCES} order. */
  sources: string[];
  /** SHA-256 of the wheel whose headers it was compiled against, or the folder they came from. */
  tensorflow: string;
  /** The flags. */
  flags: string[];
}

/**
 * The wheel's `tensorflow/include/` (C++ headers with Eigen, Abseil and
 * protobuf), extracted once into the cache; returns the include folder.
 */
async function wheelHeaders(
  wheel: string,
  sha256: string,
  log: (line: string) => void,
): Promise<string> {
  const dest = join(cacheDir(), "headers", sha256.slice(0, 16));
  const include = join(dest, "tensorflow", "include");
  if (await exists(join(include, "tensorflow/core/framework/op_kernel.h"))) {
    return include;
  }
  log(`extracting the C++ headers from ${wheel}`);
  const staging = `${dest}.partial`;
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  const script = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    names = [n for n in z.namelist() if n.startswith("tensorflow/include/")]
    if not names:
        sys.exit("no tensorflow/include/ in the wheel")
    for n in names:
        z.extract(n, sys.argv[2])
`;
  await runBuildStep("python3", ["-c", script, wheel, staging], {
    what: `extracting ${wheel}`,
  });
  await Deno.remove(dest, { recursive: true }).catch(() => {});
  await Deno.mkdir(dirname(dest), { recursive: true });
  await Deno.rename(staging, dest);
  return include;
}

/**
 * Compiles the ops into {@linkcode fashionOpsPath} against the C++ headers
 * of the TensorFlow the addon was built from: `source` as the addon's build
 * stamp names it (a wheel, with its SHA-256, or an extracted `tensorflow/`
 * folder holding `include/`), by default the pinned wheel. Idempotent:
 * nothing to do when the stamp says the same sources, TensorFlow and flags.
 * The addon must be built first (its `deps/lib/` holds the libraries the
 * ops link against).
 */
export async function buildFashionOps(
  options: {
    source?: string;
    sha256?: string | null;
    log?: (line: string) => void;
    force?: boolean;
  } = {},
): Promise<{ library: string; built: boolean }> {
  const log = options.log ?? console.log;
  const library = fashionOpsPath();
  const depsLib = dirname(library);
  if (!await exists(join(depsLib, "libtensorflow_framework.so.2"))) {
    throw new Error(
      `${depsLib} has no libtensorflow_framework.so.2: build the tfjs-node addon first (deno task setup)`,
    );
  }
  const source = options.source ?? await fetchPinnedWheel(log);
  const isWheel = source.endsWith(".whl");
  const sha256 = isWheel
    ? options.sha256 ??
      (source.endsWith(PINNED_WHEEL.file)
        ? PINNED_WHEEL.sha256
        : await hashFile(source, "sha256"))
    : null;
  const stamp: OpsStamp = {
    sources: await Promise.all(
      FASHION_OP_SOURCES.map((s) => hashFile(s, "sha256")),
    ),
    tensorflow: sha256 ?? source,
    flags: CXX_FLAGS,
  };
  const stampPath = library.replace(/\.so$/, ".json");
  if (!options.force && await exists(library)) {
    const previous = await Deno.readTextFile(stampPath).then(JSON.parse)
      .catch(() => null);
    if (JSON.stringify(previous) === JSON.stringify(stamp)) {
      log(`ops already built: ${library}`);
      return { library, built: false };
    }
  }
  const include = isWheel
    ? await wheelHeaders(source, sha256!, log)
    : join(source, "include");
  if (!await exists(join(include, "tensorflow/core/framework/op_kernel.h"))) {
    throw new Error(
      `${include} lacks TensorFlow's C++ headers (tensorflow/core/framework/op_kernel.h): give the whole tensorflow/ folder of an extracted wheel, or the wheel itself`,
    );
  }
  log(`compiling ${FASHION_OP_SOURCES.length} op(s) with g++`);
  const partial = `${library}.partial`;
  await runBuildStep("g++", [
    ...CXX_FLAGS,
    `-I${include}`,
    ...FASHION_OP_SOURCES,
    `-L${depsLib}`,
    "-l:libtensorflow_framework.so.2",
    `-Wl,-rpath,${depsLib}`,
    "-o",
    partial,
  ], { what: "compiling the workspace's TensorFlow ops" });
  await Deno.rename(partial, library);
  await writeJsonAtomic(stampPath, stamp);
  return { library, built: true };
}

/** The outcome of {@linkcode loadFashionOps}. */
export type FashionOpsLoad = { loaded: true } | {
  loaded: false;
  reason: string;
};

let loaded: FashionOpsLoad | undefined;

/**
 * Loads the ops into the process's TensorFlow (once; tfjs-node must be
 * loaded). Resolves to why not when the library was not built or does not
 * load; the caller goes on without them.
 */
export async function loadFashionOps(): Promise<FashionOpsLoad> {
  if (loaded) return loaded;
  const library = fashionOpsPath();
  if (!await exists(library)) {
    return loaded = {
      loaded: false,
      reason: `${library} not built (deno task setup)`,
    };
  }
  const tensorflow = join(dirname(library), "libtensorflow_cc.so.2");
  let lib;
  try {
    lib = Deno.dlopen(tensorflow, {
      TF_NewStatus: { parameters: [], result: "pointer" },
      TF_DeleteStatus: { parameters: ["pointer"], result: "void" },
      TF_GetCode: { parameters: ["pointer"], result: "i32" },
      TF_Message: { parameters: ["pointer"], result: "pointer" },
      TF_LoadLibrary: { parameters: ["buffer", "pointer"], result: "pointer" },
    });
  } catch (error) {
    return loaded = {
      loaded: false,
      reason: `cannot open ${tensorflow} through FFI: ${error}`,
    };
  }
  const status = lib.symbols.TF_NewStatus();
  try {
    lib.symbols.TF_LoadLibrary(
      new TextEncoder().encode(`${library}\0`),
      status,
    );
    if (lib.symbols.TF_GetCode(status) !== 0) {
      const message = lib.symbols.TF_Message(status);
      return loaded = {
        loaded: false,
        reason: `TF_LoadLibrary(${library}): ${
          message ? new Deno.UnsafePointerView(message).getCString() : "failed"
        }`,
      };
    }
  } finally {
    lib.symbols.TF_DeleteStatus(status);
  }
  // The library stays open: its ops are registered for the process's life.
  return loaded = { loaded: true };
}
