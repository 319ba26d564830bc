/**
 * A small installed copy of `fashion-product-images` for tests of what
 * reads `data/raw` and `data/processed` (`shopArrays`, `deno task convert`):
 * the first `perClass` photos of two shoe classes of the mirror, their
 * `styles.csv` rows, and a `FINGERPRINT.json` computed the way `deno task
 * data` computes it. With 41 per class both classes pass the default
 * class-size rule (40), so a default conversion keeps them.
 *
 * @module
 */
import { join } from "node:path";
import { hashFile } from "../data/acquire/checksums.ts";
import {
  computeFingerprint,
  type FileRecord,
  writeFingerprint,
} from "../data/acquire/fingerprint.ts";
import { datasetDir } from "./mirror.ts";

/** The classes copied, as `gender/articleType` of `styles.csv`. */
export const SAMPLE_CLASSES = ["Men/Casual Shoes", "Women/Heels"] as const;

/**
 * Installs the sample under `<rawRoot>/fashion-product-images` and returns
 * that folder.
 */
export async function installProductImagesSample(
  rawRoot: string,
  perClass = 41,
): Promise<string> {
  const mirror = datasetDir("fashion-product-images");
  const dir = join(rawRoot, "fashion-product-images");
  await Deno.mkdir(join(dir, "images"), { recursive: true });
  const [header, ...rows] = (await Deno.readTextFile(
    join(mirror, "styles.csv"),
  )).split(/\r?\n/);
  const kept: string[] = [header];
  const taken = new Map<string, number>();
  for (const row of rows) {
    const f = row.split(",");
    const key = `${f[1]}/${f[4]}`;
    if (!(SAMPLE_CLASSES as readonly string[]).includes(key)) continue;
    if ((taken.get(key) ?? 0) >= perClass) continue;
    try {
      await Deno.copyFile(
        join(mirror, "images", `${f[0]}.jpg`),
        join(dir, "images", `${f[0]}.jpg`),
      );
    } catch {
      continue;
    }
    taken.set(key, (taken.get(key) ?? 0) + 1);
    kept.push(row);
  }
  await Deno.writeTextFile(join(dir, "styles.csv"), kept.join("\n") + "\n");
  await writeSampleFingerprint(dir);
  return dir;
}

/** (Re)writes `FINGERPRINT.json` of the sample folder from its files. */
export async function writeSampleFingerprint(dir: string): Promise<string> {
  const records: FileRecord[] = [];
  const add = async (path: string) => {
    const { size } = await Deno.stat(join(dir, path));
    records.push({
      path,
      sha256: await hashFile(join(dir, path)),
      bytes: size,
    });
  };
  await add("styles.csv");
  for await (const e of Deno.readDir(join(dir, "images"))) {
    if (e.isFile) await add(`images/${e.name}`);
  }
  const digest = computeFingerprint(records);
  await writeFingerprint(dir, {
    id: "fashion-product-images",
    ...digest,
    source: "local:test sample",
    verifiedAgainst: "test",
    installedAt: new Date(0).toISOString(),
  });
  return digest.sha256;
}
