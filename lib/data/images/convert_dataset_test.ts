import assert from "node:assert/strict";
import { join } from "node:path";
import { convertDataset, summarizeReport } from "./convert_dataset.ts";
import { readFashionNpz } from "../formats/npz.ts";
import { readSplitFile } from "../labels/splits.ts";
import { makeBadInputs, makeOddEntries } from "../../testing/bad_inputs.ts";
import { datasetDir } from "../../testing/mirror.ts";
import { createHash } from "node:crypto";
import { unzipSync } from "fflate";
import { ConversionInputError } from "./convert.ts";
import { MANIFEST_FILE } from "./conversion_manifest.ts";
import { computeFingerprint } from "../acquire/fingerprint.ts";
import { parseSha256Sums } from "../acquire/checksums.ts";

function assertEquals(actual: unknown, expected: unknown, message?: string) {
  assert.deepEqual(actual, expected, message ?? "values differ");
}

Deno.test("product images (5 per class): authors' files, split and report agree", async () => {
  const out = await Deno.makeTempDir({ prefix: "convert_fpi_" });
  try {
    const report = await convertDataset({
      dataset: "fashion-product-images",
      inDir: datasetDir("fashion-product-images"),
      outDir: out,
      limitPerClass: 5,
      seed: 1,
    });
    const kept = report.labels!.classes.filter((c) =>
      c.status === "kept"
    ).length;
    assertEquals(report.conversion.total, kept * 5);
    assertEquals(report.conversion.converted, kept * 5);
    const names = report.files.map((f) => f.file);
    for (
      const name of [
        "Shoes - All - Train.npz",
        "Shoes - Female - Validation.npz",
        "Trousers & Jeans - Male - Test.npz",
        "Glasses & Sunglasses - All - Train.npz",
      ]
    ) assert(names.includes(name), `${name} missing from ${names}`);
    const shoes = await readFashionNpz(join(out, "Shoes - All - Train.npz"), {
      width: 90,
      height: 120,
    });
    assert(shoes.labels.every((l) => typeof l === "string"));
    assert(shoes.genders.every((g) => g === "Male" || g === "Female"));
    const male = await readFashionNpz(join(out, "Shoes - Male - Train.npz"));
    const female = await readFashionNpz(
      join(out, "Shoes - Female - Train.npz"),
    );
    assertEquals(male.count + female.count, shoes.count);
    const split = await readSplitFile(join(out, "split.json"));
    const allTrain = report.files.filter((f) =>
      f.file.includes(" - All - Train")
    ).reduce((a, f) => a + f.count, 0);
    assertEquals(allTrain, split.train.length);
    const saved = JSON.parse(
      await Deno.readTextFile(join(out, "conversion-report.json")),
    );
    assertEquals(saved.conversion.converted, report.conversion.converted);
    assert(summarizeReport(report).includes("Shoes-Female-High heels"));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a dataset folder with bad files: every problem is listed in the report", async () => {
  const root = await Deno.makeTempDir({ prefix: "convert_bad_" });
  try {
    const images = join(root, "in", "images");
    const cases = await makeBadInputs(join(root, "corpus"));
    await Deno.mkdir(images, { recursive: true });
    const header =
      "id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage";
    const rows = [header];
    const fileCases = cases.filter((c) =>
      c.kind !== "file that does not exist" && c.label !== undefined &&
      c.label === "Shoes"
    );
    fileCases.forEach((c, i) => {
      const id = String(1000 + i);
      Deno.copyFileSync(c.path, join(images, `${id}.jpg`));
      rows.push(`${id},Women,Footwear,Shoes,Heels,Black,Fall,2012,Casual`);
    });
    Deno.copyFileSync(cases[0].path, join(images, "999.jpg")); // no styles.csv row
    rows.push("2000,Men,Footwear,Shoes,Formal Shoes,Black,Fall,2012,Formal"); // no image file
    rows.push("2001,Men,Footwear"); // malformed
    await Deno.writeTextFile(
      join(root, "in", "styles.csv"),
      rows.join("\n") + "\n",
    );
    const out = join(root, "out");
    const report = await convertDataset({
      dataset: "fashion-product-images",
      inDir: join(root, "in"),
      outDir: out,
      minClassSize: 1,
    });
    const skipped = new Map(
      report.conversion.skipped.map((s) => [s.id, s.reason]),
    );
    fileCases.forEach((c, i) => {
      const id = String(1000 + i);
      if (c.expect === "converted") {
        assert(!skipped.has(id), `${c.kind} should convert`);
      } else {assertEquals(
          skipped.get(id),
          c.expect,
          `${c.kind}: ${
            JSON.stringify(report.conversion.skipped.find((s) => s.id === id))
          }`,
        );}
    });
    assertEquals(skipped.get("999"), "label-missing");
    assertEquals(skipped.get("2000"), "unreadable");
    assertEquals(report.labels!.malformedRows.map((m) => m.line), [
      rows.length,
    ]);
    assertEquals(
      report.conversion.converted + report.conversion.skipped.length,
      report.conversion.total,
    );
    const npz = await readFashionNpz(join(out, "Shoes - All - Train.npz"));
    assert(npz.labels.every((l) => l === "High heels"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("clothing-dataset-small keeps its own split folders", async () => {
  const out = await Deno.makeTempDir({ prefix: "convert_clothing_" });
  try {
    const report = await convertDataset({
      dataset: "clothing-dataset-small",
      inDir: datasetDir("clothing-dataset-small"),
      outDir: out,
      limitPerClass: 10,
      width: 64,
      height: 64,
    });
    const split = await readSplitFile(join(out, "split.json"));
    assert(split.train.every((id) => id.startsWith("train/")));
    assert(split.test.every((id) => id.startsWith("test/")));
    const test = await readFashionNpz(join(out, "Clothing - All - Test.npz"), {
      width: 64,
      height: 64,
    });
    assertEquals(
      new Set(test.labels),
      new Set(["dress", "longsleeve", "outwear", "shirt", "t-shirt"]),
    );
    assertEquals(report.conversion.skipped, []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

const SAMPLES = datasetDir("fashion-shop-samples");

/** The first `n` shop sample photos, as file names. */
function samplePhotos(n: number): string[] {
  return [...Deno.readDirSync(SAMPLES)].map((e) => e.name).filter((n) =>
    n.endsWith(".jpg")
  ).sort().slice(0, n);
}

const sha256 = (bytes: Uint8Array | string) =>
  createHash("sha256").update(bytes).digest("hex");

/** The manifest's outputs fingerprint, recomputed here from the files. */
function recomputeOutputs(dir: string): string {
  const npz = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
    n.endsWith(".npz")
  ).sort();
  const lines = npz.map((file) => {
    const members = unzipSync(Deno.readFileSync(join(dir, file)));
    const inner = Object.keys(members).sort().map((m) =>
      `${sha256(members[m])}  ${m}\n`
    ).join("");
    return `${sha256(inner)}  ${file}\n`;
  });
  return sha256(lines.join(""));
}

Deno.test("every entry of an image folder that is not converted is listed with its reason: other file types, files without extension, links, folders", async () => {
  const root = await Deno.makeTempDir({ prefix: "convert_odd_" });
  try {
    // A shop-samples folder (flat) and a product-images folder (images/).
    const flat = join(root, "samples");
    await Deno.mkdir(flat);
    const photos = samplePhotos(4);
    for (const p of photos) {
      await Deno.copyFile(join(SAMPLES, p), join(flat, p));
    }
    const jpeg = await Deno.readFile(join(SAMPLES, photos[0]));
    const odd = await makeOddEntries(flat, jpeg);
    const kinds = new Set(odd.map((o) => o.kind));
    for (
      const kind of [
        "SVG drawing",
        "HEIC photo",
        "AVIF image",
        "BMP image",
        "JPEG without extension",
        "symbolic link to a JPEG",
        "folder holding a JPEG",
      ]
    ) assert(kinds.has(kind), kind);
    await Deno.writeTextFile(join(flat, "SHA256SUMS"), ""); // bookkeeping: not listed
    const report = await convertDataset({
      dataset: "fashion-shop-samples",
      inDir: flat,
      outDir: join(root, "out_samples"),
    });
    assertEquals(report.conversion.converted, photos.length);
    const byId = new Map(report.conversion.skipped.map((s) => [s.id, s]));
    for (const o of odd) {
      const s = byId.get(o.name);
      assert(s, `${o.kind} (${o.name}) is not in the skip list`);
      assertEquals(s.reason, o.expect, o.kind);
      assert(s.message.includes(join(flat, o.name)), s.message);
      assert(report.conversion.reasons[s.reason].length > 0);
    }
    assertEquals(report.conversion.skipped.length, odd.length);
    assertEquals(
      report.conversion.converted + report.conversion.skipped.length,
      report.conversion.total,
    );
    assertEquals(report.conversion.skippedByReason, {
      "not-an-image-type": odd.filter((o) =>
        o.expect === "not-an-image-type"
      ).length,
      symlink: 1,
      folder: 1,
    });
    assertEquals(
      report.conversion.reasons["not-an-image-type"].startsWith(
        "not an image file type the pipeline reads",
      ),
      true,
    );
    const saved = JSON.parse(
      await Deno.readTextFile(
        join(root, "out_samples", "conversion-report.json"),
      ),
    );
    assertEquals(saved.conversion.skipped.length, odd.length);

    // The same entries inside a product-images folder.
    const images = join(root, "products", "images");
    const oddProducts = await makeOddEntries(images, jpeg);
    const rows = [
      "id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage",
    ];
    for (let i = 0; i < 3; i++) {
      await Deno.copyFile(
        join(SAMPLES, photos[i]),
        join(images, `${100 + i}.jpg`),
      );
      rows.push(`${100 + i},Women,Footwear,Shoes,Heels,Black,Fall,2012,Casual`);
    }
    await Deno.writeTextFile(
      join(root, "products", "styles.csv"),
      rows.join("\n") + "\n",
    );
    const products = await convertDataset({
      dataset: "fashion-product-images",
      inDir: join(root, "products"),
      outDir: join(root, "out_products"),
      minClassSize: 1,
    });
    assertEquals(products.conversion.converted, 3);
    const productSkips = new Map(
      products.conversion.skipped.map((s) => [s.id, s.reason]),
    );
    for (const o of oddProducts) {
      assertEquals(productSkips.get(`images/${o.name}`), o.expect, o.kind);
    }
    assertEquals(products.conversion.skipped.length, oddProducts.length);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("conversion.json: the input's fingerprint, the options and the arrays' fingerprint, written last", async () => {
  const root = await Deno.makeTempDir({ prefix: "convert_manifest_" });
  try {
    const out = join(root, "out");
    const report = await convertDataset({
      dataset: "fashion-shop-samples",
      inDir: SAMPLES,
      outDir: out,
      limitPerClass: 6,
      seed: 3,
    });
    const manifest = JSON.parse(
      await Deno.readTextFile(join(out, MANIFEST_FILE)),
    );
    assertEquals(manifest, report.manifest);
    assertEquals(manifest.version, 1);
    assertEquals(manifest.dataset, "fashion-shop-samples");
    // A mirror folder has no FINGERPRINT.json: the same digest from its SHA256SUMS.
    const sums = parseSha256Sums(
      await Deno.readTextFile(join(SAMPLES, "SHA256SUMS")),
      "SHA256SUMS",
    );
    assertEquals(
      manifest.input.fingerprint,
      computeFingerprint(
        [...sums].map(([path, sha]) => ({ path, sha256: sha, bytes: 0 })),
      ).sha256,
    );
    assertEquals(manifest.options, {
      width: 90,
      height: 120,
      background: { r: 255, g: 255, b: 255 },
      limitPerClass: 6,
      seed: 3,
      minClassSize: null,
      split: {
        method: "stratified",
        fractions: { train: 0.8, validation: 0.1, test: 0.1 },
      },
      phashThreshold: 6,
      removeNearDuplicates: false,
      decode: { kernel: "cubic", maxInputPixels: 50_000_000, minSide: 8 },
    });
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assertEquals(names, [
      "Samples - All - Test.npz",
      "Samples - All - Train.npz",
      "Samples - All - Validation.npz",
      "conversion-report.json",
      MANIFEST_FILE,
      "split.json",
    ]);
    assertEquals(
      manifest.outputs.files.map((f: { file: string }) => f.file),
      names.filter((n) => n.endsWith(".npz")),
    );
    assertEquals(manifest.outputs.fingerprint, recomputeOutputs(out));
    assertEquals(
      manifest.outputs.files.reduce(
        (n: number, f: { count: number }) => n + f.count,
        0,
      ),
      report.conversion.converted,
    );
    // Written last: no file of the folder is newer than the manifest.
    const mtime = (n: string) => Deno.statSync(join(out, n)).mtime!.getTime();
    for (const n of names) assert(mtime(n) <= mtime(MANIFEST_FILE), n);
    // Nothing left beside the folder.
    assertEquals([...Deno.readDirSync(root)].map((e) => e.name), ["out"]);

    // The same conversion again: same arrays, same fingerprint (the zip's
    // timestamps do not count); another option: another fingerprint.
    await new Promise((r) => setTimeout(r, 2100));
    const again = await convertDataset({
      dataset: "fashion-shop-samples",
      inDir: SAMPLES,
      outDir: join(root, "again"),
      limitPerClass: 6,
      seed: 3,
    });
    assertEquals(
      again.manifest.outputs.fingerprint,
      manifest.outputs.fingerprint,
    );
    const other = await convertDataset({
      dataset: "fashion-shop-samples",
      inDir: SAMPLES,
      outDir: join(root, "other"),
      limitPerClass: 5,
      seed: 3,
    });
    assert(other.manifest.outputs.fingerprint !== manifest.outputs.fingerprint);

    // An installed folder: FINGERPRINT.json's sha256; a bare folder: its files hashed.
    const installed = join(root, "installed");
    await Deno.mkdir(installed);
    for (const p of samplePhotos(3)) {
      await Deno.copyFile(join(SAMPLES, p), join(installed, p));
    }
    const bare = await convertDataset({
      dataset: "fashion-shop-samples",
      inDir: installed,
      outDir: join(root, "bare"),
    });
    assertEquals(bare.manifest.input.fingerprintFrom, "hashed files");
    const fake = "ab".repeat(32);
    await Deno.writeTextFile(
      join(installed, "FINGERPRINT.json"),
      JSON.stringify({ id: "fashion-shop-samples", sha256: fake }),
    );
    const fromInstall = await convertDataset({
      dataset: "fashion-shop-samples",
      inDir: installed,
      outDir: join(root, "bare"),
    });
    assertEquals(fromInstall.manifest.input.fingerprint, fake);
    assertEquals(
      fromInstall.manifest.input.fingerprintFrom,
      "FINGERPRINT.json",
    );
    assertEquals(
      fromInstall.manifest.outputs.fingerprint,
      bare.manifest.outputs.fingerprint,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("re-conversion replaces the whole folder: no .npz of an earlier conversion survives; a folder holding other files is refused untouched", async () => {
  const root = await Deno.makeTempDir({ prefix: "convert_replace_" });
  try {
    const out = join(root, "out");
    await convertDataset({
      dataset: "clothing-dataset-small",
      inDir: datasetDir("clothing-dataset-small"),
      outDir: out,
      limitPerClass: 5,
      width: 32,
      height: 32,
    });
    // An earlier conversion's file that the next one does not write, and a
    // leftover of an interrupted atomic write.
    await Deno.copyFile(
      join(out, "Clothing - All - Test.npz"),
      join(out, "Shoes - All - Train.npz"),
    );
    await Deno.writeTextFile(join(out, ".split.json.123.abcd.tmp"), "x");
    const report = await convertDataset({
      dataset: "fashion-shop-samples",
      inDir: SAMPLES,
      outDir: out,
      limitPerClass: 5,
    });
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assertEquals(
      names,
      [
        ...report.manifest.outputs.files.map((f) => f.file),
        MANIFEST_FILE,
        "conversion-report.json",
        "split.json",
      ].sort(),
    );
    assert(
      !names.some((n) => n.startsWith("Clothing") || n.startsWith("Shoes")),
    );
    assertEquals([...Deno.readDirSync(root)].map((e) => e.name), ["out"]);

    // A folder with files a conversion does not write is not replaced.
    await Deno.writeTextFile(join(out, "notes.txt"), "mine\n");
    await assert.rejects(
      convertDataset({
        dataset: "fashion-shop-samples",
        inDir: SAMPLES,
        outDir: out,
      }),
      (error: Error) =>
        error instanceof ConversionInputError &&
        error.message.includes(out) && error.message.includes("notes.txt"),
    );
    assertEquals(
      [...Deno.readDirSync(out)].map((e) => e.name).sort(),
      [...names, "notes.txt"].sort(),
    );
    // Nor is the input folder, or one that holds it.
    await assert.rejects(
      convertDataset({
        dataset: "fashion-shop-samples",
        inDir: join(root, "in"),
        outDir: root,
      }),
      ConversionInputError,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("nothing to convert is an error naming the folder, and leaves the output folder as it was", async () => {
  const root = await Deno.makeTempDir({ prefix: "convert_empty_" });
  try {
    const empty = join(root, "empty");
    await Deno.mkdir(empty);
    const out = join(root, "out");
    await assert.rejects(
      convertDataset({
        dataset: "fashion-shop-samples",
        inDir: empty,
        outDir: out,
      }),
      (e: Error) =>
        e instanceof ConversionInputError && e.message.includes(empty) &&
        e.message.includes("holds no image files"),
    );
    const bad = join(root, "bad");
    const cases = await makeBadInputs(join(root, "corpus"));
    await Deno.mkdir(bad);
    const refused = cases.filter((c) =>
      c.expect !== "converted" && c.label !== undefined &&
      c.kind !== "file that does not exist" && c.kind !== "unknown class"
    );
    refused.forEach((c, i) =>
      Deno.copyFileSync(c.path, join(bad, `0000${i}_1${i}_Shoes.jpg`))
    );
    await Deno.writeTextFile(join(bad, "notes.svg"), "<svg/>");
    await assert.rejects(
      convertDataset({
        dataset: "fashion-shop-samples",
        inDir: bad,
        outDir: out,
      }),
      (e: Error) =>
        e instanceof ConversionInputError &&
        e.message.includes(`all ${refused.length + 1} entries were skipped`) &&
        e.message.includes("truncated") &&
        e.message.includes("not-an-image-type"),
    );
    assertEquals(
      [...Deno.readDirSync(root)].map((e) => e.name).sort(),
      ["bad", "corpus", "empty"],
    );
    await assert.rejects(
      convertDataset({
        dataset: "fashion-product-images",
        inDir: join(root, "empty"),
        outDir: out,
      }),
      /styles\.csv/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("clothing-dataset-small without validation/: an error naming the folder", async () => {
  const root = await Deno.makeTempDir({ prefix: "convert_layout_" });
  try {
    const photo = join(SAMPLES, samplePhotos(1)[0]);
    for (const split of ["train", "test"]) {
      await Deno.mkdir(join(root, "in", split, "dress"), { recursive: true });
      await Deno.copyFile(photo, join(root, "in", split, "dress", "a.jpg"));
    }
    await assert.rejects(
      convertDataset({
        dataset: "clothing-dataset-small",
        inDir: join(root, "in"),
        outDir: join(root, "out"),
      }),
      (e: Error) =>
        e instanceof ConversionInputError &&
        e.message.includes(`${join(root, "in", "validation")} is missing`),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
