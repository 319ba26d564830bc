import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { decodeIdx, loadFashionMnist, readIdx } from "./idx.ts";
import { mirrorDir } from "../../testing/mirror.ts";

function idxBytes(shape: number[], data: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

Deno.test("decodeIdx reads shape and data of a small image file", () => {
  const array = decodeIdx(
    idxBytes([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    "x",
  );
  assert.deepEqual(array.shape, [2, 2, 3]);
  assert.deepEqual([...array.data], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
});

Deno.test("decodeIdx refuses a bad magic number, another type and a truncated file, naming the file", () => {
  const good = idxBytes([3], [1, 2, 3]);
  const badMagic = good.slice();
  badMagic[0] = 0x1f;
  assert.throws(
    () => decodeIdx(badMagic, "labels.idx"),
    /labels\.idx: bad IDX magic/,
  );
  const floatType = good.slice();
  floatType[2] = 0x0d;
  assert.throws(
    () => decodeIdx(floatType, "f.idx"),
    /f\.idx: IDX type 0xd is not supported/,
  );
  assert.throws(
    () => decodeIdx(good.subarray(0, good.length - 1), "short.idx"),
    /short\.idx: IDX shape \[3\] needs 3 data bytes but the file has 2/,
  );
  assert.throws(
    () => decodeIdx(good.subarray(0, 2), "tiny.idx"),
    /tiny\.idx: 2 bytes/,
  );
});

Deno.test("readIdx gunzips .gz files and reports damaged gzip with the path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "idx_" });
  try {
    const path = join(dir, "t-labels-idx1-ubyte.gz");
    await Deno.writeFile(path, gzipSync(idxBytes([4], [9, 8, 7, 6])));
    assert.deepEqual([...(await readIdx(path)).data], [9, 8, 7, 6]);
    const damaged = (await Deno.readFile(path)).subarray(0, 15);
    await Deno.writeFile(path, damaged);
    await assert.rejects(
      readIdx(path),
      (e: Error) =>
        e.message.includes(path) && /gzip data is damaged/.test(e.message),
    );
    await assert.rejects(
      readIdx(join(dir, "missing.gz")),
      /does not exist; install Fashion-MNIST/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFashionMnist on the real mirror files: 60,000 / 10,000, 6,000 per class, pixel mean 72.94", async () => {
  const data = await loadFashionMnist(join(mirrorDir(), "fashion-mnist"));
  assert.equal(data.train.count, 60000);
  assert.equal(data.test.count, 10000);
  assert.equal(data.train.images.length, 60000 * 28 * 28);
  assert.equal(data.test.labels.length, 10000);
  assert.equal(data.classNames.length, 10);
  assert.equal(data.classNames[0], "T-shirt/top");
  assert.equal(data.classNames[9], "Ankle boot");
  const trainCounts = new Array(10).fill(0);
  for (const label of data.train.labels) trainCounts[label]++;
  assert.deepEqual(trainCounts, new Array(10).fill(6000));
  const testCounts = new Array(10).fill(0);
  for (const label of data.test.labels) testCounts[label]++;
  assert.deepEqual(testCounts, new Array(10).fill(1000));
  let sum = 0;
  for (const v of data.train.images) sum += v;
  const mean = sum / data.train.images.length;
  assert.ok(Math.abs(mean - 72.94) < 0.01, `train pixel mean ${mean}`);
});
