/**
 * `deno task setup`: prepares a fresh clone (after `deno install`, which the
 * task runs first).
 *
 *   deno task setup [--skip-tensorflow] [--libtensorflow <wheel-or-dir>]
 *
 * 1. Native TensorFlow for the `tensorflow` backend: builds tfjs-node's addon
 *    against a TensorFlow C library (see tasks/setup_tensorflow.ts). Skipped
 *    with `--skip-tensorflow`; the other backends work without it.
 * 2. Registers Deno's Jupyter kernel when Jupyter is installed, so the
 *    notebooks run.
 * 3. Prints which backends work here.
 */
import { BACKEND_NAMES } from "../lib/backend.ts";
import { TaskArgs } from "./args.ts";

const cli = new TaskArgs(
  "setup",
  "usage: deno task setup [--skip-tensorflow] [--libtensorflow <wheel-or-dir>]",
);
const { values } = cli.parse({
  options: {
    "skip-tensorflow": { type: "boolean", default: false },
    libtensorflow: { type: "string" },
  },
});

async function run(
  command: string,
  args: string[],
): Promise<{ ok: boolean; output: string }> {
  try {
    const result = await new Deno.Command(command, {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return {
      ok: result.success,
      output: decode(result.stdout) + decode(result.stderr),
    };
  } catch (error) {
    return { ok: false, output: String(error) };
  }
}

async function inherit(command: string, args: string[]): Promise<boolean> {
  const status = await new Deno.Command(command, {
    args,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  return status.success;
}

const deno = Deno.execPath();

// 1. Native TensorFlow.
if (values["skip-tensorflow"]) {
  console.log("tensorflow: skipped (--skip-tensorflow)");
} else {
  const args = ["run", "-A", "tasks/setup_tensorflow.ts"];
  if (values.libtensorflow) args.push("--libtensorflow", values.libtensorflow);
  if (!await inherit(deno, args)) {
    console.error(
      "\nsetup: building native TensorFlow failed (see above). The wasm, webgpu " +
        "and cpu backends work without it; rerun with --skip-tensorflow to " +
        "skip this step, or give a TensorFlow wheel or folder with " +
        "--libtensorflow.",
    );
    Deno.exit(1);
  }
}

// 2. Jupyter kernel.
const jupyter = await run("jupyter", ["--version"]);
if (!jupyter.ok) {
  console.log(
    "jupyter: not installed; the notebooks need it (Debian: apt-get install " +
      "jupyter-nbconvert python3-nbclient python3-ipykernel). Everything else works.",
  );
} else {
  const kernel = await run(deno, ["jupyter", "--install", "--force"]);
  if (!kernel.ok) {
    console.error(
      `jupyter: registering the Deno kernel failed:\n${kernel.output}`,
    );
    Deno.exit(1);
  }
  console.log("jupyter: Deno kernel registered");
}

// 3. Which backends work here (each probed in its own process).
console.log("\nbackends:");
for (const name of BACKEND_NAMES) {
  const probe = await run(deno, [
    "eval",
    `import { selectBackend } from "./lib/backend.ts";
     try { const b = await selectBackend("${name}"); console.log("ok " + b.device); }
     catch (e) { console.log("no " + (e instanceof Error ? e.message : e)); }`,
  ]);
  const line = probe.output.trim().split("\n").at(-1) ?? "";
  console.log(
    `  ${name.padEnd(10)} ${
      line.startsWith("ok ")
        ? "works: " + line.slice(3)
        : line.replace(/^no /, "not available: ")
    }`,
  );
}
