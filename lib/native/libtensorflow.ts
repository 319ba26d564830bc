/**
 * Building `@tensorflow/tfjs-node`'s native addon against a TensorFlow C
 * library obtained without its installer.
 *
 * tfjs-node's own install script downloads libtensorflow 2.9.1 from a host
 * that air-gapped labs, clusters and these build machines cannot reach. The
 * TensorFlow Python wheels on PyPI carry the same C API
 * (`libtensorflow_cc.so.2` exports the `TF_*` and `TFE_*` symbols,
 * `libtensorflow_framework.so.2` beside it, headers under
 * `tensorflow/include/`), so this module:
 *
 * 1. takes a wheel (downloaded with `pip download`, or given by the user) or
 *    an extracted folder holding those files;
 * 2. copies the two libraries into tfjs-node's `deps/lib/` and the C API
 *    headers into `deps/include/`;
 * 3. compiles the addon with node-gyp against the local Node-API headers
 *    into `lib/napi-v8/tfjs_binding.node`, where tfjs-node looks for it.
 *
 * Linux x86-64 only (the platform of the pinned wheel).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { homedir } from "node:os";
import { hashFile } from "../data/acquire/checksums.ts";
import { writeJsonAtomic } from "../io/atomic.ts";
import { existsOrFalse as exists } from "../io/exists.ts";

/** The TensorFlow wheel fetched when the user gives none. */
export const PINNED_WHEEL = {
  name: "tensorflow-cpu",
  version: "2.18.1",
  file:
    "tensorflow_cpu-2.18.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
  sha256: "810c75d7149d2da0cb2092187817b0dcabb80728ca9f9cf3a61f3f42fadd1298",
  /** pip options that select exactly this file whatever Python runs pip. */
  pipSelectors: [
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
    "--abi",
    "cp311",
    "--platform",
    "manylinux2014_x86_64",
  ],
} as const;

/** Node-API version the addon is built for (tfjs-node supports 3..8). */
export const NAPI_BUILD_VERSION = 8;

/** The libraries tfjs-node's addon links against, as named in the wheel. */
const LIBRARIES = ["libtensorflow_cc.so.2", "libtensorflow_framework.so.2"];

/** Header folders (inside `tensorflow/include/`) the addon's sources include. */
const HEADER_FOLDERS = [
  "tensorflow/c",
  "tensorflow/core/platform",
  "xla/tsl/c",
  "tsl/platform",
];

/** Where tfjs-node is installed (its package root). */
export function tfjsNodePackageDir(): string {
  const entry = fileURLToPath(import.meta.resolve("@tensorflow/tfjs-node"));
  return dirname(dirname(entry)); // .../tfjs-node/dist/index.js -> .../tfjs-node
}

/** The addon file tfjs-node loads. */
export function addonPath(packageDir = tfjsNodePackageDir()): string {
  return join(
    packageDir,
    "lib",
    `napi-v${NAPI_BUILD_VERSION}`,
    "tfjs_binding.node",
  );
}

/** The default download cache: `$XDG_CACHE_HOME/fashion-lab` or `~/.cache/fashion-lab`. */
export function cacheDir(): string {
  const base = Deno.env.get("XDG_CACHE_HOME") ?? join(homedir(), ".cache");
  return join(base, "fashion-lab", "libtensorflow");
}

/** Where a prepared library came from, stored beside the built addon. */
export interface NativeBuildStamp {
  /** The wheel or folder the library came from. */
  source: string;
  /** SHA-256 of the wheel, when it came from one. */
  sha256: string | null;
  /** Node-API version of the addon. */
  napiVersion: number;
}

const STAMP_FILE = "fashion-lab-native.json";

/**
 * Runs a build step and returns its standard output; throws naming the step
 * (`what`), the command and the last lines of its output when it fails or
 * cannot start.
 */
export async function runBuildStep(
  command: string,
  args: string[],
  options: { cwd?: string; what: string },
): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, {
      args,
      cwd: options.cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(`${options.what}: could not run ${command} (${error})`);
  }
  const stdout = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    const text = stdout + new TextDecoder().decode(output.stderr);
    const tail = text.trim().split("\n").slice(-25).join("\n");
    throw new Error(
      `${options.what} failed (${command} ${args.join(" ")}):\n${tail}`,
    );
  }
  return stdout;
}

/**
 * Downloads the pinned TensorFlow wheel with pip into the cache (once) and
 * verifies its SHA-256. Returns the wheel's path.
 */
export async function fetchPinnedWheel(
  log: (line: string) => void = console.log,
): Promise<string> {
  const dir = join(cacheDir(), "wheels");
  const wheel = join(dir, PINNED_WHEEL.file);
  if (!await exists(wheel)) {
    await Deno.mkdir(dir, { recursive: true });
    log(
      `downloading ${PINNED_WHEEL.name}==${PINNED_WHEEL.version} with pip into ${dir}`,
    );
    await runBuildStep("python3", [
      "-m",
      "pip",
      "download",
      "--no-deps",
      "--only-binary=:all:",
      ...PINNED_WHEEL.pipSelectors,
      "-d",
      dir,
      `${PINNED_WHEEL.name}==${PINNED_WHEEL.version}`,
    ], { what: "pip download of the TensorFlow wheel" });
  }
  const sha256 = await hashFile(wheel, "sha256");
  if (sha256 !== PINNED_WHEEL.sha256) {
    throw new Error(
      `${wheel} has sha256 ${sha256}, expected ${PINNED_WHEEL.sha256}. ` +
        `Delete it and run the setup again.`,
    );
  }
  return wheel;
}

/**
 * Extracts the libraries and C API headers from a TensorFlow wheel into
 * `dest` (laid out as the wheel's `tensorflow/` folder). Uses Python's
 * zipfile (pip's own dependency, so present wherever pip is).
 */
export async function extractWheel(
  wheel: string,
  dest: string,
): Promise<string> {
  const script = `
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
libs = ${JSON.stringify(LIBRARIES.map((l) => `tensorflow/${l}`))}
heads = ${JSON.stringify(HEADER_FOLDERS.map((h) => `tensorflow/include/${h}/`))}
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n in libs or any(n.startswith(h) for h in heads)]
    missing = [l for l in libs if l not in names]
    if missing:
        sys.exit("not a TensorFlow wheel with the C API: missing " + ", ".join(missing))
    for n in names:
        z.extract(n, dest)
print(len(names))
`;
  const staging = `${dest}.partial`;
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  await runBuildStep("python3", ["-c", script, wheel, staging], {
    what: `extracting ${wheel}`,
  });
  await Deno.remove(dest, { recursive: true }).catch(() => {});
  await Deno.rename(staging, dest);
  return join(dest, "tensorflow");
}

/**
 * Checks that `dir` holds a TensorFlow C library as laid out in a wheel's
 * `tensorflow/` folder (the two libraries and `include/tensorflow/c/c_api.h`)
 * and says what is missing otherwise.
 */
export async function checkLibraryDir(dir: string): Promise<void> {
  const needed = [
    ...LIBRARIES,
    "include/tensorflow/c/c_api.h",
    "include/tensorflow/c/eager/c_api.h",
  ];
  const missing = [];
  for (const file of needed) {
    if (!await exists(join(dir, file))) missing.push(file);
  }
  if (missing.length) {
    throw new Error(
      `${dir} is not a TensorFlow C library folder: missing ${
        missing.join(", ")
      }. ` +
        `Give the tensorflow/ folder of an extracted TensorFlow wheel (2.15 or later), ` +
        `or the wheel file itself.`,
    );
  }
}

/** Finds node-gyp: on PATH, or the copy bundled with npm. */
async function nodeGyp(): Promise<string[]> {
  try {
    await runBuildStep("node-gyp", ["--version"], { what: "node-gyp" });
    return ["node-gyp"];
  } catch {
    const prefix =
      (await runBuildStep("npm", ["prefix", "-g"], { what: "npm prefix" }))
        .trim().split("\n").at(-1)!;
    const bundled = join(
      prefix,
      "lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
    );
    if (!await exists(bundled)) {
      throw new Error(
        "node-gyp not found: install it with `npm install -g node-gyp`.",
      );
    }
    return ["node", bundled];
  }
}

/** Node's headers (node_api.h) without downloading: `npm config get nodedir`, then /usr. */
async function nodeHeadersDir(): Promise<string> {
  const candidates = [
    Deno.env.get("npm_config_nodedir"),
    (await runBuildStep("npm", ["config", "get", "nodedir"], {
      what: "npm config",
    })
      .catch(() => "")).trim().split("\n").at(-1),
    "/usr",
    "/usr/local",
  ];
  for (const dir of candidates) {
    if (
      dir && dir !== "undefined" &&
      await exists(join(dir, "include/node/node_api.h"))
    ) {
      return dir;
    }
  }
  throw new Error(
    "Node's C headers (include/node/node_api.h) were not found: install Debian's " +
      "libnode-dev (or nodejs with headers), or set npm_config_nodedir.",
  );
}

/** Options of {@linkcode buildTfjsNodeAddon}. */
export interface BuildOptions {
  /** A TensorFlow wheel (`.whl`) or an extracted `tensorflow/` folder; default: the pinned wheel via pip. */
  source?: string;
  /** Rebuild even when an addon from the same source is present. */
  force?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

/**
 * Prepares tfjs-node's `deps/` from a TensorFlow C library and compiles its
 * addon. Idempotent: returns at once when an addon built from the same source
 * is already in place.
 *
 * @returns the addon's path and whether it was (re)built.
 */
export async function buildTfjsNodeAddon(
  options: BuildOptions = {},
): Promise<{ addon: string; built: boolean; stamp: NativeBuildStamp }> {
  const log = options.log ?? console.log;
  const pkg = tfjsNodePackageDir();
  const addon = addonPath(pkg);
  const stampPath = join(pkg, "deps", STAMP_FILE);

  let source = options.source;
  let sha256: string | null = null;
  if (!source) {
    source = await fetchPinnedWheel(log);
    sha256 = PINNED_WHEEL.sha256;
  } else if (source.endsWith(".whl")) {
    sha256 = await hashFile(source, "sha256");
  }
  const stamp: NativeBuildStamp = {
    source,
    sha256,
    napiVersion: NAPI_BUILD_VERSION,
  };

  if (!options.force && await exists(addon)) {
    const previous = await Deno.readTextFile(stampPath).then(JSON.parse).catch(
      () => null,
    ) as NativeBuildStamp | null;
    if (previous && previous.source === source && previous.sha256 === sha256) {
      log(`tfjs-node addon already built from ${source}`);
      return { addon, built: false, stamp };
    }
  }

  let libraryDir = source;
  if (source.endsWith(".whl")) {
    const dest = join(cacheDir(), "extracted", sha256!.slice(0, 16));
    if (!await exists(join(dest, "tensorflow", LIBRARIES[0]))) {
      log(`extracting the C library and headers from ${source}`);
      await extractWheel(source, dest);
    }
    libraryDir = join(dest, "tensorflow");
  }
  await checkLibraryDir(libraryDir);

  log(`preparing ${join(pkg, "deps")}`);
  const depsLib = join(pkg, "deps", "lib");
  const depsInclude = join(pkg, "deps", "include");
  await Deno.remove(join(pkg, "deps"), { recursive: true }).catch(() => {});
  await Deno.mkdir(depsLib, { recursive: true });
  for (const lib of LIBRARIES) {
    await Deno.copyFile(join(libraryDir, lib), join(depsLib, lib));
  }
  // The addon links with -ltensorflow -ltensorflow_framework.
  await Deno.symlink(
    "libtensorflow_cc.so.2",
    join(depsLib, "libtensorflow.so"),
  );
  await Deno.symlink(
    "libtensorflow_framework.so.2",
    join(depsLib, "libtensorflow_framework.so"),
  );
  for (const folder of HEADER_FOLDERS) {
    const from = join(libraryDir, "include", folder);
    if (!await exists(from)) continue;
    const parent = join(depsInclude, dirname(folder));
    await Deno.mkdir(parent, { recursive: true });
    await runBuildStep("cp", ["-r", from, parent], {
      what: `copying headers ${folder}`,
    });
  }

  log("compiling the tfjs-node addon with node-gyp (about a minute)");
  const [gyp, ...gypArgs] = await nodeGyp();
  await runBuildStep(gyp, [
    ...gypArgs,
    "rebuild",
    `--nodedir=${await nodeHeadersDir()}`,
    "--",
    `-Dnapi_build_version=${NAPI_BUILD_VERSION}`,
    "-Dmodule_name=tfjs_binding",
    `-Dmodule_path=${dirname(addon)}`,
  ], { cwd: pkg, what: "building the tfjs-node addon" });
  if (!await exists(addon)) {
    throw new Error(`node-gyp finished but ${addon} is missing`);
  }
  await writeJsonAtomic(stampPath, stamp);
  return { addon, built: true, stamp };
}
