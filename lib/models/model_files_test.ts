/**
 * `loadModel` alone loads the workspace's saved models: a process that
 * imports nothing but `model_files.ts` (and TF.js) loads a model with a
 * `SeededDropout` layer and `leanL2` regularizers and predicts what the
 * saving process predicted.
 *
 * Test files share one process, where other modules may already have
 * registered the layers, so both sides run in child processes: one builds
 * and saves the model, the other only loads it.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";

const here = (path: string) => new URL(path, import.meta.url).href;
const ROOT = new URL("../..", import.meta.url).pathname;

/** Four deterministic 12x9x3 images, as a JSON literal for the child scripts. */
const INPUT = JSON.stringify(
  Array.from({ length: 4 * 12 * 9 * 3 }, (_, i) => ((i * 37) % 101) / 101),
);

/** Runs `code` with `deno eval` in the repository; its last stdout line, parsed. */
async function evalJson(code: string): Promise<unknown> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(
      `child failed (${out.code}):\n${stdout}\n${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
  return JSON.parse(stdout.split("\n").at(-1)!);
}

Deno.test("loadModel alone loads a model with SeededDropout and leanL2 and predicts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "model_files_" });
  const modelDir = join(dir, "model");
  try {
    const saved = await evalJson(`
      import * as tf from "@tensorflow/tfjs";
      import { buildStudyCnn } from "${here("./study_cnn.ts")}";
      import { saveModel } from "${here("./model_files.ts")}";
      await tf.setBackend("cpu");
      const model = buildStudyCnn({
        architecture: "dense-dropout", inputShape: [12, 9, 3], kernelSize: 3,
        filters: 4, denseSize: 8, l2: 1e-4, l2Penalty: "lean", dropout: 0.4,
        classes: 3, seed: 7,
      });
      await saveModel(model, ${JSON.stringify(modelDir)});
      const x = tf.tensor4d(${INPUT}, [4, 12, 9, 3]);
      console.log(JSON.stringify(
        Array.from((model.predict(x) as tf.Tensor).dataSync()),
      ));
    `) as number[];
    assertEquals(saved.length, 4 * 3);

    // The loading side imports model_files.ts and TF.js, nothing else.
    const loaded = await evalJson(`
      import * as tf from "@tensorflow/tfjs";
      import { loadModel } from "${here("./model_files.ts")}";
      await tf.setBackend("cpu");
      const model = await loadModel(${JSON.stringify(modelDir)});
      const x = tf.tensor4d(${INPUT}, [4, 12, 9, 3]);
      console.log(JSON.stringify({
        layers: model.layers.map((l) => l.getClassName()),
        regularizers: model.layers
          .map((l) => (l.getConfig() as { kernelRegularizer?: unknown })
            .kernelRegularizer)
          .filter((r) => r != null),
        predictions: Array.from((model.predict(x) as tf.Tensor).dataSync()),
      }));
    `) as {
      layers: string[];
      regularizers: { className: string; config: Record<string, number> }[];
      predictions: number[];
    };
    assertEquals(loaded.layers, [
      "Conv2D",
      "MaxPooling2D",
      "Conv2D",
      "MaxPooling2D",
      "Flatten",
      "Dense",
      "SeededDropout",
      "Dense",
    ]);
    // leanL2 saves as TF.js' own L1L2, so it loads as that.
    assertEquals(loaded.regularizers.length, 4);
    for (const r of loaded.regularizers) {
      assertEquals(r.className, "L1L2");
      assertEquals(r.config.l1, 0);
      assertEquals(Math.abs(r.config.l2 - 1e-4) < 1e-12, true);
    }
    assertEquals(loaded.predictions, saved);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
