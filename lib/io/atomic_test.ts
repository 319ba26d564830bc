import assert from "node:assert/strict";
import { join } from "node:path";
import { writeChunksAtomic, writeFileAtomic } from "./atomic.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("chunks land in order in one file; a failing chunk leaves the old file and no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "sub", "out.bin");
    await writeChunksAtomic(
      path,
      (async function* () {
        yield bytes("ab");
        yield new Uint8Array(0);
        yield bytes("cde");
      })(),
    );
    assert.equal(await Deno.readTextFile(path), "abcde");
    await assert.rejects(
      writeChunksAtomic(
        path,
        (async function* () {
          yield bytes("partial");
          throw new Error("the third tensor could not be read");
        })(),
      ),
      /third tensor/,
    );
    assert.equal(await Deno.readTextFile(path), "abcde");
    assert.deepEqual(
      [...Deno.readDirSync(join(dir, "sub"))].map((e) => e.name),
      ["out.bin"],
    );
    await writeFileAtomic(path, bytes("xyz"));
    assert.equal(await Deno.readTextFile(path), "xyz");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
