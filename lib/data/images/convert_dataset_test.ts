import assert from "node:assert/strict";
import { join } from "node:path";
import { convertDataset, summarizeReport } from "./convert_dataset.ts";
import { readFashionNpz } from "../formats/npz.ts";
import { readSplitFile } from "../labels/splits.ts";
import { makeBadInputs } from "../../testing/bad_inputs.ts";
import { datasetDir } from "../../testing/mirror.ts";

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
