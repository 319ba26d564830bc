/**
 * Stopping `deno task notebooks` stops the notebook's processes: nbconvert,
 * the Deno kernel (which Jupyter starts in a session of its own) and
 * anything under them, whether the task gets SIGINT or SIGTERM or is
 * SIGKILLed.
 *
 * The notebook's cell writes the kernel's pid to a file and then blocks for
 * 60 s; the test does not depend on any displayed output.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { notebookToolsMissing } from "./run.ts";
import { processTree } from "./peak_memory.ts";
import { killProcessTree, parentDeathPrefix } from "./process_guard.ts";
import { notebookJson } from "../testing/notebook_fixture.ts";
import { existsOrFalseSync } from "../io/exists.ts";

const TASK = fileURLToPath(
  new URL("../../tasks/notebooks.ts", import.meta.url),
);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const missing = await notebookToolsMissing();
const hasProc = existsOrFalseSync("/proc/self/stat");
const guarded = (await parentDeathPrefix()).length > 0;
if (missing) console.log(`notebook stop tests skipped: ${missing}`);

interface Proc {
  pid: number;
  /** Start time in clock ticks (field 22 of `/proc/<pid>/stat`): tells a reused pid apart. */
  start: string;
  cmdline: string;
}

function readProc(pid: number): (Proc & { state: string }) | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`)
      .split("\0").filter(Boolean).join(" ");
    return { pid, state: fields[0], start: fields[19], cmdline };
  } catch {
    return null;
  }
}

/** Whether `p` still runs: the same process (same start time), not a zombie. */
function alive(p: Proc): boolean {
  const now = readProc(p.pid);
  return now !== null && now.start === p.start && now.state !== "Z";
}

/** Processes (not zombies) whose command line mentions `text`. */
function processesMentioning(text: string): Proc[] {
  const found: Proc[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    const p = readProc(pid);
    if (p && p.state !== "Z" && p.cmdline.includes(text)) found.push(p);
  }
  return found;
}

async function waitFor<T>(
  what: string,
  seconds: number,
  probe: () => T | null | undefined | false,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const value = probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${seconds} s waiting for ${what}`);
}

async function stopTest(signal: "SIGINT" | "SIGTERM" | "SIGKILL") {
  const dir = await Deno.makeTempDir({ prefix: "nb_stop_" });
  const marker = join(dir, "kernel.pid");
  await Deno.writeTextFile(
    join(dir, "long.ipynb"),
    notebookJson([
      "const first = 1;",
      `Deno.writeTextFileSync(${
        JSON.stringify(marker)
      }, String(Deno.pid));\nAtomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);`,
    ]),
  );
  const task = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      TASK,
      "--profile",
      "smoke",
      "--dir",
      dir,
      "--out",
      join(dir, "out"),
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = task.output();
  let exited = false;
  output.finally(() => exited = true);
  let recorded: Proc[] = [];
  try {
    // The kernel is running the blocking cell once it has written its pid.
    const kernelPid = await waitFor("the kernel to start the cell", 180, () => {
      if (exited) throw new Error("the task ended before the cell ran");
      const text = existsOrFalseSync(marker)
        ? Deno.readTextFileSync(marker).trim()
        : "";
      return text ? Number(text) : null;
    });
    recorded = processTree(task.pid).filter((pid) => pid !== task.pid)
      .map(readProc).filter((p) => p !== null);
    const kernel = recorded.find((p) => p.pid === kernelPid);
    assert.ok(
      kernel && /jupyter --kernel/.test(kernel.cmdline),
      `the kernel ${kernelPid} is not in the task's tree: ${
        JSON.stringify(recorded)
      }`,
    );
    assert.ok(
      recorded.some((p) => p.cmdline.includes("nbconvert")),
      JSON.stringify(recorded),
    );

    task.kill(signal);
    const result = await Promise.race([
      output,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("the task did not end")), 15_000)
      ),
    ]);
    const left = () => {
      const procs = [...recorded.filter(alive), ...processesMentioning(dir)];
      return [...new Set(procs.map((p) => `${p.pid} ${p.cmdline}`))];
    };
    const survivors = await waitFor(
      "the tree to end",
      10,
      () => left().length === 0 && [],
    ).catch(left);
    assert.deepEqual(survivors, [], "processes of the run are still alive");

    const stderr = new TextDecoder().decode(result.stderr);
    if (signal !== "SIGKILL") {
      assert.equal(result.code, signal === "SIGINT" ? 130 : 143, stderr);
      assert.match(stderr, new RegExp(`long\\.ipynb: stopped by ${signal}`));
    } else {
      assert.equal(result.signal, "SIGKILL");
    }
    assert.ok(!existsOrFalseSync(join(dir, "out", "long.ipynb")));
  } finally {
    // Whatever happened, leave nothing running.
    for (const p of recorded.filter(alive)) killProcessTree(p.pid);
    if (!exited) {
      try {
        task.kill("SIGKILL");
      } catch {
        // gone
      }
    }
    await output.catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

Deno.test({
  name:
    "SIGTERM to deno task notebooks ends nbconvert and the kernel and exits 143",
  ignore: missing !== null || !hasProc,
  fn: () => stopTest("SIGTERM"),
});

Deno.test({
  name:
    "SIGINT to deno task notebooks ends nbconvert and the kernel and exits 130",
  ignore: missing !== null || !hasProc,
  fn: () => stopTest("SIGINT"),
});

Deno.test({
  name: "SIGKILL of deno task notebooks ends nbconvert and the kernel too",
  ignore: missing !== null || !hasProc || !guarded,
  fn: () => stopTest("SIGKILL"),
});
