import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CATALOG,
  datasetIds,
  FASHION_SHOP_FILES,
  formatCatalog,
  getDataset,
  REPRODUCTION_DATASETS,
} from "./catalog.ts";
import { isHexDigest, parseSha256Sums } from "./checksums.ts";
import { checksumsPath } from "./archive_source.ts";
import { mirrorDir } from "../../testing/mirror.ts";

Deno.test("catalog: ids are unique and every entry has a licence, a source and a label schema", () => {
  const ids = datasetIds();
  assert.equal(new Set(ids).size, ids.length);
  // Every public dataset is one the reproduction installs; the authors'
  // own arrays come last, installed by hand.
  assert.deepEqual(ids, [...REPRODUCTION_DATASETS, "fashion-shop"]);
  for (const entry of CATALOG) {
    assert.ok(entry.licence.length > 0, entry.id);
    assert.ok(entry.sources.length > 0, entry.id);
    assert.ok(entry.labels.description.length > 0, entry.id);
  }
});

Deno.test("catalog: published download checksums are well-formed hex", () => {
  for (const entry of CATALOG) {
    for (const source of entry.sources) {
      if (source.kind !== "files") continue;
      for (const file of source.files) {
        assert.ok(
          isHexDigest(file.expected.hex, file.expected.algorithm),
          `${entry.id}/${file.path}`,
        );
        assert.match(file.url, /^https:\/\//);
      }
    }
  }
  const mnist = getDataset("fashion-mnist");
  assert.equal(mnist.labels.classes?.length, 10);
});

Deno.test("catalog: every mirror folder exists with a SHA256SUMS listing the catalogued number of files", async () => {
  for (const entry of CATALOG) {
    if (!entry.mirrorPath) continue;
    const path = join(mirrorDir(), entry.mirrorPath, "SHA256SUMS");
    const sums = parseSha256Sums(await Deno.readTextFile(path), path);
    assert.equal(sums.size, entry.mirrorFileCount, entry.id);
  }
});

Deno.test("catalog: fashion-shop expects the authors' 24 .npz files", () => {
  assert.equal(FASHION_SHOP_FILES.length, 24);
  assert.equal(new Set(FASHION_SHOP_FILES).size, 24);
  assert.ok(FASHION_SHOP_FILES.includes("Shoes - All - Train.npz"));
  assert.ok(
    FASHION_SHOP_FILES.includes("Trousers & Jeans - Male - Validation.npz"),
  );
  assert.ok(FASHION_SHOP_FILES.includes("Primary categories - Test.npz"));
  assert.ok(FASHION_SHOP_FILES.includes("Glasses & Sunglasses - Train.npz"));
  assert.deepEqual(
    getDataset("fashion-shop").userProvided?.expectedFiles,
    FASHION_SHOP_FILES,
  );
});

Deno.test("catalog: getDataset names the valid ids on a typo; the listing shows every entry", () => {
  assert.throws(
    () => getDataset("fashion_mnist"),
    /Unknown dataset id 'fashion_mnist'. Valid ids: fashion-mnist, /,
  );
  const text = formatCatalog();
  for (const id of datasetIds()) assert.ok(text.includes(`${id}: `), id);
  assert.ok(text.includes("KAGGLE_USERNAME, KAGGLE_KEY"));
  assert.ok(
    text.includes(
      "note: The offline mirror stores the official images and labels grouped by class",
    ),
  );
});

Deno.test("catalog: every dataset the reproduction needs downloads without credentials; archive sources are pinned to full commits and verified against the mirror's checksums", async () => {
  for (const id of REPRODUCTION_DATASETS) {
    const entry = getDataset(id);
    const first = entry.sources.find((s) =>
      s.kind === "files" || s.kind === "archive"
    );
    assert.ok(first, `${id} has a download source needing no account`);
    if (first.kind !== "archive") continue;
    const names = new Set(first.archives.map((a) => a.name));
    for (const archive of first.archives) {
      assert.match(archive.commit, /^[0-9a-f]{40}$/, `${id}: ${archive.name}`);
      assert.equal(
        archive.url,
        `https://codeload.github.com/${
          new URL(archive.repository).pathname.slice(1)
        }/zip/${archive.commit}`,
      );
    }
    for (const m of first.mappings) assert.ok(names.has(m.archive), id);
    for (const d of first.derived ?? []) assert.ok(names.has(d.archive), id);
    // The committed checksums are the mirror's SHA256SUMS.
    const committed = parseSha256Sums(
      await Deno.readTextFile(checksumsPath(first.checksums)),
      first.checksums,
    );
    const mirrorSums = join(mirrorDir(), entry.mirrorPath!, "SHA256SUMS");
    assert.deepEqual(
      committed,
      parseSha256Sums(await Deno.readTextFile(mirrorSums), mirrorSums),
      id,
    );
  }
  // Kaggle stays an option for the product images.
  assert.ok(
    getDataset("fashion-product-images").sources.some((s) =>
      s.kind === "kaggle"
    ),
  );
  assert.match(formatCatalog(), /codeload\.github\.com\/alexeygrigorev/);
});
