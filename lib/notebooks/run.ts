/**
 * Executing the Deno Jupyter notebooks headless: Jupyter's nbconvert runs
 * each notebook with the Deno kernel, stops at the first failing cell, and
 * the executed copy is saved (atomically) for the report.
 *
 * A run's processes do not outlive the process that started it (see
 * `process_guard.ts`): SIGINT or SIGTERM during a run stops nbconvert and
 * the kernel and exits with 130 or 143, and on Linux with `setpriv`
 * nbconvert dies with its parent and the kernel with nbconvert, however they
 * end (SIGKILL included).
 *
 * @module
 */
import { basename, join } from "node:path";
import { writeTextAtomic } from "../io/atomic.ts";
import { getProfile } from "../profiles.ts";
import { type PeakMemory, watchPeakMemory } from "./peak_memory.ts";
import { parentDeathPrefix, stopTreeOnSignals } from "./process_guard.ts";

/** A notebook's JSON (nbformat 4), as far as the runner reads it. */
export interface NotebookJson {
  cells: {
    cell_type: string;
    source: string | string[];
    execution_count?: number | null;
    outputs?: unknown[];
  }[];
  metadata: { kernelspec?: { name?: string } };
  nbformat: number;
}

/** Where and how to run a notebook. */
export interface NotebookRunOptions {
  /** Folder for the executed copy. */
  outDir: string;
  /** Environment for the kernel (e.g. `PROFILE`, `TFJS_BACKEND`). */
  env?: Record<string, string>;
  /**
   * Seconds a cell may run (`null`: no limit); default the profile's
   * `cellTimeoutSeconds` (the profile named by `env.PROFILE`).
   */
  cellTimeoutSeconds?: number | null;
  /**
   * How many times to run the notebook again when a cell's output went
   * missing (default 2). On a heavily loaded machine the Deno kernel's
   * output channel occasionally loses a message (large displays most
   * often); finished runs are reused, so another pass is cheap. Errors in
   * cells are never retried.
   */
  lostOutputRetries?: number;
}

/** nbclient's cell timeout for `options`: seconds, or -1 for no limit. */
function cellTimeout(options: NotebookRunOptions): number {
  const seconds = options.cellTimeoutSeconds !== undefined
    ? options.cellTimeoutSeconds
    : getProfile(options.env?.PROFILE).cellTimeoutSeconds;
  return seconds ?? -1;
}

/** The outcome of one notebook. */
export type NotebookResult =
  | {
    ok: true;
    notebook: string;
    executed: string;
    seconds: number;
    cells: number;
    /**
     * The largest peak resident set of one process of the run (the kernel,
     * in practice); null where it cannot be read (no Linux `/proc`).
     */
    peakMemory: PeakMemory | null;
  }
  | {
    ok: false;
    notebook: string;
    seconds: number;
    /** 1-based number of the failing code cell, when it could be identified. */
    cell: number | null;
    /** The error as the kernel reported it. */
    error: string;
  };

const sourceOf = (cell: NotebookJson["cells"][number]) =>
  Array.isArray(cell.source) ? cell.source.join("") : cell.source;

/** Reads a notebook and checks it is nbformat 4 with the Deno kernel. */
export async function readNotebook(path: string): Promise<NotebookJson> {
  let nb: NotebookJson;
  try {
    nb = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new Error(
      `${path} is not a readable notebook: ${(error as Error).message}`,
    );
  }
  if (nb.nbformat !== 4 || !Array.isArray(nb.cells)) {
    throw new Error(`${path} is not an nbformat 4 notebook`);
  }
  if (nb.metadata?.kernelspec?.name !== "deno") {
    throw new Error(
      `${path} does not use the Deno kernel (metadata.kernelspec.name must be "deno")`,
    );
  }
  return nb;
}

/** Whether Jupyter with nbconvert and the Deno kernel are installed. */
export async function notebookToolsMissing(): Promise<string | null> {
  try {
    const out = await new Deno.Command("jupyter", {
      args: ["kernelspec", "list", "--json"],
      stdout: "piped",
      stderr: "null",
    })
      .output();
    if (!out.success) return "jupyter kernelspec list failed";
    const specs =
      JSON.parse(new TextDecoder().decode(out.stdout)).kernelspecs ?? {};
    if (!specs.deno) {
      return "the Deno Jupyter kernel is not registered (run deno task setup)";
    }
    const nbconvert = await new Deno.Command("jupyter", {
      args: ["nbconvert", "--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return nbconvert.success ? null : "jupyter nbconvert is not installed";
  } catch {
    return "jupyter is not installed (Debian: apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel)";
  }
}

/** Finds which code cell a CellExecutionError message quotes (1-based), if any. */
function failingCell(nb: NotebookJson, message: string): number | null {
  const quoted = message.split("------------------")[1]?.trim();
  if (!quoted) return null;
  const code = nb.cells.filter((c) => c.cell_type === "code");
  const index = code.findIndex((c) => sourceOf(c).trim() === quoted);
  return index < 0 ? null : index + 1;
}

/** A kernelspec as `jupyter kernelspec list --json` gives it. */
interface KernelSpec {
  argv: string[];
  [key: string]: unknown;
}

let denoKernelSpec: Promise<KernelSpec | null> | undefined;

/** The registered Deno kernel's spec (looked up once per process), or null. */
function registeredDenoKernel(): Promise<KernelSpec | null> {
  denoKernelSpec ??= (async () => {
    try {
      const out = await new Deno.Command("jupyter", {
        args: ["kernelspec", "list", "--json"],
        stdout: "piped",
        stderr: "null",
      }).output();
      if (!out.success) return null;
      const spec = JSON.parse(new TextDecoder().decode(out.stdout))
        .kernelspecs?.deno?.spec;
      return Array.isArray(spec?.argv) ? spec as KernelSpec : null;
    } catch {
      return null;
    }
  })();
  return denoKernelSpec;
}

/**
 * Writes `<dir>/kernels/deno/kernel.json`: the registered Deno kernel with
 * `prefix` in front of its command, so the kernel gets the parent-death
 * signal and dies with nbconvert. Returns the environment that makes
 * Jupyter find it first (`JUPYTER_PATH`), or `{}` when there is nothing to
 * guard with.
 */
async function guardedKernel(
  dir: string,
  prefix: string[],
  env: Record<string, string>,
): Promise<Record<string, string>> {
  const spec = prefix.length ? await registeredDenoKernel() : null;
  if (!spec) return {};
  const kernelDir = join(dir, "kernels", "deno");
  await Deno.mkdir(kernelDir, { recursive: true });
  await Deno.writeTextFile(
    join(kernelDir, "kernel.json"),
    JSON.stringify({ ...spec, argv: [...prefix, ...spec.argv] }, null, 1),
  );
  const inherited = env.JUPYTER_PATH ?? Deno.env.get("JUPYTER_PATH");
  return { JUPYTER_PATH: inherited ? `${dir}:${inherited}` : dir };
}

// deno-lint-ignore no-control-regex
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "");

/**
 * Executes one notebook with nbconvert and the Deno kernel. On success the
 * executed copy is written to `outDir/<name>`; on failure nothing is written
 * and the result names the failing cell and its error. A code cell that runs
 * but shows nothing counts as a failure: every cell of a lab notebook shows
 * its result, and an empty one usually means output was lost.
 */
export async function executeNotebook(
  path: string,
  options: NotebookRunOptions,
): Promise<NotebookResult> {
  let result = await executeOnce(path, options);
  for (
    let retry = 0;
    retry < (options.lostOutputRetries ?? 2) && !result.ok &&
    result.error.startsWith(LOST_OUTPUT);
    retry++
  ) {
    result = await executeOnce(path, options);
  }
  return result;
}

const LOST_OUTPUT = "the cell ran but showed nothing";

async function executeOnce(
  path: string,
  options: NotebookRunOptions,
): Promise<NotebookResult> {
  const nb = await readNotebook(path);
  const started = performance.now();
  const scratch = await Deno.makeTempDir({ prefix: "nb_" });
  try {
    const guard = await parentDeathPrefix();
    const kernelEnv = await guardedKernel(
      join(scratch, "jupyter"),
      guard,
      options.env ?? {},
    );
    const command = [...guard, "jupyter"];
    const child = new Deno.Command(command[0], {
      args: [
        ...command.slice(1),
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--ExecutePreprocessor.kernel_name=deno",
        `--ExecutePreprocessor.timeout=${cellTimeout(options)}`,
        // nbclient waits only 4 s (by default) after a cell's reply for its
        // outputs and then silently drops them; on a loaded machine the Deno
        // kernel can take longer, so wait longer and fail loudly instead.
        "--ExecutePreprocessor.iopub_timeout=120",
        "--ExecutePreprocessor.raise_on_iopub_timeout=True",
        "--output-dir",
        scratch,
        path,
      ],
      env: { NO_COLOR: "1", ...options.env, ...kernelEnv },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const signals = stopTreeOnSignals(
      child.pid,
      path,
      () => Deno.removeSync(scratch, { recursive: true }),
    );
    const memory = watchPeakMemory(child.pid);
    let output: Deno.CommandOutput;
    try {
      output = await child.output();
    } finally {
      signals.dispose();
    }
    const peakMemory = memory.stop();
    const seconds = (performance.now() - started) / 1000;
    const stderr = stripAnsi(new TextDecoder().decode(output.stderr));
    if (!output.success) {
      const at = stderr.indexOf(
        "An error occurred while executing the following cell",
      );
      const message = at >= 0
        ? stderr.slice(at)
        : stderr.trim().split("\n").slice(-20).join("\n");
      return {
        ok: false,
        notebook: path,
        seconds,
        cell: failingCell(nb, message),
        error: message.trim(),
      };
    }
    const executedText = await Deno.readTextFile(join(scratch, basename(path)));
    const executed = JSON.parse(executedText) as NotebookJson;
    const code = executed.cells.filter((c) => c.cell_type === "code");
    const unrun = code.findIndex((c) => c.execution_count == null);
    if (unrun >= 0) {
      return {
        ok: false,
        notebook: path,
        seconds,
        cell: unrun + 1,
        error: "the cell did not run",
      };
    }
    const silent = code.findIndex((c) => (c.outputs?.length ?? 0) === 0);
    if (silent >= 0) {
      return {
        ok: false,
        notebook: path,
        seconds,
        cell: silent + 1,
        error: LOST_OUTPUT +
          "; every code cell of a notebook shows what it did (use show() from lib/notebooks/display.ts)",
      };
    }
    const target = join(options.outDir, basename(path));
    await writeTextAtomic(target, executedText);
    return {
      ok: true,
      notebook: path,
      executed: target,
      seconds,
      cells: code.length,
      peakMemory,
    };
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}
