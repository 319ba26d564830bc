/**
 * The Python environment of `deno task bench --keras`: Keras 3 on the same
 * TensorFlow wheel that `deno task setup` links the `tensorflow` backend
 * against (`PINNED_WHEEL`), in a virtual environment in the download cache
 * (`~/.cache/fashion-lab/keras-bench/venv`), made once with Python's `venv`
 * and pip (PyPI for Keras and TensorFlow's own dependencies). The workspace
 * itself does not depend on it.
 *
 * @module
 */
import { dirname, join } from "node:path";
import {
  cacheDir,
  fetchPinnedWheel,
  PINNED_WHEEL,
} from "../native/libtensorflow.ts";
import { existsOrFalse as exists } from "../io/exists.ts";

/** The Keras release the reference runs. */
export const PINNED_KERAS = { name: "keras", version: "3.15.1" } as const;

/** The virtual environment's folder. */
export function kerasEnvDir(): string {
  return join(dirname(cacheDir()), "keras-bench", "venv");
}

async function output(command: string, args: string[]): Promise<
  { ok: boolean; text: string }
> {
  try {
    const out = await new Deno.Command(command, {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { ok: out.success, text: decode(out.stdout) + decode(out.stderr) };
  } catch (error) {
    return { ok: false, text: String(error) };
  }
}

/** The versions `python` imports, or `undefined` when Keras or TensorFlow is missing. */
async function importedVersions(python: string): Promise<string | undefined> {
  const probe = await output(python, [
    "-c",
    "import os; os.environ['TF_CPP_MIN_LOG_LEVEL']='3'\n" +
    "import keras, tensorflow; print(keras.__version__, tensorflow.__version__)",
  ]);
  return probe.ok ? probe.text.trim().split("\n").at(-1) : undefined;
}

/**
 * Returns the Python of the Keras environment, making it first when it is
 * missing or holds other versions (a few minutes: pip installs TensorFlow's
 * wheel from the cache and Keras from PyPI). Errors say what failed.
 */
export async function prepareKerasEnv(
  log: (line: string) => void = (line) => console.error(line),
): Promise<string> {
  const dir = kerasEnvDir();
  const python = join(dir, "bin", "python");
  const wanted = `${PINNED_KERAS.version} ${PINNED_WHEEL.version}`;
  if (await exists(python) && await importedVersions(python) === wanted) {
    return python;
  }
  const wheel = await fetchPinnedWheel(log);
  log(
    `--keras: making ${dir} (Keras ${PINNED_KERAS.version}, TensorFlow ${PINNED_WHEEL.version})`,
  );
  await Deno.mkdir(dirname(dir), { recursive: true });
  const steps: [string, string[]][] = [
    ["python3", ["-m", "venv", "--clear", dir]],
    [python, [
      "-m",
      "pip",
      "install",
      "--quiet",
      wheel,
      `${PINNED_KERAS.name}==${PINNED_KERAS.version}`,
    ]],
  ];
  for (const [command, args] of steps) {
    const result = await output(command, args);
    if (!result.ok) {
      throw new Error(
        `--keras: ${command} ${args.join(" ")} failed:\n${
          result.text.trim().split("\n").slice(-8).join("\n")
        }\nPython 3.11 with venv and pip, and the PyPI registry, are needed.`,
      );
    }
  }
  const versions = await importedVersions(python);
  if (versions !== wanted) {
    throw new Error(
      `--keras: ${python} imports Keras/TensorFlow ${
        versions ?? "(none)"
      }, expected ${wanted}`,
    );
  }
  return python;
}
