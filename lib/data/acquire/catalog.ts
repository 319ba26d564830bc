/**
 * The dataset catalog: every dataset the studies use, where a user with
 * internet gets it, which folder of an offline mirror holds it, how its files
 * are verified, its licence and its label schema.
 *
 * Acquisition (`lib/data/acquire.ts`, `deno task data <id>`) reads only this
 * table; adding a dataset means adding one entry here.
 *
 * @example
 * ```ts
 * const entry = getDataset("fashion-mnist");
 * entry.mirrorPath; // "fashion-mnist"
 * entry.labels.classes?.[9]; // "Ankle boot"
 * ```
 *
 * @module
 */
import type { ExpectedHash } from "./checksums.ts";

/** One file that can be downloaded and verified without a mirror. */
export interface DownloadFile {
  /** Path inside the dataset folder. */
  path: string;
  /** Public URL. */
  url: string;
  /** Published checksum the download must match. */
  expected: ExpectedHash;
  /** Approximate size in bytes (for progress and the listing). */
  bytes?: number;
}

/**
 * A public repository's archive of one commit, downloadable without an
 * account: GitHub's zip of the commit
 * (`https://codeload.github.com/<owner>/<repo>/zip/<sha>`), which holds the
 * repository's files under one top folder (`<repo>-<sha>/`).
 */
export interface PinnedArchive {
  /** Short name, used in the staging file name, mappings and messages. */
  name: string;
  /** Repository page. */
  repository: string;
  /** The full 40-hex commit. */
  commit: string;
  /** Download URL of the archive. */
  url: string;
  /** Approximate size in bytes (for the listing). */
  bytes?: number;
}

/**
 * Where installed files come from in the unpacked archives: the archive
 * file `from + rest` becomes the dataset file `to + rest` (folders end with
 * `/`; `""` maps the whole archive). Only files listed in the dataset's
 * checksums are installed; when several mappings give the same file, the
 * first whose archive holds it is taken.
 */
export interface ArchiveMapping {
  /** {@link PinnedArchive.name} of the archive. */
  archive: string;
  /** Path (file, or folder ending `/`) inside the archive, below its top folder. */
  from: string;
  /** Path (file, or folder ending `/`) inside the dataset folder. */
  to: string;
}

/**
 * A dataset file made from archive files rather than copied (see
 * `derive.ts`); verified against the checksums like every other file.
 *
 * - `csv-rows-for-files`: the CSV `from` of `archive` with only the rows
 *   whose id (first column) has a file `<filesFolder><id><extension>` among
 *   the dataset's files, sorted by numeric id, every line ending CRLF (how
 *   the mirror's `styles.csv` was filtered to the images present).
 * - `tfjs-nested-model`: the layers model `model` nested inside the TF.js
 *   export in folder `from` of `archive`, cut out as a model of its own:
 *   `model.json` with only that model's topology and weights (written as
 *   Python's `json.dumps` writes it, with `generatedBy`) and `weights.bin`
 *   with only its weights, in the export's order.
 */
export type ArchiveDerivation =
  | {
    kind: "csv-rows-for-files";
    /** Dataset path written. */
    path: string;
    /** {@link PinnedArchive.name} of the archive holding the CSV. */
    archive: string;
    /** The CSV inside the archive. */
    from: string;
    /** Dataset folder of the files whose ids are kept, ending `/`. */
    filesFolder: string;
    /** File name extension after the id, e.g. `.jpg`. */
    extension: string;
  }
  | {
    kind: "tfjs-nested-model";
    /** Dataset paths written. */
    paths: { model: string; weights: string };
    /** {@link PinnedArchive.name} of the archive holding the export. */
    archive: string;
    /** Folder of the export (`model.json`, `weights.bin`) inside the archive, ending `/`. */
    from: string;
    /** Name of the nested model kept. */
    model: string;
    /** `generatedBy` of the written `model.json`. */
    generatedBy: string;
  };

/**
 * Where a user with internet gets a dataset.
 *
 * - `files`: individual files with published checksums; `deno task data`
 *   downloads and verifies them.
 * - `archive`: repositories' archives of pinned commits, downloaded without
 *   credentials, unpacked, mapped into the dataset's layout (derived files
 *   made), and verified file by file against checksums committed in
 *   `lib/data/acquire/checksums/` (the mirror's `SHA256SUMS`), so the
 *   install equals the mirror's, fingerprint included.
 * - `kaggle`: a Kaggle dataset archive; needs an account token (env
 *   `KAGGLE_USERNAME`, `KAGGLE_KEY`). Kaggle publishes no per-file
 *   checksums: the archive's CRC-32s are checked and the sha256 of every
 *   file is recorded in the fingerprint.
 * - `manual`: a link the authors share (no stable URL or checksum).
 */
export type DatasetSource =
  | { kind: "files"; description: string; files: readonly DownloadFile[] }
  | {
    kind: "archive";
    description: string;
    /** The archives to download. */
    archives: readonly PinnedArchive[];
    /** How archive files become dataset files. */
    mappings: readonly ArchiveMapping[];
    /** Dataset files made from archive files. */
    derived?: readonly ArchiveDerivation[];
    /** File in `lib/data/acquire/checksums/` listing every file and its sha256. */
    checksums: string;
  }
  | {
    kind: "kaggle";
    description: string;
    /** `owner/dataset` slug. */
    dataset: string;
    /** Direct API download URL (HTTP basic auth with username and key). */
    url: string;
    /** Environment variables holding the credentials. */
    credentials: readonly string[];
    /** The archive folder holding this file is the dataset root. */
    rootMarker: string;
    /** Paths (files, or folders ending in `/`) under the root to install. */
    include: readonly string[];
  }
  | { kind: "manual"; description: string; url: string };

/** The kinds of {@link DatasetSource}. */
export type SourceKind = DatasetSource["kind"];

/**
 * The GitHub archive of `ownerRepo` at `commit` (full 40-hex sha), named
 * `name`; `bytes` is its approximate size (at least; measured on archives
 * of the repositories' trees at those commits).
 */
function githubArchive(
  name: string,
  ownerRepo: string,
  commit: string,
  bytes: number,
): PinnedArchive {
  return {
    name,
    repository: `https://github.com/${ownerRepo}`,
    commit,
    url: `https://codeload.github.com/${ownerRepo}/zip/${commit}`,
    bytes,
  };
}

/** The clothing dataset (small) at the commit the mirror was built from. */
const CLOTHING_SMALL = githubArchive(
  "clothing-dataset-small",
  "alexeygrigorev/clothing-dataset-small",
  "11961516512414bf9f6c150a832cfd21b54a6b54",
  106e6,
);

/** What the labels are and where they live. */
export interface LabelSchema {
  /** One-paragraph description of how labels are stored. */
  description: string;
  /** Class names in label-index order, where labels are integer codes. */
  classes?: readonly string[];
  /** Label fields (columns, keys), where labels are records. */
  fields?: readonly string[];
}

/** Files a user brings themselves (datasets without a public mirror copy). */
export interface UserProvidedFiles {
  /** The file names the authors distribute. */
  expectedFiles: readonly string[];
  /** What `--from DIR` checks. */
  validation: string;
}

/** One dataset of the catalog. */
export interface DatasetEntry {
  /** Catalog id, also the folder name under `data/raw/`. */
  id: string;
  /** Human title. */
  title: string;
  /** What it is and which study uses it. */
  description: string;
  /** Licence (SPDX id where one exists). */
  licence: string;
  /**
   * Folder of this dataset inside an offline mirror (holding `SHA256SUMS`),
   * or `null` when no mirror carries it.
   */
  mirrorPath: string | null;
  /** Number of files the mirror folder lists in `SHA256SUMS`, when known. */
  mirrorFileCount?: number;
  /** Public sources for users with internet. */
  sources: readonly DatasetSource[];
  /** Label schema. */
  labels: LabelSchema;
  /** Present when the user supplies the files (`--from DIR`). */
  userProvided?: UserProvidedFiles;
  /** Caveats that matter for experiments. */
  notes?: readonly string[];
}

const FASHION_MNIST_BASE =
  "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion";

/** Fashion-MNIST class names, label index order. */
export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
] as const;

/**
 * The 24 `.npz` files of the fashion-shop study (study 000), named as the
 * authors' notebooks load them: the primary 3-category set, the glasses set
 * (no gender split), and Trousers & Jeans / Shoes by All, Male and Female,
 * each as Train, Validation and Test.
 */
export const FASHION_SHOP_FILES: readonly string[] = (() => {
  const splits = ["Train", "Validation", "Test"];
  const groups = [
    "Primary categories",
    "Glasses & Sunglasses",
    ...["Trousers & Jeans", "Shoes"].flatMap((category) =>
      ["All", "Male", "Female"].map((subset) => `${category} - ${subset}`)
    ),
  ];
  return groups.flatMap((group) =>
    splits.map((split) => `${group} - ${split}.npz`)
  );
})();

/** Every dataset the workspace knows, by id. */
export const CATALOG: readonly DatasetEntry[] = [
  {
    id: "fashion-mnist",
    title: "Fashion-MNIST",
    description:
      "70,000 grey 28x28 Zalando article images in 10 classes (60,000 train, 10,000 test), IDX format. Study 004.",
    licence: "MIT (Zalando SE)",
    mirrorPath: "fashion-mnist",
    mirrorFileCount: 4,
    sources: [{
      kind: "files",
      description:
        "Official IDX files from github.com/zalandoresearch/fashion-mnist (data/fashion/), verified against the official MD5s",
      files: [
        {
          path: "train-images-idx3-ubyte.gz",
          url: `${FASHION_MNIST_BASE}/train-images-idx3-ubyte.gz`,
          expected: {
            algorithm: "md5",
            hex: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
          },
          bytes: 26421880,
        },
        {
          path: "train-labels-idx1-ubyte.gz",
          url: `${FASHION_MNIST_BASE}/train-labels-idx1-ubyte.gz`,
          expected: {
            algorithm: "md5",
            hex: "25c81989df183df01b3e8a0aad5dffbe",
          },
          bytes: 29515,
        },
        {
          path: "t10k-images-idx3-ubyte.gz",
          url: `${FASHION_MNIST_BASE}/t10k-images-idx3-ubyte.gz`,
          expected: {
            algorithm: "md5",
            hex: "bef4ecab320f06d8554ea6380940ec79",
          },
          bytes: 4422102,
        },
        {
          path: "t10k-labels-idx1-ubyte.gz",
          url: `${FASHION_MNIST_BASE}/t10k-labels-idx1-ubyte.gz`,
          expected: {
            algorithm: "md5",
            hex: "bb300cfdad3c16e7a12a480ee83cd310",
          },
          bytes: 5148,
        },
      ],
    }],
    labels: {
      description:
        "IDX1 label files, one byte per image, 0..9 in the order of `classes`.",
      classes: FASHION_MNIST_CLASSES,
    },
    notes: [
      "The offline mirror stores the official images and labels grouped by class (all label 0, then 1, ...), so its files differ from the official MD5s: a mirror install is verified against the mirror's SHA256SUMS, a download against the official MD5s. Shuffle before making a validation split.",
    ],
  },
  {
    id: "fashion-product-images",
    title: "Fashion Product Images (small)",
    description:
      "Product photos with styles.csv (id, gender, masterCategory, subCategory, articleType, baseColour, season, year, usage). The mirror holds 11,882 photos: the real stand-in for the fashion-shop hierarchy (studies 000, 001, 003).",
    licence: "as the Kaggle dataset paramaggarwal/fashion-product-images-small",
    mirrorPath: "fashion-product-images",
    mirrorFileCount: 11883,
    sources: [{
      kind: "archive",
      description:
        "The mirror's files from the public repositories it was built from, no account needed: images/ of GaneshNeupane01/Fashion-Recommendation-System (9,583 photos; an archive of over 55 MB, more with the repository's embeddings.pkl), the 2,299 further images/ of RuturajChitale/Fassion-Recommendation-System (about 23 MB), and styles.csv of animmala3942/FashionProductRecommendationSystem (44,446 rows; the rows of the images present are kept, sorted by id). Verified against the mirror's checksums: the same 11,883 files, the same fingerprint.",
      archives: [
        githubArchive(
          "ganesh-fashion-recommendation",
          "GaneshNeupane01/Fashion-Recommendation-System",
          "7cf263426a1a818fbcab19006b87c924b4dd0fa1",
          55e6,
        ),
        githubArchive(
          "ruturaj-fassion-recommendation",
          "RuturajChitale/Fassion-Recommendation-System",
          "8229bfd9dadcec71d6313bcf126b43b82a0c98ef",
          23e6,
        ),
        githubArchive(
          "animmala-styles",
          "animmala3942/FashionProductRecommendationSystem",
          "91e8036739fe4f903aaa4a95009a13d4bc7cb542",
          1.2e6,
        ),
      ],
      mappings: [
        {
          archive: "ganesh-fashion-recommendation",
          from: "images/",
          to: "images/",
        },
        {
          archive: "ruturaj-fassion-recommendation",
          from: "images/",
          to: "images/",
        },
      ],
      derived: [{
        kind: "csv-rows-for-files",
        path: "styles.csv",
        archive: "animmala-styles",
        from: "styles.csv",
        filesFolder: "images/",
        extension: ".jpg",
      }],
      checksums: "fashion-product-images.sha256",
    }, {
      kind: "kaggle",
      description:
        "Kaggle dataset (about 44,000 images, 60x80), chosen with --source kaggle: with KAGGLE_USERNAME and KAGGLE_KEY set (kaggle.com, Settings, API token), deno task data --source kaggle fashion-product-images downloads the archive and installs styles.csv and images/. Or unzip it yourself and use --from <folder holding styles.csv>. Its files differ from the mirror's, so its fingerprint differs too.",
      dataset: "paramaggarwal/fashion-product-images-small",
      url:
        "https://www.kaggle.com/api/v1/datasets/download/paramaggarwal/fashion-product-images-small",
      credentials: ["KAGGLE_USERNAME", "KAGGLE_KEY"],
      rootMarker: "styles.csv",
      include: ["styles.csv", "images/"],
    }],
    labels: {
      description:
        "styles.csv, one row per image id; images/<id>.jpg. Main category, sub-category, article type and gender give the hierarchy.",
      fields: [
        "id",
        "gender",
        "masterCategory",
        "subCategory",
        "articleType",
        "baseColour",
        "season",
        "year",
        "usage",
      ],
    },
    notes: [
      "Classes are imbalanced (e.g. Women's Trousers 7 images); report class sizes with results.",
    ],
  },
  {
    id: "clothing-dataset-small",
    title: "Clothing dataset (small), 5 of 10 classes",
    description:
      "Clothing photos in train/, validation/, test/ with one folder per class (dress, longsleeve, outwear, shirt, t-shirt). Stand-in for study 002 (dress / pullover / shirt: longsleeve is the nearest class to pullover).",
    licence: "CC0-1.0",
    mirrorPath: "clothing-dataset-small",
    mirrorFileCount: 2384,
    sources: [{
      kind: "archive",
      description:
        "The repository's archive at the pinned commit (about 106 MB; of its 10 classes the 5 the mirror keeps are installed), verified against the mirror's checksums.",
      archives: [CLOTHING_SMALL],
      mappings: [{ archive: CLOTHING_SMALL.name, from: "", to: "" }],
      checksums: "clothing-dataset-small.sha256",
    }],
    labels: {
      description: "The class is the folder name: <split>/<class>/<uuid>.jpg.",
      classes: ["dress", "longsleeve", "outwear", "shirt", "t-shirt"],
    },
  },
  {
    id: "clothing-street-photos",
    title: "Street photos of shoes and pants",
    description:
      "666 photos of shoes (198) and pants (468) taken by people: on floors, beds, hangers, in hands, in any orientation; not product shots. A check of models trained on product photos (study 000's warning about real-world images in other directions); never used for training or model selection of the study reproductions.",
    licence: "CC0-1.0",
    mirrorPath: "clothing-street-photos",
    mirrorFileCount: 667,
    sources: [{
      kind: "archive",
      description:
        "Folders train/shoes and train/pants of the clothing dataset (small) at the pinned commit, as shoes/ and pants/, with the repository's LICENSE (the same 106 MB archive as clothing-dataset-small), verified against the mirror's checksums.",
      archives: [CLOTHING_SMALL],
      mappings: [
        { archive: CLOTHING_SMALL.name, from: "train/shoes/", to: "shoes/" },
        { archive: CLOTHING_SMALL.name, from: "train/pants/", to: "pants/" },
        { archive: CLOTHING_SMALL.name, from: "LICENSE", to: "LICENSE" },
      ],
      checksums: "clothing-street-photos.sha256",
    }],
    labels: {
      description:
        "The class is the folder name: shoes/<uuid>.jpg, pants/<uuid>.jpg. Shoes stand for the shop's Shoes, pants for Trousers & Jeans.",
      classes: ["shoes", "pants"],
    },
  },
  {
    id: "fashion-shop-samples",
    title: "Fashion shop sample photos",
    description:
      "164 full-size (300x400) sample photos of the fashion-shop dataset, main category in the file name NNNNN_<productId>_<Category>.jpg. Study 000's conversion step.",
    licence: "as its source repository",
    mirrorPath: "fashion-shop-samples",
    mirrorFileCount: 164,
    sources: [{
      kind: "archive",
      description:
        "Folder 'Sample images (Full size)/' of the authors' repository at the pinned commit (the archive is about 60 MB: the repository holds their models too), verified against the mirror's checksums.",
      archives: [
        githubArchive(
          "fashion-shop-images-classification",
          "jomariya23156/fashion-shop-images-classification",
          "937643e4d4ce25284cbe406a1058dc348ba31c15",
          60e6,
        ),
      ],
      mappings: [{
        archive: "fashion-shop-images-classification",
        from: "Sample images (Full size)/",
        to: "",
      }],
      checksums: "fashion-shop-samples.sha256",
    }],
    labels: {
      description:
        "Main category is the last part of the file name: Glasses & Sunglasses (17), Trousers & Jeans (54), Shoes (93).",
      classes: ["Glasses & Sunglasses", "Trousers & Jeans", "Shoes"],
    },
  },
  {
    id: "mobilenet-v2-0.35-224-notop",
    title: "MobileNetV2 0.35 (224x224) convolutional base, ImageNet weights",
    description:
      "Pretrained base for transfer learning (study 002), TensorFlow.js layers format (model.json + weights.bin), classifier removed, output out_relu 7x7x1280.",
    licence: "Apache-2.0 (Keras applications)",
    mirrorPath: "pretrained/mobilenet-v2-0.35-224-notop",
    mirrorFileCount: 2,
    sources: [{
      kind: "archive",
      description:
        "Cut from the Teachable Machine image-model export tm-my-image-model/ at the pinned commit (a 2 MB archive): its MobileNetV2 base (the nested model model4) without the export's pooling and two dense head layers, verified against the mirror's checksums.",
      archives: [
        githubArchive(
          "teachable-machine-dog",
          "Angela222630/Dog",
          "03c81f48491aa46cd2cc827ed54aadd22ea50a62",
          2e6,
        ),
      ],
      mappings: [],
      derived: [{
        kind: "tfjs-nested-model",
        paths: { model: "model.json", weights: "weights.bin" },
        archive: "teachable-machine-dog",
        from: "tm-my-image-model/",
        model: "model4",
        generatedBy:
          "tfjs-layers 1.7.4 (Teachable Machine export, head removed)",
      }],
      checksums: "mobilenet-v2-0.35-224-notop.sha256",
    }],
    labels: {
      description:
        "No labels: a feature extractor. Input 224x224x3 scaled to [-1, 1].",
    },
  },
  {
    id: "fashion-shop",
    title: "Fashion shop arrays (original study data)",
    description:
      "The fashion-shop authors' arrays: about 16,000 product photos at 120x90, 3 main categories with gender and sub-type labels, as 24 .npz files. Not in any mirror; users who have them install them with --from DIR.",
    licence: "as distributed by the authors",
    mirrorPath: null,
    sources: [{
      kind: "manual",
      description:
        "Download link in the authors' README (Google Drive); unpack, then: deno task data fashion-shop --from <folder with the .npz files>",
      url:
        "https://drive.google.com/file/d/1hX7gIACOXYWMfxgvTR55zQSidXoLcxIo/view?usp=sharing",
    }],
    labels: {
      description:
        "Each .npz holds images (uint8 N x 120 x 90 x 3), labels (N) and genders (N). Primary labels: 0 Glasses/Sunglasses, 1 Trousers/Jeans, 2 Shoes.",
      fields: ["images", "labels", "genders"],
    },
    userProvided: {
      expectedFiles: FASHION_SHOP_FILES,
      validation:
        "file names against the authors' names; each file must be a zip archive holding images, labels and genders with images uint8 N x 120 x 90 x 3",
    },
  },
];

/** All catalog ids, in catalog order. */
export function datasetIds(): string[] {
  return CATALOG.map((entry) => entry.id);
}

/**
 * Looks up a dataset by id.
 *
 * @throws listing the valid ids when `id` is unknown.
 */
export function getDataset(id: string): DatasetEntry {
  const entry = CATALOG.find((e) => e.id === id);
  if (!entry) {
    throw new Error(
      `Unknown dataset id '${id}'. Valid ids: ${datasetIds().join(", ")}`,
    );
  }
  return entry;
}

/** The catalog as plain text, one block per dataset (for `--list`). */
export function formatCatalog(
  entries: readonly DatasetEntry[] = CATALOG,
): string {
  return entries.map((e) => {
    const lines = [
      `${e.id}: ${e.title}`,
      `  ${e.description}`,
      `  licence: ${e.licence}`,
      `  mirror folder: ${
        e.mirrorPath ?? "(none; bring the files with --from DIR)"
      }${e.mirrorFileCount ? ` (${e.mirrorFileCount} files)` : ""}`,
      ...e.sources.map((s) =>
        `  source (${s.kind}): ${
          s.kind === "files"
            ? s.files.map((f) => f.url).join(", ")
            : s.kind === "kaggle"
            ? `${s.url} (needs ${s.credentials.join(", ")})`
            : s.kind === "archive"
            ? s.archives.map((a) => `${a.url} (${a.repository} @${a.commit})`)
              .join(", ")
            : s.url
        }\n    ${s.description}`
      ),
      `  labels: ${e.labels.description}`,
      ...(e.notes ?? []).map((note) => `  note: ${note}`),
    ];
    return lines.join("\n");
  }).join("\n\n") + "\n";
}

/**
 * The datasets the notebooks and `deno task reproduce` install: every
 * public one (the fashion-shop authors' own arrays are installed by hand
 * when a user has them).
 */
export const REPRODUCTION_DATASETS = [
  "fashion-mnist",
  "fashion-product-images",
  "clothing-dataset-small",
  "clothing-street-photos",
  "fashion-shop-samples",
  "mobilenet-v2-0.35-224-notop",
] as const;
