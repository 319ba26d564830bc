/**
 * `deno task check` part: whether every notebook is formatted as `deno fmt`
 * formats it. `deno fmt --check` (Deno 2.9) reports `.ipynb` files as not
 * formatted even when `deno fmt` would not change a byte of them, so this
 * formats a copy of each notebook and compares the bytes instead.
 *
 * ```sh
 * deno run -A tasks/fmt_notebooks.ts [notebooks]
 * ```
 *
 * @module
 */
import { join, resolve } from "node:path";

const dir = resolve(Deno.args[0] ?? "notebooks");
const config = resolve("deno.json");
const names = [...Deno.readDirSync(dir)]
  .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
  .map((e) => e.name)
  .sort();
const scratch = await Deno.makeTempDir({ prefix: "fmt-notebooks-" });
const unformatted: string[] = [];
try {
  for (const name of names) {
    const original = await Deno.readFile(join(dir, name));
    const copy = join(scratch, name);
    await Deno.writeFile(copy, original);
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--quiet", "--config", config, copy],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!run.success) {
      throw new Error(
        `deno fmt failed on ${name}: ${new TextDecoder().decode(run.stderr)}`,
      );
    }
    const formatted = await Deno.readFile(copy);
    if (
      formatted.length !== original.length ||
      formatted.some((byte, i) => byte !== original[i])
    ) {
      unformatted.push(join(dir, name));
    }
  }
} finally {
  await Deno.remove(scratch, { recursive: true });
}
if (unformatted.length) {
  console.error(
    `Not formatted (run \`deno fmt ${unformatted.join(" ")}\`):\n  ${
      unformatted.join("\n  ")
    }`,
  );
  Deno.exit(1);
}
console.log(`${names.length} notebooks formatted`);
