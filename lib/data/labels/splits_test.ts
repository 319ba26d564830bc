import assert from "node:assert/strict";
import { join } from "node:path";
import {
  readSplitFile,
  removeNearDuplicates,
  splitLookup,
  stratifiedSplit,
  writeSplitFile,
} from "./splits.ts";

function assertEquals(actual: unknown, expected: unknown, message?: string) {
  assert.deepEqual(actual, expected, message ?? "values differ");
}

function items(): { id: string; stratum: string }[] {
  const out: { id: string; stratum: string }[] = [];
  for (let i = 0; i < 200; i++) out.push({ id: `a${i}`, stratum: "A" });
  for (let i = 0; i < 50; i++) out.push({ id: `b${i}`, stratum: "B" });
  for (let i = 0; i < 7; i++) out.push({ id: `c${i}`, stratum: "C" });
  return out;
}

Deno.test("stratified split: 80/10/10 per class, disjoint, complete, seeded", () => {
  const split = stratifiedSplit(items(), { seed: 42 });
  assertEquals(split.strata.A, { train: 160, validation: 20, test: 20 });
  assertEquals(split.strata.B, { train: 40, validation: 5, test: 5 });
  assertEquals(split.strata.C, { train: 5, validation: 1, test: 1 });
  const all = [...split.train, ...split.validation, ...split.test];
  assertEquals(new Set(all).size, 257);
  // Same seed, shuffled input order: same split. Other seed: different.
  const again = stratifiedSplit([...items()].reverse(), { seed: 42 });
  assertEquals(again.test, split.test);
  const other = stratifiedSplit(items(), { seed: 43 });
  assert.notDeepEqual(other.test, split.test);
  // Adding a class leaves the others' assignment unchanged.
  const more = stratifiedSplit([...items(), { id: "d0", stratum: "D" }], {
    seed: 42,
  });
  assertEquals(
    more.test.filter((id) => id.startsWith("a")),
    split.test.filter((id) => id.startsWith("a")),
  );
  assert.throws(
    () =>
      stratifiedSplit([{ id: "x", stratum: "A" }, { id: "x", stratum: "B" }], {
        seed: 1,
      }),
    /duplicate id 'x'/,
  );
  assert.throws(
    () =>
      stratifiedSplit(items(), {
        seed: 1,
        fractions: { train: 0.5, validation: 0.5, test: 0.5 },
      }),
    /add up to 1/,
  );
});

Deno.test("split file: atomic write, read back, overlap and bad JSON rejected", async () => {
  const dir = await Deno.makeTempDir({ prefix: "splits_" });
  try {
    const split = stratifiedSplit(items(), { seed: 7 });
    const path = join(dir, "split.json");
    await writeSplitFile(path, { dataset: "demo", ...split });
    const back = await readSplitFile(path);
    assertEquals(back.train, split.train);
    assertEquals(back.version, 1);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["split.json"]);
    const overlap = {
      dataset: "demo",
      train: ["1"],
      validation: ["1"],
      test: [],
    };
    await Deno.writeTextFile(join(dir, "bad.json"), JSON.stringify(overlap));
    await assert.rejects(
      readSplitFile(join(dir, "bad.json")),
      /bad\.json: id '1' is in both train and validation/,
    );
    await Deno.writeTextFile(join(dir, "junk.json"), "{nope");
    await assert.rejects(
      readSplitFile(join(dir, "junk.json")),
      /junk\.json: not valid JSON/,
    );
    await assert.rejects(
      readSplitFile(join(dir, "none.json")),
      /Cannot read split file .*none\.json/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("near-duplicate removal drops the later split's copy", () => {
  const split = { dataset: "demo", ...stratifiedSplit(items(), { seed: 3 }) };
  const trainId = split.train[0];
  const testId = split.test[0];
  const valId = split.validation[0];
  const cleaned = removeNearDuplicates(split, [
    { a: trainId, groupA: "train", b: testId, groupB: "test", distance: 2 },
    { a: testId, groupA: "test", b: valId, groupB: "validation", distance: 0 },
  ]);
  const where = splitLookup(cleaned);
  assertEquals(where.get(trainId), "train");
  assertEquals(where.has(testId), false);
  assertEquals(where.get(valId), "validation");
  assertEquals(cleaned.removed, [testId]);
  assertEquals(cleaned.nearDuplicates?.length, 2);
});
