import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { selectBackend } from "../backend.ts";
import { loadTfjsNode } from "../native/tfjs_node.ts";
import type { RunJson } from "../runs/run_json.ts";
import { readCheckpoint } from "./checkpoint.ts";
import { readLoopState } from "./fit_checkpoint.ts";
import { existsOrFalse as exists } from "../io/exists.ts";

const native = await loadTfjsNode();
if (!native.ok) {
  console.log(`tensorflow resume test skipped: ${native.reason}`);
}
await selectBackend("cpu"); // reading the checkpoint decodes tensors

const child = fileURLToPath(
  new URL("./testdata/fit_child.ts", import.meta.url),
);

/** What `testdata/fit_child.ts` writes. */
interface ChildResult {
  history: Record<string, number>[];
  resumedAtEpoch: number;
  weights: string;
  epochWeights: Record<string, string>;
  runDir?: string;
}

function spawnChild(
  checkpoint: string,
  result: string,
  options: string[] = [],
  backend = "cpu",
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", child, checkpoint, result, ...options],
    env: { TFJS_BACKEND: backend },
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

async function runToEnd(
  checkpoint: string,
  result: string,
  options: string[] = [],
  backend = "cpu",
): Promise<ChildResult> {
  const out = await spawnChild(checkpoint, result, options, backend).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(await Deno.readTextFile(result));
}

Deno.test("a run killed with SIGKILL after its first checkpoint resumes to the uninterrupted result", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const reference = await runToEnd(join(dir, "a.ckpt"), join(dir, "a.json"));
    assertEquals(reference.resumedAtEpoch, 0);
    assertEquals(reference.history.length, 3);

    const checkpoint = join(dir, "b.ckpt");
    const result = join(dir, "b.json");
    const victim = spawnChild(checkpoint, result);
    const deadline = Date.now() + 120_000;
    while (!(await exists(checkpoint))) {
      assert(Date.now() < deadline, "no checkpoint within 120 s");
      await new Promise((r) => setTimeout(r, 5));
    }
    victim.kill("SIGKILL");
    const status = await victim.status;
    await victim.stderr.cancel();
    assertEquals(status.signal, "SIGKILL");
    assert(!(await exists(result)), "the killed run must not have finished");

    // The checkpoint on disk is whole and says where to resume.
    const saved = await readCheckpoint<
      { nextEpoch: number; finished: boolean }
    >(
      checkpoint,
    );
    assert(saved !== null);
    assert(saved.state.nextEpoch >= 1 && saved.state.nextEpoch < 3);
    assertEquals(saved.state.finished, false);
    const leftovers = [...Deno.readDirSync(dir)].filter((e) =>
      e.name.endsWith(".tmp")
    );
    assert(leftovers.length <= 1, "at most one abandoned temp file");

    const resumed = await runToEnd(checkpoint, result);
    assertEquals(resumed.resumedAtEpoch, saved.state.nextEpoch);
    assertEquals(resumed.history, reference.history);
    assertEquals(resumed.weights, reference.weights);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const readRunJson = async (dir: string): Promise<RunJson> =>
  JSON.parse(await Deno.readTextFile(join(dir, "run.json")));

/**
 * Trains the child's run uninterrupted, then again inside a run record,
 * killed (SIGKILL, by itself) at the first batch of epoch 2 and resumed:
 * after 20 Adam steps, where `pow(β₂, 21)` and the running float32 product
 * `β₂ᵗ` differ in the last bit. Checks the resumed run against the
 * uninterrupted one (history, weights after epoch 2 and at the end) and
 * what its `run.json` says about the resume.
 */
async function killAtEpoch2AndResume(backend: string): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: `resume_${backend}_` });
  try {
    const reference = await runToEnd(
      join(dir, "a.ckpt"),
      join(dir, "a.json"),
      [],
      backend,
    );
    const runs = join(dir, "runs");
    const result = join(dir, "b.json");
    const killed = await spawnChild(
      "unused",
      result,
      ["--runs", runs, "--kill-at-epoch", "2"],
      backend,
    ).output();
    assertEquals(
      killed.signal,
      "SIGKILL",
      new TextDecoder().decode(killed.stderr),
    );
    const [runDir] = [...Deno.readDirSync(runs)].filter((e) => e.isDirectory)
      .map((e) => join(runs, e.name));
    const first = await readRunJson(runDir);
    assertEquals(first.status, "running");
    const saved = await readLoopState(join(runDir, "checkpoint.bin"));
    assert(saved !== null);
    assertEquals(saved.nextEpoch, 2);
    assert(saved.savedAt !== undefined);
    assert(
      saved.optimizerScalars?.accBeta2 !== undefined,
      "Adam's running powers are saved with the checkpoint",
    );

    const resumed = await runToEnd("unused", result, ["--runs", runs], backend);
    assertEquals(resumed.resumedAtEpoch, 2);
    assertEquals(resumed.history, reference.history);
    assertEquals(resumed.epochWeights["2"], reference.epochWeights["2"]);
    assertEquals(resumed.weights, reference.weights);

    const run = await readRunJson(runDir);
    assertEquals(run.status, "complete");
    assertEquals(run.resumed, [{ atEpoch: 2, at: run.startedAt }]);
    const firstSitting = (Date.parse(saved.savedAt) -
      Date.parse(first.startedAt)) / 1000;
    const lastSitting = (Date.parse(run.finishedAt!) -
      Date.parse(run.startedAt)) / 1000;
    assert(firstSitting > 0);
    assert(
      Math.abs(run.durationSeconds! - (firstSitting + lastSitting)) < 0.5,
      `durationSeconds ${run.durationSeconds} counts both sittings (${firstSitting} s to the last checkpoint + ${lastSitting} s)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("cpu: a run killed at epoch 2 resumes bit for bit, and its run.json records the resume and both sittings", async () => {
  await killAtEpoch2AndResume("cpu");
});

Deno.test({
  name:
    "tensorflow: a run killed at epoch 2 resumes bit for bit, and its run.json records the resume and both sittings",
  ignore: !native.ok,
  fn: async () => {
    await killAtEpoch2AndResume("tensorflow");
  },
});
