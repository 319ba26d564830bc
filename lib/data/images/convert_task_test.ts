/**
 * `deno task convert` (tasks/convert.ts) on inputs it cannot convert: an
 * empty folder, a folder where every image is bad, a clothing-dataset-small
 * copy without `validation/`. Each exits 1 with one message naming the
 * folder (no stack trace) and writes nothing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../../testing/mirror.ts";
import { makeBadInputs } from "../../testing/bad_inputs.ts";
import { datasetDir } from "../../testing/mirror.ts";

async function convertTask(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(REPO_ROOT, "tasks", "convert.ts"), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: output.code,
    stdout: text(output.stdout),
    stderr: text(output.stderr),
  };
}

/** One message, no stack trace. */
function assertOneMessage(stderr: string) {
  assert(!/^\s+at /m.test(stderr), `stack trace in: ${stderr}`);
  assert(!stderr.includes("Uncaught"), stderr);
  assert.match(stderr, /^convert: /);
}

Deno.test("deno task convert: an empty folder, or one where every image is bad, exits 1 naming it and writes nothing", async () => {
  const root = await Deno.makeTempDir({ prefix: "convert_task_" });
  try {
    const empty = join(root, "empty");
    await Deno.mkdir(empty);
    const out = join(root, "out");
    const none = await convertTask([
      "--dataset",
      "fashion-shop-samples",
      "--in",
      empty,
      "--out",
      out,
    ]);
    assert.equal(none.code, 1, none.stderr);
    assertOneMessage(none.stderr);
    assert(none.stderr.includes(empty), none.stderr);
    assert.match(none.stderr, /holds no image files/);

    const bad = join(root, "bad");
    await Deno.mkdir(bad);
    const cases = await makeBadInputs(join(root, "corpus"));
    const refused = cases.filter((c) =>
      ["empty-file", "truncated", "not-an-image"].includes(c.expect)
    );
    refused.forEach((c, i) =>
      Deno.copyFileSync(c.path, join(bad, `0000${i}_1${i}_Shoes.jpg`))
    );
    const allBad = await convertTask([
      "--dataset",
      "fashion-shop-samples",
      "--in",
      bad,
      "--out",
      out,
    ]);
    assert.equal(allBad.code, 1, allBad.stderr);
    assertOneMessage(allBad.stderr);
    assert(allBad.stderr.includes(bad), allBad.stderr);
    assert.match(
      allBad.stderr,
      new RegExp(`all ${refused.length} entries were skipped`),
    );
    assert.match(allBad.stderr, /truncated \d+/);
    assert.deepEqual(
      [...Deno.readDirSync(root)].map((e) => e.name).sort(),
      ["bad", "corpus", "empty"],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("deno task convert: clothing-dataset-small without validation/ exits 1 naming the folder", async () => {
  const root = await Deno.makeTempDir({ prefix: "convert_task_layout_" });
  try {
    const source = datasetDir("clothing-dataset-small");
    for (const split of ["train", "test"]) {
      const cls = join(root, "in", split, "dress");
      await Deno.mkdir(cls, { recursive: true });
      const first = [...Deno.readDirSync(join(source, split, "dress"))]
        .map((e) => e.name).sort()[0];
      await Deno.copyFile(
        join(source, split, "dress", first),
        join(cls, first),
      );
    }
    const result = await convertTask([
      "--dataset",
      "clothing-dataset-small",
      "--in",
      join(root, "in"),
      "--out",
      join(root, "out"),
    ]);
    assert.equal(result.code, 1, result.stderr);
    assertOneMessage(result.stderr);
    assert(
      result.stderr.includes(`${join(root, "in", "validation")} is missing`),
      result.stderr,
    );
    assert(!result.stderr.includes("NotFound"), result.stderr);
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), ["in"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
