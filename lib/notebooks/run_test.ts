import { join } from "node:path";
import { executeNotebook, notebookToolsMissing, readNotebook } from "./run.ts";
import { notebookJson, showCell } from "../testing/notebook_fixture.ts";
import { existsOrFalse } from "../io/exists.ts";

const missing = await notebookToolsMissing();
if (missing) console.log(`notebook execution tests skipped: ${missing}`);

Deno.test({
  name: "a passing notebook is executed and saved with every cell's outputs",
  ignore: missing !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      join(dir, "ok.ipynb"),
      notebookJson([
        // Each display waits as the workspace's display helpers do (showCell).
        'await Deno.jupyter.display({ "text/plain": "profile " + Deno.env.get("PROFILE") }, { raw: true });\nawait new Promise((r) => setTimeout(r, 50));',
        'const answer = 6 * 7;\nawait Deno.jupyter.display({ "text/plain": String(answer) }, { raw: true });\nawait new Promise((r) => setTimeout(r, 50));',
      ]),
    );
    const result = await executeNotebook(join(dir, "ok.ipynb"), {
      outDir: join(dir, "out"),
      env: { PROFILE: "smoke" },
    });
    if (!result.ok) throw new Error(result.error);
    const executed = await readNotebook(result.executed);
    const [first, second] = executed.cells;
    if (JSON.stringify(first.outputs).indexOf("profile smoke") < 0) {
      throw new Error(JSON.stringify(first.outputs));
    }
    if (JSON.stringify(second.outputs).indexOf("42") < 0) {
      throw new Error(JSON.stringify(second.outputs));
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "a failing cell stops the run and is named with its error; no executed copy is written",
  ignore: missing !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      join(dir, "bad.ipynb"),
      notebookJson([
        "const a = 1;",
        'throw new Error("deliberate failure in cell two");',
        'console.log("never")',
      ]),
    );
    const result = await executeNotebook(join(dir, "bad.ipynb"), {
      outDir: join(dir, "out"),
    });
    if (result.ok) throw new Error("a failing notebook passed");
    if (
      result.cell !== 2 ||
      !result.error.includes("deliberate failure in cell two")
    ) {
      throw new Error(`cell ${result.cell}: ${result.error}`);
    }
    const written = await existsOrFalse(join(dir, "out", "bad.ipynb"));
    if (written) {
      throw new Error("an executed copy of a failed notebook was written");
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "a code cell that shows nothing fails the run, named by number",
  ignore: missing !== null,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      join(dir, "quiet.ipynb"),
      notebookJson([
        showCell("first"),
        "const quiet = 1;",
      ]),
    );
    const result = await executeNotebook(join(dir, "quiet.ipynb"), {
      outDir: join(dir, "out"),
    });
    if (result.ok || result.cell !== 2 || !result.error.includes("nothing")) {
      throw new Error(JSON.stringify(result));
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("committed notebooks are nbformat 4, use the Deno kernel and carry no outputs", async () => {
  const dir = new URL("../../notebooks/", import.meta.url).pathname;
  const names = [...Deno.readDirSync(dir)].filter((e) =>
    e.name.endsWith(".ipynb")
  ).map((e) => e.name);
  if (names.length === 0) throw new Error("no notebooks found");
  for (const name of names) {
    const nb = await readNotebook(join(dir, name));
    for (const [i, cell] of nb.cells.entries()) {
      if (
        cell.cell_type === "code" &&
        ((cell.outputs?.length ?? 0) > 0 || cell.execution_count != null)
      ) {
        throw new Error(
          `${name}: cell ${i + 1} has outputs; commit notebooks cleared`,
        );
      }
    }
  }
});
