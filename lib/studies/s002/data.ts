/**
 * Study 002's data: the dress / longsleeve / shirt photos of
 * `clothing-dataset-small`, pooled over the dataset's own folders and
 * re-split the study's way (a seeded 20% test set per class, the rest 80/20
 * or 50/50 into training and validation), decoded once at 224x224.
 *
 * @module
 */
import { join } from "node:path";
import type { Profile } from "../../profiles.ts";
import { SPLIT_SCHEMES, type SplitScheme } from "../../published/published.ts";
import { createRng, hashString, shuffleInPlace } from "../../random.ts";
import { datasetDir, readFingerprint } from "../../data/acquire/fingerprint.ts";
import { decodeToRgb } from "../../data/images/decode.ts";
import type { DatasetRef } from "../../runs/run_json.ts";
import type { LabelledArrays } from "../../data/labelled_arrays.ts";

/** The dataset that stands in for the study's photos. */
export const STUDY_002_DATASET = "clothing-dataset-small";

/** The study's three classes and the folders of `clothing-dataset-small` that stand in for them. */
export const STUDY_002_CLASSES: readonly {
  /** The study's class. */
  study: string;
  /** The dataset's class folder used for it. */
  folder: string;
}[] = [
  { study: "dress", folder: "dress" },
  { study: "pullover", folder: "longsleeve" },
  { study: "shirt", folder: "shirt" },
];

/** The dataset's split folders, pooled before re-splitting. */
export const CLOTHING_SPLIT_FOLDERS = ["train", "validation", "test"] as const;

/** Training share of each scheme. */
export const TRAIN_FRACTION: Record<SplitScheme, number> = {
  "80/20": 0.8,
  "50/50": 0.5,
};

/** Share of each class held out as the test set (the study: 20%, 600 images). */
export const STUDY_002_TEST_FRACTION = 0.2;

/** Side of the square images both models see (the study's 224x224). */
export const STUDY_002_IMAGE_SIZE = 224;

/** One image of the pooled dataset. */
export interface Study002Item {
  /** `<split folder>/<class folder>/<file>`, unique. */
  id: string;
  /** Absolute or repository-relative file path. */
  path: string;
  /** Class index into {@linkcode STUDY_002_CLASSES}. */
  label: number;
}

/** The study's splits at one profile and seed. */
export interface Study002Plan {
  /** Images per class in the dataset (all three folders). */
  available: number[];
  /** The held-out test images, shared by every run. */
  test: Study002Item[];
  /** The images left after the test set, after the profile's cap; both schemes split this. */
  pool: Study002Item[];
  /** Training and validation images of each scheme. */
  schemes: Record<
    SplitScheme,
    { train: Study002Item[]; validation: Study002Item[] }
  >;
}

const IMAGE_FILE = /\.(jpe?g|png)$/i;

/**
 * Lists the images of the three classes, pooled over the dataset's
 * train / validation / test folders, sorted by id (so the listing does not
 * depend on the file system's order).
 *
 * @throws when a class folder is missing (the dataset is not installed).
 */
export function listStudy002Images(dir: string): Study002Item[] {
  const items: Study002Item[] = [];
  for (const split of CLOTHING_SPLIT_FOLDERS) {
    for (const [label, { folder }] of STUDY_002_CLASSES.entries()) {
      const classDir = join(dir, split, folder);
      let names: string[];
      try {
        names = [...Deno.readDirSync(classDir)]
          .filter((e) => e.isFile && IMAGE_FILE.test(e.name))
          .map((e) => e.name);
      } catch (error) {
        throw new Error(
          `Cannot list ${classDir} (${
            (error as Error).message
          }); install the data with: deno task data ${STUDY_002_DATASET} (add --mirror DIR when offline)`,
        );
      }
      for (const name of names) {
        items.push({
          id: `${split}/${folder}/${name}`,
          path: join(classDir, name),
          label,
        });
      }
    }
  }
  return items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Splits the pooled images the study's way, per class and seeded:
 *
 * 1. shuffle the class (the stream depends on the seed and the class);
 * 2. the first `round(20%)` are the test set, capped at the profile's
 *    `maxEvalPerClass`;
 * 3. of the rest, the pool keeps at most `ceil(maxTrainPerClass / 0.8)`
 *    images, so that the 80/20 scheme trains on at most `maxTrainPerClass`;
 * 4. each scheme trains on the first `round(fraction × pool)` of the pool
 *    and validates on the remainder.
 *
 * So both schemes share the test set and the pool, and 50/50 has fewer
 * training images than 80/20, as in the study.
 */
export function planStudy002Splits(
  items: readonly Study002Item[],
  profile: Pick<Profile, "maxTrainPerClass" | "maxEvalPerClass">,
  seed: number,
): Study002Plan {
  const classes = STUDY_002_CLASSES.length;
  const byClass: Study002Item[][] = Array.from({ length: classes }, () => []);
  for (const item of items) {
    if (!(item.label >= 0 && item.label < classes)) {
      throw new Error(`Item ${item.id} has label ${item.label}`);
    }
    byClass[item.label].push(item);
  }
  const plan: Study002Plan = {
    available: byClass.map((g) => g.length),
    test: [],
    pool: [],
    schemes: {
      "80/20": { train: [], validation: [] },
      "50/50": { train: [], validation: [] },
    },
  };
  const poolCap = profile.maxTrainPerClass === null
    ? Infinity
    : Math.ceil(profile.maxTrainPerClass / TRAIN_FRACTION["80/20"]);
  for (const [label, group] of byClass.entries()) {
    if (group.length < 4) {
      throw new Error(
        `Class ${
          STUDY_002_CLASSES[label].folder
        } has ${group.length} images; at least 4 are needed for test, training and validation`,
      );
    }
    const rng = createRng(
      hashString(`${seed}:study002:${STUDY_002_CLASSES[label].folder}`),
    );
    const shuffled = shuffleInPlace(
      [...group].sort((a, b) => (a.id < b.id ? -1 : 1)),
      rng,
    );
    const testCount = Math.max(
      1,
      Math.min(
        Math.round(STUDY_002_TEST_FRACTION * shuffled.length),
        profile.maxEvalPerClass ?? Infinity,
      ),
    );
    plan.test.push(...shuffled.slice(0, testCount));
    const pool = shuffled.slice(testCount, testCount + poolCap);
    plan.pool.push(...pool);
    for (const scheme of SPLIT_SCHEMES) {
      const trainCount = Math.min(
        pool.length - 1,
        Math.max(1, Math.round(TRAIN_FRACTION[scheme] * pool.length)),
      );
      plan.schemes[scheme].train.push(...pool.slice(0, trainCount));
      plan.schemes[scheme].validation.push(...pool.slice(trainCount));
    }
  }
  return plan;
}

/** The study's images at a profile, decoded once and shared by all runs. */
export interface Study002Data {
  /** Class names as in the dataset (`dress`, `longsleeve`, `shirt`). */
  classNames: string[];
  /** The study's names of the same classes (`dress`, `pullover`, `shirt`). */
  studyClassNames: string[];
  /** The splits. */
  plan: Study002Plan;
  /** Decoded 224x224x3 RGB (uint8) of every test and pool image, by id. */
  pixels: Map<string, Uint8Array>;
  /** The dataset id and fingerprint for run records. */
  dataset: DatasetRef;
  /** The dataset folder read. */
  dir: string;
}

/** Where {@linkcode loadStudy002Data} reads from. */
export interface Study002DataOptions {
  /** Dataset folder; default the installed `data/raw/clothing-dataset-small` (`FASHION_DATA_DIR`). */
  dir?: string;
  /** Dataset reference for run records; default read from the install's `FINGERPRINT.json`. */
  dataset?: DatasetRef;
  /** Files decoded at once; default 4. */
  concurrency?: number;
}

/**
 * Lists, splits ({@linkcode planStudy002Splits}) and decodes the three
 * classes at a profile: every image is fitted into 224x224 and padded with
 * white, as `decodeToRgb` does for every dataset of the workspace.
 */
export async function loadStudy002Data(
  profile: Pick<Profile, "maxTrainPerClass" | "maxEvalPerClass">,
  seed: number,
  options: Study002DataOptions = {},
): Promise<Study002Data> {
  const dir = options.dir ?? datasetDir(STUDY_002_DATASET);
  const dataset = options.dataset ?? {
    id: STUDY_002_DATASET,
    fingerprint: (await readFingerprint(STUDY_002_DATASET)).sha256,
  };
  const plan = planStudy002Splits(listStudy002Images(dir), profile, seed);
  const pixels = new Map<string, Uint8Array>();
  const todo = [...plan.test, ...plan.pool];
  const concurrency = options.concurrency ?? 4;
  for (let i = 0; i < todo.length; i += concurrency) {
    const chunk = todo.slice(i, i + concurrency);
    const decoded = await Promise.all(
      chunk.map((item) =>
        decodeToRgb(item.path, {
          width: STUDY_002_IMAGE_SIZE,
          height: STUDY_002_IMAGE_SIZE,
        }).catch((error) => {
          throw new Error(`Cannot decode ${item.path}: ${error.message}`);
        })
      ),
    );
    chunk.forEach((item, j) => pixels.set(item.id, decoded[j]));
  }
  return {
    classNames: STUDY_002_CLASSES.map((c) => c.folder),
    studyClassNames: STUDY_002_CLASSES.map((c) => c.study),
    plan,
    pixels,
    dataset,
    dir,
  };
}

/** The images of `items` as one uint8 array (224x224x3 each) with their labels. */
export function study002Arrays(
  data: Pick<Study002Data, "pixels">,
  items: readonly Study002Item[],
): LabelledArrays {
  const size = STUDY_002_IMAGE_SIZE * STUDY_002_IMAGE_SIZE * 3;
  const images = new Uint8Array(items.length * size);
  items.forEach((item, i) => {
    const rgb = data.pixels.get(item.id);
    if (!rgb) throw new Error(`Image ${item.id} was not loaded`);
    images.set(rgb, i * size);
  });
  return {
    images,
    shape: [STUDY_002_IMAGE_SIZE, STUDY_002_IMAGE_SIZE, 3],
    labels: items.map((item) => item.label),
  };
}

/** The training and validation images of one run. */
export interface Study002Partition {
  /** Training images (photos only; balancing copies are added by {@linkcode planTopUp}). */
  train: Study002Item[];
  /** Validation images. */
  validation: Study002Item[];
}

/**
 * The training and validation images of a split, for one of the 50/50
 * halves: `half` `A` (or `null`) trains on the scheme's training part and
 * validates on the rest; `B` swaps them, so the two runs of the 50/50 split
 * train on disjoint halves of the pool and each validates on the other's
 * training images (the study's "in the first run, 50% is training data,
 * then that same 50% is used as validation data in the second run").
 */
export function study002Partition(
  plan: Study002Plan,
  split: SplitScheme,
  half: "A" | "B" | null,
): Study002Partition {
  const scheme = plan.schemes[split];
  if (half === "B") {
    if (split !== "50/50") {
      throw new Error(`Only the 50/50 split has swapped halves, not ${split}`);
    }
    return { train: scheme.validation, validation: scheme.train };
  }
  return { train: scheme.train, validation: scheme.validation };
}

/** Images per class the study had, after topping its classes up by augmentation. */
export const STUDY_002_IMAGES_PER_CLASS = 1000;

/**
 * The training images per class that class balancing tops up to: the
 * study's {@linkcode STUDY_002_IMAGES_PER_CLASS} less its 20% test set,
 * times the split's training share (640 at 80/20, 400 for a 50/50 half),
 * capped at the profile's training images per class at that split (at
 * `course` 200 and 125), so that a profile never trains on more images per
 * class than it says.
 */
export function balanceTarget(
  profile: Pick<Profile, "maxTrainPerClass">,
  split: SplitScheme,
): number {
  const study = Math.round(
    STUDY_002_IMAGES_PER_CLASS * (1 - STUDY_002_TEST_FRACTION) *
      TRAIN_FRACTION[split],
  );
  if (profile.maxTrainPerClass === null) return study;
  const cap = Math.round(
    profile.maxTrainPerClass * TRAIN_FRACTION[split] /
      TRAIN_FRACTION["80/20"],
  );
  return Math.min(study, cap);
}

/** An augmented copy of a training photo that tops its class up. */
export interface Study002TopUp extends Study002Item {
  /** The photo it is a copy of. */
  source: string;
  /** Which copy of that photo (0 for the first). */
  round: number;
}

/**
 * The augmented copies that top every class of `train` up to `target`
 * images (classes at or above it get none): a class of n photos that needs
 * m copies gets copy `round` 0 of its first min(m, n) photos, then round 1,
 * and so on, its photos ordered by a hash of the seed and their id. So the
 * copies depend only on the seed and the training photos (not on their
 * order), and copy `round` of a photo is the same image wherever it is
 * used; its id is `<photo id>#balance<round>`.
 */
export function planTopUp(
  train: readonly Study002Item[],
  target: number,
  seed: number,
): Study002TopUp[] {
  const out: Study002TopUp[] = [];
  for (let label = 0; label < STUDY_002_CLASSES.length; label++) {
    const photos = train.filter((i) => i.label === label)
      .map((item) => ({
        item,
        key: hashString(`${seed}:study002:balance:${item.id}`),
      }))
      .sort((a, b) =>
        a.key - b.key ||
        (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0)
      )
      .map((p) => p.item);
    const missing = target - photos.length;
    if (missing <= 0 || !photos.length) continue;
    for (let j = 0; j < missing; j++) {
      const item = photos[j % photos.length];
      const round = Math.floor(j / photos.length);
      out.push({
        id: `${item.id}#balance${round}`,
        path: item.path,
        label,
        source: item.id,
        round,
      });
    }
  }
  return out;
}
