import assert from "node:assert/strict";
import { parseStylesCsv, splitCsvLine } from "./styles_csv.ts";

function assertEquals(actual: unknown, expected: unknown, message?: string) {
  assert.deepEqual(actual, expected, message ?? "values differ");
}

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
