import assert from "node:assert/strict";
import {
  applyClassSizeRule,
  formatClassTable,
  type LabelledItem,
} from "./class_size.ts";

function assertEquals(actual: unknown, expected: unknown, message?: string) {
  assert.deepEqual(actual, expected, message ?? "values differ");
}

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
