import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { notebookToolsMissing } from "../lib/notebooks/run.ts";
import { notebookJson, showCell } from "../lib/testing/notebook_fixture.ts";

const TASK = fileURLToPath(new URL("./notebooks.ts", import.meta.url));
const missing = await notebookToolsMissing();

Deno.test({
  name:
    "deno task notebooks: runs them in order, and a failing cell exits non-zero naming notebook, cell and error",
  ignore: missing !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "notebooks_" });
    await Deno.writeTextFile(
      join(dir, "01_fine.ipynb"),
      notebookJson([showCell("first notebook")]),
    );
    await Deno.writeTextFile(
      join(dir, "02_broken.ipynb"),
      notebookJson([
        showCell("before the failure"),
        'throw new Error("the data folder is empty");',
        showCell("never shown"),
      ]),
    );
    await Deno.writeTextFile(
      join(dir, "03_after.ipynb"),
      notebookJson([showCell("never run")]),
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        TASK,
        "--profile",
        "smoke",
        "--dir",
        dir,
        "--out",
        join(dir, "out"),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 1, stdout + stderr);
    assert.match(stdout, /01_fine\.ipynb: 1 cells/);
    assert.match(stderr, /02_broken\.ipynb: cell 2 failed/);
    assert.match(stderr, /the data folder is empty/);
    assert.doesNotMatch(stdout + stderr, /03_after/);
    const written = [...Deno.readDirSync(join(dir, "out"))].map((e) => e.name);
    assert.deepEqual(written, ["01_fine.ipynb"]);
    await Deno.remove(dir, { recursive: true });
  },
});
