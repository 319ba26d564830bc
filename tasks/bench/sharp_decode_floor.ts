/**
 * The floor under any sharp conversion: decode every listed image to raw
 * pixels and nothing else (no padding, colour handling or checks; with
 * `WIDTHxHEIGHT`, also the resize into that box, `fit: inside`, the
 * conversion's cubic kernel), with one libvips thread, in this process.
 * `tasks/bench/convert.ts --decode-floor` runs one such process per core,
 * each on every N-th file of the list, beside the workspace's pipeline and
 * PIL.
 *
 *   deno run -A tasks/bench/sharp_decode_floor.ts FILE_LIST PART PARTS [WIDTHxHEIGHT]
 *
 * Prints one JSON line: `{"part", "images", "seconds"}` (files are read
 * into memory before the clock starts).
 *
 * @module
 */
import sharp from "sharp";

const [list, partText, partsText, boxText] = Deno.args;
const part = Number(partText);
const parts = Number(partsText);
const box = boxText?.match(/^(\d+)x(\d+)$/);
if (
  !list || !(parts >= 1) || !(part >= 0 && part < parts) ||
  (boxText !== undefined && !box)
) {
  console.error(
    "usage: deno run -A tasks/bench/sharp_decode_floor.ts FILE_LIST PART PARTS [WIDTHxHEIGHT]",
  );
  Deno.exit(2);
}
const resize = box ? { width: Number(box[1]), height: Number(box[2]) } : null;
sharp.concurrency(1);
const files = (await Deno.readTextFile(list)).split("\n").filter((f, i) =>
  f && i % parts === part
);
const buffers = await Promise.all(files.map((f) => Deno.readFile(f)));
const start = performance.now();
for (const [i, buffer] of buffers.entries()) {
  const image = resize
    ? sharp(buffer).resize(resize.width, resize.height, {
      fit: "inside",
      kernel: "cubic",
    })
    : sharp(buffer);
  await image.raw().toBuffer().catch((error: Error) => {
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
