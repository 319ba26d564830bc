import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import {
  DEFAULT_PHASH_THRESHOLD,
  findCrossGroupDuplicates,
  hammingDistance,
  imageSignature,
  phashFile,
  phashFromGrey32,
  phashRgb,
} from "./phash.ts";
import { decodeToRgb } from "./decode.ts";
import { datasetDir } from "../../testing/mirror.ts";

function assertEquals(actual: unknown, expected: unknown, message?: string) {
  assert.deepEqual(actual, expected, message ?? "values differ");
}

const IMAGES = join(datasetDir("fashion-product-images"), "images");

function firstImages(n: number): string[] {
  return [...Deno.readDirSync(IMAGES)].map((e) => e.name).sort().slice(0, n)
    .map((name) => join(IMAGES, name));
}

Deno.test("hamming distance and hash format", () => {
  assertEquals(hammingDistance("0000000000000000", "000000000000000f"), 4);
  assertEquals(hammingDistance("ffffffffffffffff", "0000000000000000"), 64);
  const flat = phashFromGrey32(new Uint8Array(1024).fill(128));
  assert.match(flat, /^[0-9a-f]{16}$/);
  assert.throws(() => phashFromGrey32(new Uint8Array(10)), /need 1024 values/);
});

Deno.test("real photos: re-encoded and resized copies are near-duplicates, different products are not", async () => {
  const files = firstImages(24);
  const hashes = await Promise.all(files.map(phashFile));
  const dir = await Deno.makeTempDir();
  const copyDistances: number[] = [];
  try {
    for (const file of files.slice(0, 12)) {
      const copy = await sharp(file).resize({ width: 150 }).jpeg({
        quality: 75,
      })
        .toBuffer();
      const path = join(dir, "copy.jpg");
      await Deno.writeFile(path, copy);
      copyDistances.push(
        hammingDistance(await phashFile(path), await phashFile(file)),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // pHash is not exact: a low-contrast photo can move a few bits more.
  const within = copyDistances.filter((d) => d <= DEFAULT_PHASH_THRESHOLD);
  assert(within.length >= 10, `copies differ by ${copyDistances}`);
  assert(Math.max(...copyDistances) <= 12, `copies differ by ${copyDistances}`);
  // The converted 90x120 array hashes close to its source file.
  const rgb = await decodeToRgb(files[0]);
  assert(hammingDistance(await phashRgb(rgb, 90, 120), hashes[0]) <= 12);
  const signature = await imageSignature(rgb, 90, 120);
  assertEquals(signature.colour.length, 192);
  const distances: number[] = [];
  for (let i = 0; i < hashes.length; i++) {
    for (let j = i + 1; j < hashes.length; j++) {
      distances.push(hammingDistance(hashes[i], hashes[j]));
    }
  }
  distances.sort((a, b) => a - b);
  const median = distances[distances.length >> 1];
  assert(
    median > 2 * DEFAULT_PHASH_THRESHOLD,
    `median distance between products only ${median}`,
  );
});

Deno.test("real duplicates in the mirror are found; colour variants are not", async () => {
  const sig = async (id: string) =>
    await imageSignature(await decodeToRgb(join(IMAGES, `${id}.jpg`)), 90, 120);
  // 13026 (224x224) and 22277 (225x300) are the same heel from the mirror's
  // two image sources; 11346 and 11347 the same jeans photo under two ids.
  // 10276 and 11892 are two different brown/black formal shoes.
  const items = [
    { id: "13026", group: "train", ...(await sig("13026")) },
    { id: "22277", group: "test", ...(await sig("22277")) },
    { id: "11346", group: "train", ...(await sig("11346")) },
    { id: "11347", group: "validation", ...(await sig("11347")) },
    { id: "10276", group: "train", ...(await sig("10276")) },
    { id: "11892", group: "test", ...(await sig("11892")) },
  ];
  const pairs = findCrossGroupDuplicates(items).map((p) => `${p.a}-${p.b}`);
  assertEquals(pairs.sort(), ["11346-11347", "13026-22277"]);
});

Deno.test("cross-group duplicates: only pairs in different groups, ordered by group", () => {
  const items = [
    { id: "t1", group: "train", hash: "00000000000000ff" },
    { id: "t2", group: "train", hash: "00000000000000fe" }, // same group: ignored
    { id: "v1", group: "validation", hash: "00000000000000f0" },
    { id: "x1", group: "test", hash: "ffffffff00000000" },
  ];
  const groupOrder = ["train", "validation", "test"];
  const dups = findCrossGroupDuplicates(items, { threshold: 4, groupOrder });
  assertEquals(dups.map((d) => [d.a, d.b, d.distance]), [["t1", "v1", 4], [
    "t2",
    "v1",
    3,
  ]]);
  const reversed = findCrossGroupDuplicates([...items].reverse(), {
    threshold: 4,
    groupOrder,
  });
  assert(
    reversed.every((d) => d.groupA === "train" && d.groupB === "validation"),
  );
  // Same structure, different colour: not a duplicate when thumbnails are given.
  const black = new Uint8Array(192).fill(20);
  const tan = new Uint8Array(192).fill(180);
  const coloured = [
    { id: "t1", group: "train", hash: "00000000000000ff", colour: black },
    { id: "v1", group: "validation", hash: "00000000000000ff", colour: tan },
    {
      id: "x1",
      group: "test",
      hash: "00000000000000ff",
      colour: black.map((v) => v + 5),
    },
  ];
  const found = findCrossGroupDuplicates(coloured, { groupOrder });
  assertEquals(found.map((d) => [d.a, d.b, d.colourDistance]), [[
    "t1",
    "x1",
    5,
  ]]);
});
