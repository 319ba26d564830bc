import assert from "node:assert/strict";
import { join } from "node:path";
import {
  formatSha256Sums,
  hashBytes,
  hashFile,
  parseSha256Sums,
} from "./checksums.ts";
import { mirrorDir } from "../../testing/mirror.ts";

Deno.test("hashFile streams a real file to the digest its mirror lists", async () => {
  const folder = join(mirrorDir(), "fashion-mnist");
  const sums = parseSha256Sums(
    await Deno.readTextFile(join(folder, "SHA256SUMS")),
    "SHA256SUMS",
  );
  const name = "t10k-images-idx3-ubyte.gz";
  assert.equal(await hashFile(join(folder, name)), sums.get(name));
  const bytes = await Deno.readFile(join(folder, name));
  assert.equal(
    hashBytes(bytes, "md5"),
    await hashFile(join(folder, name), "md5"),
  );
});

Deno.test("hash of known text matches the published test vectors", () => {
  const abc = new TextEncoder().encode("abc");
  assert.equal(
    hashBytes(abc),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(hashBytes(abc, "md5"), "900150983cd24fb0d6963f7d28e17f72");
});

Deno.test("parseSha256Sums reads sha256sum output, binary marks and paths with spaces", () => {
  const a = "a".repeat(64), b = "B".repeat(64);
  const sums = parseSha256Sums(
    `${a}  images/1.jpg\n${b} *Glasses & Sunglasses.jpg\n\n`,
    "S",
  );
  assert.deepEqual([...sums], [["images/1.jpg", a], [
    "Glasses & Sunglasses.jpg",
    "b".repeat(64),
  ]]);
  assert.equal(
    formatSha256Sums(sums),
    `${"b".repeat(64)}  Glasses & Sunglasses.jpg\n${a}  images/1.jpg\n`,
  );
});

Deno.test("parseSha256Sums refuses malformed lines, duplicates and paths leaving the folder, with the line number", () => {
  const a = "a".repeat(64);
  assert.throws(
    () => parseSha256Sums(`${a}  x\nnot a line\n`, "m/SHA256SUMS"),
    /m\/SHA256SUMS:2: not a sha256sum line/,
  );
  assert.throws(
    () => parseSha256Sums(`${a}  x\n${a}  x\n`, "S"),
    /S:2: x is listed twice/,
  );
  assert.throws(
    () => parseSha256Sums(`${a}  ../etc/passwd\n`, "S"),
    /S:1: path "..\/etc\/passwd" leaves the folder/,
  );
});
