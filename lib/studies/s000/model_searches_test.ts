import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { gridSearch } from "../../train/search.ts";
import { formatSetting, modelSearchSpecs } from "./model_searches.ts";
import { profileCandidates } from "./search.ts";

Deno.test("every model's published setting is a candidate of its grid, and smoke trains exactly it", () => {
  for (const category of ["Trousers & Jeans", "Shoes"] as const) {
    const specs = modelSearchSpecs(category);
    assertEquals(specs.map((s) => s.level), [
      "All",
      "Gender",
      "Male",
      "Female",
    ]);
    for (const s of specs) {
      const [only] = profileCandidates(
        s.space,
        { grid: "one", maxTrials: 1 },
        42,
        s.published,
      );
      assertEquals(only, s.published, s.name);
      for (const [key, value] of Object.entries(s.published)) {
        const option = (s.spec.options as Record<string, unknown>)[key];
        // Unpublished values: the second kernel defaults to the first, the dense size to 128.
        const expected = option ??
          (key === "kernelSize2" ? s.spec.options.kernelSize : 128);
        assertEquals(value, expected, `${s.name} ${key}`);
      }
      assert(s.name === `${s.spec.name}_Search`);
    }
  }
});

Deno.test("the grids' sizes and a course subset", () => {
  const [tj] = modelSearchSpecs("Trousers & Jeans");
  assertEquals(gridSearch(tj.space).length, 24);
  const shoes = modelSearchSpecs("Shoes");
  assertEquals(shoes.map((s) => gridSearch(s.space).length), [8, 8, 8, 8]);
  const course = profileCandidates(
    shoes[1].space,
    { grid: "subset", maxTrials: 3 },
    42,
    shoes[1].published,
  );
  assertEquals(course.length, 3);
  assertEquals(course[0], shoes[1].published);
  assertEquals(
    formatSetting(Object.keys(shoes[1].space), shoes[1].published),
    "kernel 5, filters 64, L2 1e-4",
  );
});
