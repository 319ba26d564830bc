import assert from "node:assert/strict";
import { join } from "node:path";
import { exists, existsOrFalse, existsOrFalseSync } from "./exists.ts";

Deno.test("exists: true for files, folders and links to them; false when missing; other errors are raised", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "a.txt");
    await Deno.writeTextFile(file, "a");
    await Deno.symlink(file, join(dir, "link"));
    await Deno.symlink(join(dir, "gone"), join(dir, "dangling"));
    assert.equal(await exists(file), true);
    assert.equal(await exists(dir), true);
    assert.equal(await exists(join(dir, "link")), true);
    assert.equal(await exists(join(dir, "missing")), false);
    assert.equal(await exists(join(dir, "missing", "deeper")), false);
    // The link is followed; its target is missing.
    assert.equal(await exists(join(dir, "dangling")), false);
    // A file where a folder should be is not "not found": it is raised.
    await assert.rejects(
      exists(join(file, "inside")),
      Deno.errors.NotADirectory,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("existsOrFalse and existsOrFalseSync: any error is false", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "a.txt");
    await Deno.writeTextFile(file, "a");
    for (
      const check of [existsOrFalse, (p: string) => existsOrFalseSync(p)]
    ) {
      assert.equal(await check(file), true);
      assert.equal(await check(dir), true);
      assert.equal(await check(join(dir, "missing")), false);
      assert.equal(await check(join(file, "inside")), false);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
