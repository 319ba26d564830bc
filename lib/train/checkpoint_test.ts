import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import { readCheckpoint, writeCheckpoint } from "./checkpoint.ts";

await selectBackend("cpu");

Deno.test("a checkpoint is written tensor by tensor in tf.io.encodeWeights' layout and reads back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = [tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([0.5])];
    const optimizer = [
      { name: "iter", tensor: tf.scalar(3, "int32") },
      { name: "dense/kernel/m", tensor: tf.tensor2d([[5, 6], [7, 8]]) },
    ];
    const best = [tf.tensor2d([[9, 10], [11, 12]]), tf.tensor1d([1.5])];
    const path = join(dir, "checkpoint.bin");
    await writeCheckpoint(path, { epoch: 2 }, { model, optimizer, best });

    // The bytes after the header are exactly tf.io.encodeWeights' data.
    const file = await Deno.readFile(path);
    const jsonLength = new DataView(file.buffer).getUint32(8, true);
    const header = JSON.parse(
      new TextDecoder().decode(file.subarray(12, 12 + jsonLength)),
    );
    const encoded = await tf.io.encodeWeights([
      ...model.map((tensor, i) => ({ name: `model/${i}`, tensor })),
      ...optimizer.map((w, i) => ({
        name: `optimizer/${i}`,
        tensor: w.tensor,
      })),
      ...best.map((tensor, i) => ({ name: `best/${i}`, tensor })),
    ]);
    assert.deepEqual(header.specs, encoded.specs);
    assert.deepEqual(
      file.subarray(12 + jsonLength),
      new Uint8Array(tf.io.CompositeArrayBuffer.join(encoded.data)),
    );

    const read = await readCheckpoint<{ epoch: number }>(path);
    assert.ok(read);
    assert.deepEqual(read.state, { epoch: 2 });
    assert.deepEqual(
      read.tensors.model.map((t) => Array.from(t.dataSync())),
      [[1, 2, 3, 4], [0.5]],
    );
    assert.deepEqual(read.tensors.optimizer.map((w) => w.name), [
      "iter",
      "dense/kernel/m",
    ]);
    assert.equal(read.tensors.optimizer[0].tensor.dtype, "int32");
    assert.deepEqual(Array.from(read.tensors.best[0].dataSync()), [
      9,
      10,
      11,
      12,
    ]);
    tf.dispose([
      ...model,
      ...best,
      ...optimizer.map((w) => w.tensor),
      ...read.tensors.model,
      ...read.tensors.best,
      ...read.tensors.optimizer.map((w) => w.tensor),
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
