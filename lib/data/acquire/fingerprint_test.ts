import assert from "node:assert/strict";
import { join } from "node:path";
import {
  computeFingerprint,
  datasetDir,
  FINGERPRINT_FILE,
  readFingerprint,
  writeFingerprint,
} from "./fingerprint.ts";

const A = { path: "a.jpg", sha256: "1".repeat(64), bytes: 10 };
const B = { path: "images/b.jpg", sha256: "2".repeat(64), bytes: 5 };

Deno.test("computeFingerprint is independent of listing order and changes with any file", () => {
  const one = computeFingerprint([A, B]);
  assert.deepEqual(one, computeFingerprint([B, A]));
  assert.equal(one.files, 2);
  assert.equal(one.bytes, 15);
  assert.notEqual(
    computeFingerprint([A, { ...B, sha256: "3".repeat(64) }]).sha256,
    one.sha256,
  );
  assert.notEqual(
    computeFingerprint([A, { ...B, path: "images/c.jpg" }]).sha256,
    one.sha256,
  );
  assert.notEqual(computeFingerprint([A]).sha256, one.sha256);
});

Deno.test("readFingerprint round-trips and names the file and the command when missing or damaged", async () => {
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  try {
    await assert.rejects(
      readFingerprint("fashion-mnist", root),
      /Dataset 'fashion-mnist' is not installed: .*FINGERPRINT\.json does not exist. Run: deno task data fashion-mnist/,
    );
    const fp = {
      id: "fashion-mnist",
      ...computeFingerprint([A, B]),
      source: "mirror:/m",
      verifiedAgainst: "mirror SHA256SUMS",
      installedAt: "2026-01-01T00:00:00.000Z",
    };
    await writeFingerprint(datasetDir("fashion-mnist", root), fp);
    assert.deepEqual(await readFingerprint("fashion-mnist", root), fp);
    const path = join(root, "fashion-mnist", FINGERPRINT_FILE);
    await Deno.writeTextFile(path, "{ truncated");
    await assert.rejects(
      readFingerprint("fashion-mnist", root),
      /FINGERPRINT\.json is not valid JSON/,
    );
    await Deno.writeTextFile(path, JSON.stringify({ ...fp, id: "other" }));
    await assert.rejects(
      readFingerprint("fashion-mnist", root),
      /does not describe dataset 'fashion-mnist'/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
