import assert from "node:assert/strict";
import {
  allLeaves,
  FEMALE_SHOE_TYPES,
  flatLabel,
  isValidLabel,
  MALE_SHOE_TYPES,
} from "./label_tree.ts";

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
