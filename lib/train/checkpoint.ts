/**
 * Training checkpoints: one file holding the model weights, the optimizer
 * state, the best weights so far (for early stopping) and the loop state
 * (epoch, seed, history) as JSON. It is written atomically, so after a
 * crash or `kill -9` the file is either the previous checkpoint or the new
 * one, never a mixture.
 *
 * File layout: the 8 bytes `TFJSCKP1`, a 4-byte little-endian JSON length,
 * the JSON header (state + weight specs), then the weight bytes
 * (`tf.io.encodeWeights`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { writeChunksAtomic } from "../io/atomic.ts";

const MAGIC = "TFJSCKP1";

/** A tensor with a name (as optimizers report their state). */
export interface NamedTensor {
  /** The name. */
  name: string;
  /** The value. */
  tensor: tf.Tensor;
}

/** The tensors of a checkpoint, in group order. */
export interface CheckpointTensors {
  /** Model weights (`model.getWeights()` order). */
  model: tf.Tensor[];
  /** Optimizer weights with their names (`optimizer.getWeights()`). */
  optimizer: NamedTensor[];
  /** Best weights so far, or empty. */
  best: tf.Tensor[];
}

/** A checkpoint read back: the caller's JSON state and the tensors. */
export interface Checkpoint<S> {
  /** The loop state saved with the weights. */
  state: S;
  /** The tensors (the caller disposes them). */
  tensors: CheckpointTensors;
}

interface Header<S> {
  state: S;
  groups: { model: number; optimizer: string[]; best: number };
  specs: tf.io.WeightsManifestEntry[];
}

/**
 * Writes a checkpoint to `path` atomically, one tensor at a time: the
 * largest buffer held at once is one tensor's bytes, not the whole file
 * (for study 000's widest models the file is over 600 MB).
 */
export async function writeCheckpoint<S>(
  path: string,
  state: S,
  tensors: CheckpointTensors,
): Promise<void> {
  const named: NamedTensor[] = [
    ...tensors.model.map((tensor, i) => ({ name: `model/${i}`, tensor })),
    ...tensors.optimizer.map((w, i) => ({
      name: `optimizer/${i}`,
      tensor: w.tensor,
    })),
    ...tensors.best.map((tensor, i) => ({ name: `best/${i}`, tensor })),
  ];
  for (const { name, tensor } of named) {
    if (tensor.dtype === "string") {
      throw new Error(`Checkpoint tensor ${name} is a string tensor`);
    }
  }
  // What tf.io.encodeWeights writes for numeric tensors: this spec, then
  // the tensor's bytes, in order.
  const header: Header<S> = {
    state,
    groups: {
      model: tensors.model.length,
      optimizer: tensors.optimizer.map((w) => w.name),
      best: tensors.best.length,
    },
    specs: named.map(({ name, tensor }) => ({
      name,
      shape: tensor.shape,
      dtype: tensor.dtype as tf.io.WeightsManifestEntry["dtype"],
    })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const prefix = new Uint8Array(8 + 4);
  prefix.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(prefix.buffer).setUint32(8, json.length, true);
  await writeChunksAtomic(
    path,
    (async function* () {
      yield prefix;
      yield json;
      for (const { tensor } of named) {
        const values = await tensor.data();
        yield new Uint8Array(
          values.buffer,
          values.byteOffset,
          values.byteLength,
        );
      }
    })(),
  );
}

/**
 * The JSON header's length from a checkpoint's first 12 bytes (8 magic
 * bytes, a u32 LE length).
 *
 * @throws naming `path` when the bytes are not a checkpoint's.
 */
function headerLength(prefix: Uint8Array, path: string): number {
  const magic = new TextDecoder().decode(prefix.subarray(0, 8));
  if (magic !== MAGIC || prefix.length < 12) {
    throw new Error(
      `${path} is not a training checkpoint (bad header); delete it to start training afresh`,
    );
  }
  return new DataView(prefix.buffer, prefix.byteOffset).getUint32(8, true);
}

async function readExactly(
  file: Deno.FsFile,
  length: number,
): Promise<Uint8Array | null> {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = await file.read(out.subarray(got));
    if (n === null) return null;
    got += n;
  }
  return out;
}

/**
 * A checkpoint's state without its tensors (only the JSON header is read),
 * or null when `path` does not exist.
 *
 * @throws naming `path` when the file is not a checkpoint.
 */
export async function readCheckpointState<S>(path: string): Promise<S | null> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  try {
    const prefix = (await readExactly(file, 12)) ?? new Uint8Array(0);
    const json = await readExactly(file, headerLength(prefix, path));
    if (!json) {
      throw new Error(
        `${path} ends inside its header; delete it to start training afresh`,
      );
    }
    return (JSON.parse(new TextDecoder().decode(json)) as Header<S>).state;
  } finally {
    file.close();
  }
}

/** Reads a checkpoint, or returns null when `path` does not exist. */
export async function readCheckpoint<S>(
  path: string,
): Promise<Checkpoint<S> | null> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const jsonLength = headerLength(bytes, path);
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength)),
  ) as Header<S>;
  const weightBytes = bytes.slice(12 + jsonLength);
  const map = tf.io.decodeWeights(weightBytes.buffer, header.specs);
  const take = (name: string) => {
    const t = map[name];
    if (!t) {
      throw new Error(
        `${path} is missing tensor ${name}; the checkpoint is damaged, delete it to start afresh`,
      );
    }
    return t;
  };
  return {
    state: header.state,
    tensors: {
      model: Array.from(
        { length: header.groups.model },
        (_, i) => take(`model/${i}`),
      ),
      optimizer: header.groups.optimizer.map((name, i) => ({
        name,
        tensor: take(`optimizer/${i}`),
      })),
      best: Array.from(
        { length: header.groups.best },
        (_, i) => take(`best/${i}`),
      ),
    },
  };
}
