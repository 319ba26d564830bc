import assert from "node:assert/strict";
import { join } from "node:path";
import {
  allLeaves,
  applyClassSizeRule,
  FEMALE_SHOE_TYPES,
  flatLabel,
  formatClassTable,
  isValidLabel,
  type LabelledItem,
  MALE_SHOE_TYPES,
  mapStyleRow,
  parseStylesCsv,
  readStylesCsv,
  splitCsvLine,
} from "./taxonomy.ts";
import { datasetDir } from "../../testing/mirror.ts";

function assertEquals(actual: unknown, expected: unknown, message?: string) {
  assert.deepEqual(actual, expected, message ?? "values differ");
}

Deno.test("tree uses study 000's exact class strings", () => {
  assertEquals([...MALE_SHOE_TYPES], [
    "Boots",
    "Trainers/Sneakers",
    "Sandals/Flip flops/Slippers",
    "Formal shoes",
    "Others",
  ]);
  assertEquals([...FEMALE_SHOE_TYPES], [
    "Boots",
    "Ballerina",
    "Trainers/Sneakers",
    "High heels",
    "Sandals/Flip flops/Slippers",
    "Others",
  ]);
  assertEquals(
    flatLabel({ category: "Shoes", gender: "Female", type: "High heels" }),
    "Shoes-Female-High heels",
  );
  assertEquals(
    flatLabel({ category: "Glasses&Sunglasses", type: "Sunglasses" }),
    "Glasses&Sunglasses-Sunglasses",
  );
  assert(
    isValidLabel({ category: "Trousers&Jeans", gender: "Male", type: "Jeans" }),
  );
  assert(
    !isValidLabel({ category: "Shoes", gender: "Male", type: "High heels" }),
  );
  assert(
    !isValidLabel({
      category: "Glasses&Sunglasses",
      gender: "Male",
      type: "Glasses",
    }),
  );
  assertEquals(allLeaves().length, 2 * 2 + 5 + 6 + 2);
});

Deno.test("styles.csv parser: quotes, extra commas repaired, bad rows reported", () => {
  assertEquals(splitCsvLine('1,"a, b",c'), ["1", "a, b", "c"]);
  assertEquals(splitCsvLine('"x ""y"""'), ['x "y"']);
  const csv = [
    "id,gender,masterCategory,subCategory,articleType,productDisplayName",
    "1,Men,Footwear,Shoes,Casual Shoes,Puma Men, Black Shoes",
    '2,Women,Footwear,Shoes,Heels,"Catwalk, Red"',
    "3,Women,Footwear",
    "x4,Men,Footwear,Shoes,Formal Shoes,Name",
    "1,Men,Footwear,Shoes,Casual Shoes,Dup",
    "",
  ].join("\n");
  const table = parseStylesCsv(csv, "test.csv");
  assertEquals(table.rows.map((r) => r.id), ["1", "2"]);
  assertEquals(
    table.rows[0].fields.productDisplayName,
    "Puma Men, Black Shoes",
  );
  assertEquals(table.rows[1].fields.productDisplayName, "Catwalk, Red");
  assertEquals(table.repaired, [2]);
  assertEquals(table.malformed.map((m) => m.line), [4, 5, 6]);
  assert.match(table.malformed[0].reason, /3 fields, header has 6/);
  assert.match(table.malformed[1].reason, /id 'x4' is not a number/);
  assert.match(table.malformed[2].reason, /duplicate id 1/);
  assert.throws(
    () => parseStylesCsv("a,b\n1,2", "bad.csv"),
    /bad\.csv: header lacks column\(s\) id, gender/,
  );
});

Deno.test("mapping: documented rules", () => {
  const map = (gender: string, subCategory: string, articleType: string) =>
    mapStyleRow({ gender, subCategory, articleType });
  assertEquals(map("Men", "Shoes", "Sports Shoes"), {
    kind: "label",
    label: { category: "Shoes", gender: "Male", type: "Trainers/Sneakers" },
  });
  assertEquals(map("Women", "Shoes", "Flats"), {
    kind: "label",
    label: { category: "Shoes", gender: "Female", type: "Ballerina" },
  });
  assertEquals(map("Girls", "Sandal", "Sandals"), {
    kind: "label",
    label: {
      category: "Shoes",
      gender: "Female",
      type: "Sandals/Flip flops/Slippers",
    },
  });
  assertEquals(map("Unisex", "Eyewear", "Sunglasses"), {
    kind: "label",
    label: { category: "Glasses&Sunglasses", type: "Sunglasses" },
  });
  assertEquals(map("Unisex", "Shoes", "Casual Shoes").kind, "excluded");
  assertEquals(map("Men", "Topwear", "Tshirts").kind, "excluded");
  // A type that does not exist for the gender goes to that gender's Others.
  assertEquals(map("Men", "Shoes", "Heels"), {
    kind: "label",
    label: { category: "Shoes", gender: "Male", type: "Others" },
  });
});

Deno.test("class-size rule: small classes merge into Others or are dropped", () => {
  const items: LabelledItem[] = [];
  const add = (
    n: number,
    category: "Shoes" | "Trousers&Jeans",
    gender: "Male" | "Female",
    type: string,
  ) => {
    for (let i = 0; i < n; i++) {
      items.push({
        id: `${type}${gender}${i}`,
        label: { category, gender, type },
      });
    }
  };
  add(50, "Shoes", "Female", "High heels");
  add(10, "Shoes", "Female", "Ballerina"); // merged into Others
  add(35, "Shoes", "Female", "Others"); // 35 + 10 = 45: kept
  add(5, "Shoes", "Male", "Boots"); // merged into Male Others ...
  add(20, "Shoes", "Male", "Others"); // ... 25 < 40: both dropped
  add(12, "Trousers&Jeans", "Female", "Trousers"); // no Others: dropped
  const result = applyClassSizeRule(items, 40);
  const row = (label: string) => result.table.find((r) => r.label === label)!;
  assertEquals(row("Shoes-Female-Ballerina").status, "merged");
  assertEquals(row("Shoes-Female-Ballerina").into, "Shoes-Female-Others");
  assertEquals(row("Shoes-Female-Others").status, "kept");
  assertEquals(row("Shoes-Female-Others").finalCount, 45);
  assertEquals(row("Shoes-Male-Boots").status, "dropped");
  assertEquals(row("Shoes-Male-Others").status, "dropped");
  assertEquals(row("Trousers&Jeans-Female-Trousers").status, "dropped");
  assertEquals(row("Shoes-Male-Formal shoes").status, "empty");
  assertEquals(result.items.length, 50 + 45);
  assert(result.items.every((i) => i.label.type !== "Ballerina"));
  assert(
    formatClassTable(result.table).includes("merged into Shoes-Female-Others"),
  );
});

Deno.test("real styles.csv maps onto the tree with the README's counts", async () => {
  const table = await readStylesCsv(
    join(datasetDir("fashion-product-images"), "styles.csv"),
  );
  assert(table.rows.length > 11_000, `only ${table.rows.length} rows`);
  const items: (LabelledItem & { source: string })[] = [];
  for (const row of table.rows) {
    const m = mapStyleRow(row);
    if (m.kind === "label") {
      items.push({
        id: row.id,
        label: m.label,
        source: `${row.gender}/${row.subCategory}/${row.articleType}`,
      });
    }
  }
  const result = applyClassSizeRule(items, 40, (i) => i.source);
  const row = (label: string) => result.table.find((r) => r.label === label)!;
  // Source counts quoted in the dataset README.
  assertEquals(row("Shoes-Male-Others").sources["Men/Shoes/Casual Shoes"], 626);
  assertEquals(
    row("Shoes-Male-Trainers/Sneakers").sources["Men/Shoes/Sports Shoes"],
    379,
  );
  assertEquals(
    row("Shoes-Female-High heels").sources["Women/Shoes/Heels"],
    353,
  );
  assertEquals(row("Glasses&Sunglasses-Sunglasses").count, 336);
  assertEquals(row("Shoes-Male-Boots").status, "empty");
  assertEquals(row("Glasses&Sunglasses-Glasses").status, "empty");
  for (const r of result.table) {
    if (r.status === "kept") {
      assert(r.finalCount! >= 40, `${r.label} kept with ${r.finalCount}`);
    }
  }
});
