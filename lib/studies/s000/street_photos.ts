/**
 * Photos of shoes and pants taken by people (`clothing-street-photos`: on
 * floors, beds, hangers, in hands, in any orientation), the conditions study
 * 000 warns about ("when it sees the real world images in the different
 * direction, it will have trouble classifying them"). Shoes stand for the
 * shop's Shoes and pants for Trousers & Jeans, so every model with those
 * classes (the primary model) can be scored on them; the gender and type
 * models cannot (the photos have no such labels). The photos never enter
 * training or model selection of the study reproductions.
 *
 * @module
 */
import { join } from "node:path";
import { datasetDir, readFingerprint } from "../../data/acquire/fingerprint.ts";
import type { PhotoSet } from "../../execute/photo_check.ts";
import { convertPhotoSet } from "../../execute/photo_check.ts";

/** The catalog id of the street photos. */
export const STREET_PHOTOS = "clothing-street-photos";

/** The street photos' folders and the main category each stands for. */
export const STREET_FOLDERS: Readonly<Record<string, string>> = {
  shoes: "Shoes",
  pants: "Trousers&Jeans",
};

/**
 * The street photos as a photo set for a model with `classNames` (which
 * must include Shoes and Trousers&Jeans), converted to 120 x 90 like every
 * training image.
 */
export async function streetPhotos(
  classNames: readonly string[],
  dir: string = datasetDir(STREET_PHOTOS),
): Promise<PhotoSet> {
  const files = Object.entries(STREET_FOLDERS).flatMap(([folder, className]) =>
    [...Deno.readDirSync(join(dir, folder))]
      .filter((e) => e.isFile && /\.jpe?g$/i.test(e.name))
      .map((e) => e.name)
      .sort()
      .map((name) => ({
        id: `${folder}/${name}`,
        path: join(dir, folder, name),
        className,
      }))
  );
  const fingerprint = await readFingerprint(STREET_PHOTOS);
  return await convertPhotoSet(
    files,
    classNames,
    { id: STREET_PHOTOS, fingerprint: fingerprint.sha256 },
    "photos of shoes and pants taken by people (floors, beds, hangers, hands; any orientation), not product shots",
  );
}
