/**
 * Atomic file writes: the data lands in a temporary file beside the target
 * and is renamed over it only when complete, so a reader never sees a
 * half-written file, even if the process is killed mid-write.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

function tempPathFor(path: string): string {
  const suffix = `${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  return join(dirname(path), `.${basename(path)}.${suffix}`);
}

/**
 * Writes `data` to `path` atomically (temp file, fsync, rename). Creates the
 * parent folder if needed.
 *
 * @example
 * ```ts
 * await writeFileAtomic("reports/runs/x/metrics.json", new TextEncoder().encode("{}"));
 * ```
 */
export function writeFileAtomic(
  path: string,
  data: Uint8Array,
): Promise<void> {
  return writeChunksAtomic(path, [data]);
}

/**
 * Writes the chunks one after another to `path` atomically (temp file,
 * fsync, rename), so a large file never has to exist in memory as one
 * buffer: each chunk can be produced just before it is written. If a chunk
 * (or the iteration) throws, nothing is left behind and `path` is untouched.
 */
export async function writeChunksAtomic(
  path: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  try {
    const file = await Deno.open(temp, {
      write: true,
      create: true,
      truncate: true,
    });
    try {
      for await (const data of chunks) {
        let written = 0;
        while (written < data.length) {
          written += await file.write(data.subarray(written));
        }
      }
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** Writes UTF-8 text to `path` atomically. */
export function writeTextAtomic(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, new TextEncoder().encode(text));
}

/** Writes `value` as pretty-printed JSON (with a trailing newline) atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeTextAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Copies `from` to `to` atomically: the copy lands under a temporary name and
 * is renamed into place when complete.
 */
export async function copyFileAtomic(from: string, to: string): Promise<void> {
  await Deno.mkdir(dirname(to), { recursive: true });
  const temp = tempPathFor(to);
  try {
    await Deno.copyFile(from, temp);
    await Deno.rename(temp, to);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
