import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import {
  DEFAULT_PHASH_THRESHOLD,
  findCrossGroupDuplicates,
  hammingDistance,
  phashFile,
  phashFromGrey32,
  phashRgb,
} from "./phash.ts";
import { decodeToRgb } from "./images.ts";
import { datasetDir } from "./testdata/mirror.ts";

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
  for (const file of files.slice(0, 6)) {
    const copy = await sharp(file).resize(150, 200, { fit: "fill" }).jpeg({
      quality: 40,
    }).toBuffer();
    const dir = await Deno.makeTempDir();
    const path = join(dir, "copy.jpg");
    await Deno.writeFile(path, copy);
    const d = hammingDistance(await phashFile(path), await phashFile(file));
    await Deno.remove(dir, { recursive: true });
    assert(
      d <= DEFAULT_PHASH_THRESHOLD,
      `${file}: re-encoded copy differs by ${d} bits`,
    );
  }
  // The converted 90x120 array hashes close to its source file.
  const rgb = await decodeToRgb(files[0]);
  assert(hammingDistance(await phashRgb(rgb, 90, 120), hashes[0]) <= 12);
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

Deno.test("cross-group duplicates: only pairs in different groups, ordered by group", () => {
  const items = [
    { id: "t1", group: "train", hash: "00000000000000ff" },
    { id: "t2", group: "train", hash: "00000000000000fe" }, // same group: ignored
    { id: "v1", group: "validation", hash: "00000000000000f0" },
    { id: "x1", group: "test", hash: "ffffffff00000000" },
  ];
  const dups = findCrossGroupDuplicates(items, 4, [
    "train",
    "validation",
    "test",
  ]);
  assertEquals(dups.map((d) => [d.a, d.b, d.distance]), [["t1", "v1", 4], [
    "t2",
    "v1",
    3,
  ]]);
  const reversed = findCrossGroupDuplicates([...items].reverse(), 4, [
    "train",
    "validation",
    "test",
  ]);
  assert(
    reversed.every((d) => d.groupA === "train" && d.groupB === "validation"),
  );
});
