/**
 * The floor under any sharp conversion: decode every listed image to raw
 * pixels and nothing else (no resizing, padding or checks), with one libvips
 * thread, in this process. `tasks/bench/convert.ts --decode-floor` runs one
 * such process per core, each on every N-th file of the list, beside the
 * workspace's pipeline and PIL.
 *
 *   deno run -A tasks/bench/sharp_decode_floor.ts FILE_LIST PART PARTS
 *
 * Prints one JSON line: `{"part", "images", "seconds"}` (files are read
 * into memory before the clock starts).
 *
 * @module
 */
import sharp from "sharp";

const [list, partText, partsText] = Deno.args;
const part = Number(partText);
const parts = Number(partsText);
if (!list || !(parts >= 1) || !(part >= 0 && part < parts)) {
  console.error(
    "usage: deno run -A tasks/bench/sharp_decode_floor.ts FILE_LIST PART PARTS",
  );
  Deno.exit(2);
}
sharp.concurrency(1);
const files = (await Deno.readTextFile(list)).split("\n").filter((f, i) =>
  f && i % parts === part
);
const buffers = await Promise.all(files.map((f) => Deno.readFile(f)));
const start = performance.now();
for (const [i, buffer] of buffers.entries()) {
  await sharp(buffer).raw().toBuffer().catch((error: Error) => {
    throw new Error(
      `${
        files[i]
      }: ${error.message}; the decode floor needs every listed image to decode (the pipeline skips such files): remove it or use another --dir`,
    );
  });
}
console.log(JSON.stringify({
  part,
  images: buffers.length,
  seconds: (performance.now() - start) / 1000,
}));
