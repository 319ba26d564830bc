/** The street photos load as a photo set of the primary model's classes, from the verified install. */
import {
  deepStrictEqual as assertEquals,
  rejects as assertRejects,
} from "node:assert/strict";
import { acquireDatasets } from "../../data/acquire/acquire.ts";
import { mirrorDir } from "../../testing/mirror.ts";
import { streetPhotos } from "./street_photos.ts";

Deno.env.set("FASHION_DATA_DIR", await Deno.makeTempDir());
await acquireDatasets(["clothing-street-photos"], { mirror: mirrorDir() });

Deno.test("the 666 street photos: 198 shoes as Shoes, 468 pants as Trousers&Jeans, at 120 x 90", async () => {
  const names = ["Glasses&Sunglasses", "Shoes", "Trousers&Jeans"];
  const set = await streetPhotos(names);
  assertEquals(set.ids.length, 666);
  assertEquals(set.arrays.images.length, 666 * 120 * 90 * 3);
  assertEquals(
    names.map((_, k) =>
      Array.from(set.arrays.labels).filter((l) => l === k).length
    ),
    [0, 198, 468],
  );
  assertEquals(set.ids[0].startsWith("shoes/"), true);
  assertEquals(set.dataset.id, "clothing-street-photos");
  await assertRejects(
    () => streetPhotos(["Glasses&Sunglasses", "Shoes"]),
    /lack Trousers&Jeans of the clothing-street-photos photos/,
  );
});
