/**
 * Conversion throughput: this workspace's sharp pipeline (lib/data/images/convert.ts)
 * against the studies' PIL `thumbnail` + `np.asarray` on the same images.
 *
 *   deno run -A tasks/bench/convert.ts [--n 1000] [--concurrency 4] [--dir <images folder>] [--decode-floor]
 *
 * The PIL side runs tasks/bench/pil_convert.py with Debian's
 * `/usr/bin/python3` (apt-get install -y python3-pil python3-numpy); it is
 * skipped with a message when that is missing. Each side runs once after a
 * warm-up pass over the same files (so both read from the page cache). The
 * last line is the ratio of the two throughputs (`sharpOverPil`, above 1
 * when this workspace's conversion is the faster).
 *
 * `--decode-floor` also measures what no sharp pipeline can beat on these
 * files: decoding alone, and decoding plus the resize into 90x120 and
 * nothing else, one process per core (`tasks/bench/sharp_decode_floor.ts`),
 * and adds their ratios to PIL (`decodeFloorOverPil`, `resizeFloorOverPil`).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { convertImages } from "../../lib/data/images/convert.ts";
import { datasetDir } from "../../lib/testing/mirror.ts";
import { TaskArgs } from "../args.ts";

const cli = new TaskArgs(
  "bench:convert",
  "usage: deno task bench:convert [--n 1000] [--concurrency 4] [--dir <images folder>] [--decode-floor]",
);
const { values } = cli.parse({
  options: {
    n: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "4" },
    dir: { type: "string" },
    "decode-floor": { type: "boolean", default: false },
  },
});
const n = cli.positiveInt("n", values.n);
const concurrency = cli.positiveInt("concurrency", values.concurrency);
const dir = cli.directory("dir", values.dir) ??
  join(datasetDir("fashion-product-images"), "images");
const files = [...Deno.readDirSync(dir)].map((e) => e.name)
  .filter((name) => /\.(jpe?g|png|webp)$/i.test(name)).sort()
  .slice(0, n).map((f) => join(dir, f));
const list = await Deno.makeTempFile({ suffix: ".txt" });
await Deno.writeTextFile(list, files.join("\n"));
for (const f of files) await Deno.readFile(f); // warm the page cache

const items = files.map((path) => ({ id: path, path, label: "x" }));
const result = await convertImages(items, { concurrency });
const r = result.report;
console.log(JSON.stringify({
  tool:
    `sharp ${r.versions.sharp} (libvips ${r.versions.vips}), fit contain + pad`,
  images: r.total,
  seconds: r.elapsedSeconds,
  imagesPerSecond: r.imagesPerSecond,
  concurrency,
  sharpThreads: r.sharpThreads,
  skipped: r.skipped.length,
}));

/**
 * Decoding alone (or with the resize into `box`), one process per core on
 * every N-th file: images per second over the slowest process.
 */
async function decodeFloor(box?: string): Promise<number> {
  const parts = navigator.hardwareConcurrency;
  const floorScript = fileURLToPath(
    new URL("./sharp_decode_floor.ts", import.meta.url),
  );
  const outputs = await Promise.all(
    Array.from(
      { length: parts },
      (_, part) =>
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            floorScript,
            list,
            String(part),
            String(parts),
            ...(box ? [box] : []),
          ],
          stderr: "inherit",
        }).output(),
    ),
  );
  const results = outputs.map((out, part) => {
    if (!out.success) {
      throw new Error(
        `the decode-floor process for part ${part} of ${parts} failed (exit ${out.code}; its error is above)`,
      );
    }
    return JSON.parse(new TextDecoder().decode(out.stdout)) as {
      images: number;
      seconds: number;
    };
  });
  const images = results.reduce((sum, r) => sum + r.images, 0);
  const seconds = Math.max(...results.map((r) => r.seconds));
  console.log(JSON.stringify({
    tool: `sharp ${r.versions.sharp} decode only (raw pixels)${
      box ? `, resized into ${box} (fit inside, cubic)` : ""
    }, ${parts} processes, one libvips thread each`,
    images,
    seconds,
    imagesPerSecond: images / seconds,
  }));
  return images / seconds;
}
const floor = values["decode-floor"] ? await decodeFloor() : null;
const resizeFloor = values["decode-floor"] ? await decodeFloor("90x120") : null;

const script = fileURLToPath(
  new URL("./pil_convert.py", import.meta.url),
);
try {
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [script, list],
  })
    .output();
  const text = new TextDecoder().decode(out.success ? out.stdout : out.stderr);
  console.log(text.trim());
  if (out.success) {
    const pil = JSON.parse(text) as { imagesPerSecond: number };
    console.log(JSON.stringify({
      sharpOverPil: r.imagesPerSecond / pil.imagesPerSecond,
      ...(floor === null || resizeFloor === null ? {} : {
        decodeFloorOverPil: floor / pil.imagesPerSecond,
        resizeFloorOverPil: resizeFloor / pil.imagesPerSecond,
      }),
    }));
  }
} catch (error) {
  console.log(
    `PIL side skipped: /usr/bin/python3 not runnable (${
      (error as Error).message
    }); ` +
      "apt-get install -y python3-pil python3-numpy",
  );
}
await Deno.remove(list);
