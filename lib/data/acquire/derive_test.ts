import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  csvRowsForFiles,
  cutNestedTfjsModel,
  pythonFloatRepr,
  pythonJsonDumps,
} from "./derive.ts";
import { parseSha256Sums } from "./checksums.ts";
import { mirrorDir } from "../../testing/mirror.ts";

const sha256 = (data: string | Uint8Array) =>
  createHash("sha256").update(data).digest("hex");

Deno.test("pythonFloatRepr writes numbers as Python's repr(float) does", () => {
  const cases: [number, string][] = [
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [0.001, "0.001"],
    [0.999, "0.999"],
    [1.5e-7, "1.5e-07"],
    [123.456, "123.456"],
    [5, "5.0"],
    [-2.5e20, "-2.5e+20"],
    [1 / 3, "0.3333333333333333"],
    [0.0010000000474974513, "0.0010000000474974513"],
    [-0, "-0.0"],
  ];
  for (const [value, repr] of cases) assert.equal(pythonFloatRepr(value), repr);
});

Deno.test("pythonJsonDumps: Python's separators, ASCII escapes, integers as written", () => {
  const value = JSON.parse('{"a":[1,2.5,1e-7],"b":"é\\n","c":null}');
  assert.equal(
    pythonJsonDumps(value),
    '{"a": [1, 2.5, 1e-07], "b": "\\u00e9\\n", "c": null}',
  );
});

Deno.test("csvRowsForFiles keeps the rows of the files present, by numeric id, CRLF: the mirror's styles.csv from a shuffled superset", async () => {
  const folder = join(mirrorDir(), "fashion-product-images");
  const text = await Deno.readTextFile(join(folder, "styles.csv"));
  const [header, ...rows] = text.split("\r\n").filter((l) => l !== "");
  const upstream = [
    header,
    "99990001,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual",
    ...rows.reverse(),
  ].join("\n");
  const ids = new Set(
    [...(await Deno.readTextFile(join(folder, "SHA256SUMS"))).matchAll(
      /images\/(\d+)\.jpg/g,
    )].map((m) => m[1]),
  );
  const made = csvRowsForFiles(upstream, ids, "styles.csv");
  const sums = parseSha256Sums(
    await Deno.readTextFile(join(folder, "SHA256SUMS")),
    "SHA256SUMS",
  );
  assert.equal(sha256(made), sums.get("styles.csv"));
  assert.throws(
    () => csvRowsForFiles(upstream, new Set(["1", "2"]), "styles.csv"),
    /styles\.csv has no row for 2 of the 2 files \(ids 1, 2\)/,
  );
});

Deno.test("cutNestedTfjsModel cuts a nested base out of a TF.js export, byte for byte as the mirror's", async () => {
  const folder = join(mirrorDir(), "pretrained", "mobilenet-v2-0.35-224-notop");
  const base = JSON.parse(await Deno.readTextFile(join(folder, "model.json")));
  const baseWeights = await Deno.readFile(join(folder, "weights.bin"));
  // Wrap it as a Teachable Machine export does, a head weight in the middle.
  const entries = base.weightsManifest[0].weights;
  const head = { name: "dense_Dense1/kernel", shape: [2, 3], dtype: "float32" };
  const firstLength = entries[0].shape.reduce(
    (a: number, b: number) => a * b,
    4,
  );
  const weights = new Uint8Array(baseWeights.length + 24);
  weights.set(baseWeights.subarray(0, firstLength), 0);
  weights.set(new Uint8Array(24).fill(9), firstLength);
  weights.set(baseWeights.subarray(firstLength), firstLength + 24);
  const exported = JSON.stringify({
    modelTopology: {
      class_name: "Sequential",
      config: {
        name: "outer",
        layers: [{
          class_name: "Sequential",
          config: {
            name: "inner",
            layers: [{
              class_name: base.modelTopology.class_name,
              config: base.modelTopology.config,
            }],
          },
        }, {
          class_name: "Dense",
          config: { name: "dense_Dense1", units: 3 },
        }],
      },
      keras_version: base.modelTopology.keras_version,
      backend: base.modelTopology.backend,
    },
    weightsManifest: [{
      paths: ["weights.bin"],
      weights: [entries[0], head, ...entries.slice(1)],
    }],
  });
  const cut = cutNestedTfjsModel(
    exported,
    weights,
    base.modelTopology.config.name,
    base.generatedBy,
    "export",
  );
  const sums = parseSha256Sums(
    await Deno.readTextFile(join(folder, "SHA256SUMS")),
    "SHA256SUMS",
  );
  assert.equal(sha256(cut.modelJson), sums.get("model.json"));
  assert.equal(sha256(cut.weights), sums.get("weights.bin"));
  assert.throws(
    () => cutNestedTfjsModel(exported, weights, "model9", "x", "export"),
    /export holds no nested model named model9/,
  );
  assert.throws(
    () =>
      cutNestedTfjsModel(
        exported,
        weights.subarray(1),
        base.modelTopology.config.name,
        "x",
        "export",
      ),
    /the manifest describes \d+ bytes of weights, weights\.bin has \d+/,
  );
});
