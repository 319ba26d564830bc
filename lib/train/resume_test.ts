import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { selectBackend } from "../backend.ts";
import { readCheckpoint } from "./checkpoint.ts";
import { existsOrFalse as exists } from "../io/exists.ts";

await selectBackend("cpu"); // reading the checkpoint decodes tensors

const child = fileURLToPath(
  new URL("./testdata/fit_child.ts", import.meta.url),
);

function spawnChild(checkpoint: string, result: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", child, checkpoint, result],
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

async function runToEnd(checkpoint: string, result: string) {
  const out = await spawnChild(checkpoint, result).output();
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
