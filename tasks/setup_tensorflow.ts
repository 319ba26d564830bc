/**
 * Builds the native TensorFlow backend (`@tensorflow/tfjs-node`) without its
 * installer's download, from a TensorFlow wheel or an extracted C library.
 *
 *   deno run -A tasks/setup_tensorflow.ts [--libtensorflow <wheel-or-dir>] [--force]
 *
 * With no source (and no TFJS_LIBTENSORFLOW_DIR), the pinned tensorflow-cpu
 * wheel is fetched from PyPI with pip and verified. Run by `deno task setup`.
 */
import { buildTfjsNodeAddon } from "../lib/native/libtensorflow.ts";
import { buildFashionOps } from "../lib/native/fashion_ops.ts";
import { TaskArgs } from "./args.ts";

const cli = new TaskArgs(
  "setup_tensorflow",
  "usage: deno run -A tasks/setup_tensorflow.ts [--libtensorflow <wheel-or-dir>] [--force]",
);
const { values } = cli.parse({
  options: {
    libtensorflow: { type: "string" },
    force: { type: "boolean", default: false },
  },
});

const source = values.libtensorflow ?? Deno.env.get("TFJS_LIBTENSORFLOW_DIR");
const started = performance.now();
try {
  const result = await buildTfjsNodeAddon({
    source: source || undefined,
    force: values.force,
    log: (line) => console.log(`tensorflow: ${line}`),
  });
  // The workspace's own ops, against the same wheel (Adam in one pass).
  const ops = await buildFashionOps({
    source: result.stamp.source,
    sha256: result.stamp.sha256,
    force: values.force,
    log: (line) => console.log(`tensorflow: ${line}`),
  });
  // Load both in a fresh process: proves the addon, its libraries, the shim
  // and the ops work.
  const probe = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { loadTfjsNode } from "./lib/native/tfjs_node.ts";
       import { loadFashionOps } from "./lib/native/fashion_ops.ts";
       const r = await loadTfjsNode();
       if (!r.ok) { console.log(JSON.stringify(r)); Deno.exit(1); }
       const ops = await loadFashionOps();
       if (!ops.loaded) { console.log(JSON.stringify({ ok: false, reason: ops.reason })); Deno.exit(1); }
       console.log(JSON.stringify(r));`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const said = new TextDecoder().decode(probe.stdout).trim().split("\n").at(-1);
  if (!probe.success) {
    throw new Error(
      `the addon was built but does not load: ${said}\n${
        new TextDecoder().decode(probe.stderr)
      }`,
    );
  }
  const version = JSON.parse(said!).version;
  console.log(
    `tensorflow: ready, TensorFlow ${version} (${
      result.built ? "built" : "already built"
    } in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s): ${result.addon}; ops ${
      ops.built ? "built" : "already built"
    }: ${ops.library}`,
  );
} catch (error) {
  console.error(
    `tensorflow: ${error instanceof Error ? error.message : error}`,
  );
  Deno.exit(1);
}
