import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects,
  throws,
} from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import { buildFashionMnistCnn } from "../models/fashion_mnist_cnn.ts";
import { loadModel } from "../models/model_files.ts";
import { canonicalJson, runId } from "./run_id.ts";
import {
  completeRunMetrics,
  readHeadPredictions,
  readRun,
  readTestCorrectness,
  RunRecord,
} from "./record.ts";
import type { RunInfo } from "./run_json.ts";
import { readRunFolders, scanRuns } from "./run_index.ts";

const backend = await selectBackend("cpu");

const info = (params: Record<string, unknown>, seed = 1): RunInfo => ({
  name: "Primary classification",
  params,
  seed,
  dataset: { id: "fashion-mnist", fingerprint: "sha256:test" },
  splits: { train: 30, validation: 10, test: 10 },
  backend: { name: backend.name, device: backend.device },
});

Deno.test("run ids are deterministic, key-order independent and change with any input", () => {
  const a = runId("Primary classification", { kernelSize: 3, filters: 64 }, 42);
  assertEquals(
    a,
    runId("Primary classification", { filters: 64, kernelSize: 3 }, 42),
  );
  assert(/^primary-classification-[0-9a-f]{10}-s42$/.test(a), a);
  assert(
    a !== runId("Primary classification", { kernelSize: 5, filters: 64 }, 42),
  );
  assert(
    a !== runId("Primary classification", { kernelSize: 3, filters: 64 }, 43),
  );
  assertEquals(
    canonicalJson({ b: 1, a: { d: 2, c: [3] } }),
    '{"a":{"c":[3],"d":2},"b":1}',
  );
  throws(() => runId("!!!", {}, 1), /descriptive name/);
  throws(() => runId("x", { lr: NaN }, 1), /finite/);
});

Deno.test("a run folder is complete only after complete(), and the index follows", async () => {
  const root = await Deno.makeTempDir();
  try {
    const run = await RunRecord.start(info({ kernelSize: 3 }), { root });
    assertEquals((await readRun(run.dir))?.status, "running");
    await run.writeHistory([{ epoch: 0, loss: 1.2, val_loss: 1.3 }]);
    await run.writePredictions({
      trueLabels: [0, 1],
      predictedLabels: [0, 0],
      probabilities: [[0.9, 0.1], [0.6, 0.4]],
    });
    await run.writeMetrics({ accuracy: 0.5 });
    const model = buildFashionMnistCnn({ seed: 1, filters: 2, denseSize: 4 });
    await run.saveModel(model);
    // Killed here: the folder does not claim to be complete.
    const beforeComplete = await readRun(run.dir);
    assertEquals(beforeComplete?.status, "running");
    assertEquals((await scanRuns(root)).runs.map((r) => r.status), ["running"]);

    const done = await run.complete();
    assertEquals(done.status, "complete");
    assertEquals(done.files.sort(), [
      "history.json",
      "metrics.json",
      "model/model.json",
      "predictions.json",
    ]);
    assertEquals(done.versions["@tensorflow/tfjs-core"], "4.22.0");
    assertEquals(done.backend.name, "cpu");
    const index = JSON.parse(await Deno.readTextFile(join(root, "index.json")));
    assertEquals(index.runs.length, 1);
    assertEquals(index.runs[0].id, run.id);
    assertEquals(index.runs[0].metrics, { accuracy: 0.5 });
    assertEquals(
      (await loadModel(join(run.dir, "model"))).countParams(),
      model.countParams(),
    );

    await rejects(
      RunRecord.start(info({ kernelSize: 3 }), { root }),
      /already complete/,
    );
    const again = await RunRecord.start(info({ kernelSize: 3 }), {
      root,
      overwrite: true,
    });
    assertEquals((await readRun(again.dir))?.status, "running");
    await again.fail(new Error("out of memory"));
    const failed = await readRun(again.dir);
    assertEquals([failed?.status, failed?.error], ["failed", "out of memory"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("predictions with mismatched lengths are refused", async () => {
  const root = await Deno.makeTempDir();
  try {
    const run = await RunRecord.start(info({ kernelSize: 5 }), { root });
    await rejects(
      run.writePredictions({
        trueLabels: [0, 1],
        predictedLabels: [0],
        probabilities: [[1, 0]],
      }),
      /must be equal/,
    );
    await rejects(run.writeJson("run.json", {}), /other than run.json/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("test correctness is read back per image; a multi-head file is refused by name", async () => {
  const root = await Deno.makeTempDir();
  try {
    const run = await RunRecord.start(info({ kernelSize: 3 }), { root });
    const head = {
      trueLabels: [0, 1, 2, 1],
      predictedLabels: [0, 2, 2, 0],
      probabilities: [[1, 0, 0], [0, 0, 1], [0, 0, 1], [1, 0, 0]],
    };
    await run.writePredictions(head);
    assertEquals(await readTestCorrectness(run.dir), [
      true,
      false,
      true,
      false,
    ]);
    assertEquals(await readHeadPredictions(run.dir), head);
    const multi = await RunRecord.start(info({ kernelSize: 4 }), { root });
    await multi.writePredictions({ heads: { gender: head, type: head } });
    await rejects(
      readTestCorrectness(multi.dir),
      /predictions\.json holds the predictions of several heads \(gender, type\)/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a reader never sees a half-written run file while it is rewritten", async () => {
  const root = await Deno.makeTempDir();
  try {
    const run = await RunRecord.start(info({ kernelSize: 7 }), { root });
    const big = (i: number) => ({
      round: i,
      values: Array.from({ length: 20_000 }, (_, k) => k * i),
    });
    await run.writeMetrics(big(0));
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 15; i++) await run.writeMetrics(big(i));
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const text = await Deno.readTextFile(join(run.dir, "metrics.json"));
      const parsed = JSON.parse(text); // throws on a torn file
      assertEquals(parsed.values.length, 20_000);
      reads++;
    }
    await writer;
    assert(reads > 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("run folders: complete, running, damaged and non-run folders; metrics only of complete runs", async () => {
  const root = await Deno.makeTempDir();
  try {
    assertEquals(await readRunFolders(join(root, "missing")), []);
    const done = await RunRecord.start(info({ kernelSize: 7 }), { root });
    await done.writeMetrics({ accuracy: 0.75 });
    await done.complete();
    const running = await RunRecord.start(info({ kernelSize: 9 }), { root });
    await running.writeMetrics({ accuracy: 0.25 });
    await Deno.mkdir(join(root, "damaged"));
    await Deno.writeTextFile(join(root, "damaged", "run.json"), "{ not json");
    await Deno.mkdir(join(root, "notes"));
    await Deno.writeTextFile(join(root, "loose.json"), "{}");

    const folders = await readRunFolders(root);
    const byName = new Map(folders.map((f) => [f.name, f]));
    assertEquals(
      [...byName.keys()].sort(),
      [done.id, running.id, "damaged"].sort(),
    );
    assertEquals(byName.get(done.id)?.run?.status, "complete");
    assertEquals(byName.get(done.id)?.dir, done.dir);
    assertEquals(byName.get(running.id)?.run?.status, "running");
    assertEquals(byName.get("damaged")?.run, null);
    assert(byName.get("damaged")?.error instanceof SyntaxError);

    const index = await scanRuns(root);
    assertEquals(
      index.runs.map((r) => r.status).sort(),
      ["complete", "running", "unreadable"],
    );
    assert(
      index.runs.find((r) => r.id === "damaged")?.problem?.includes(
        "SyntaxError",
      ),
    );

    assertEquals(await completeRunMetrics(done.dir), { accuracy: 0.75 });
    assertEquals(await completeRunMetrics(running.dir), null);
    assertEquals(await completeRunMetrics(join(root, "notes")), null);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
