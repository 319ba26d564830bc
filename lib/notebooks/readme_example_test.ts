/**
 * The README's "Extending the lab" example runs as printed, at the smoke
 * profile: it trains its model into a complete run record of study 000
 * with the stand-in named. Three things are swapped for the test, each
 * checked to be found: the imports point at this checkout's `lib/`, the
 * data is a small conversion of the mirror's product photos
 * (`lib/testing/s000_fixture.ts`) instead of the installed stand-in, and
 * the record goes to a temporary runs folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { temporaryDir } from "../testing/temp_dir.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** `text` with `from` replaced by `to`, failing when `from` is not there. */
function swap(text: string, from: string, to: string): string {
  if (!text.includes(from)) {
    throw new Error(`the README example no longer contains ${from}`);
  }
  return text.replaceAll(from, to);
}

Deno.test("README: the extending example trains a model into a complete run record", async () => {
  const readme = await Deno.readTextFile(join(REPO, "README.md"));
  const section = readme.slice(readme.indexOf("## Extending the lab"));
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert(example, "no ts code block under ## Extending the lab");

  await using tmp = await temporaryDir("readme_example_");
  const runsRoot = join(tmp.path, "runs");
  let code = swap(
    example,
    `"../lib/`,
    `"${pathToFileURL(join(REPO, "lib")).href}/`,
  );
  code = swap(
    code,
    "await shopArrays()",
    `await (await import("${
      pathToFileURL(join(REPO, "lib", "testing", "s000_fixture.ts")).href
    }")).smallShopSource()`,
  );
  code = swap(
    code,
    "backend: lab.backend,",
    `backend: lab.backend,\n  runsRoot: ${JSON.stringify(runsRoot)},`,
  );
  const file = join(tmp.path, "example.ts");
  await Deno.writeTextFile(file, code);

  // startNotebook reads PROFILE and sets FASHION_DATA_DIR: both put back after.
  const env = ["PROFILE", "FASHION_DATA_DIR"].map((name) =>
    [name, Deno.env.get(name)] as const
  );
  Deno.env.set("PROFILE", "smoke");
  try {
    await import(pathToFileURL(file).href);
  } finally {
    for (const [name, value] of env) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }

  const runs = [...Deno.readDirSync(runsRoot)].filter((e) => e.isDirectory);
  assert.deepEqual(runs.length, 1, "one run record");
  const dir = join(runsRoot, runs[0].name);
  const run = JSON.parse(await Deno.readTextFile(join(dir, "run.json")));
  assert.deepEqual(run.status, "complete");
  assert.deepEqual(run.name, "Shoes_Gender_narrow");
  assert.deepEqual(run.tags.study, "000");
  assert.deepEqual(run.params.profile, "smoke");
  assert(run.tags.standIn, "the stand-in is named");
  const metrics = JSON.parse(
    await Deno.readTextFile(join(dir, "metrics.json")),
  );
  assert.deepEqual(metrics.classNames, ["Female", "Male"]);
  assert(metrics.accuracy >= 0 && metrics.accuracy <= 1);
});
