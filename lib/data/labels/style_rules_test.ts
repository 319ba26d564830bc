import assert from "node:assert/strict";
import { join } from "node:path";
import { mapStyleRow } from "./style_rules.ts";
import { readStylesCsv } from "./styles_csv.ts";
import { applyClassSizeRule, type LabelledItem } from "./class_size.ts";
import { datasetDir } from "../../testing/mirror.ts";

function assertEquals(actual: unknown, expected: unknown, message?: string) {
  assert.deepEqual(actual, expected, message ?? "values differ");
}

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
