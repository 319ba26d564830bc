/**
 * Install plans: for one catalog dataset and the options given, which files
 * to install, where each comes from (a local file or a URL) and what it must
 * hash to. `acquire.ts` carries the plan out.
 *
 * Sources, in order: a folder the user supplies (`from`), an offline mirror
 * (`mirror` or env `FASHION_MIRROR`), the existing install (re-verified in
 * place), then the catalog's download sources in catalog order: published
 * files with checksums, repositories' archives of pinned commits
 * (`archive_source.ts`; no credentials), a Kaggle archive when a token is
 * set. `source` picks one download source by kind (e.g. `kaggle`) and
 * skips the mirror and the existing install. When none applies the error
 * says how to get the data.
 *
 * A file copied from a mirror or a supplied folder must stay inside it: a
 * symbolic link that leads out of it is refused (`within`).
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { type ExpectedHash, parseSha256Sums } from "./checksums.ts";
import type {
  DatasetEntry,
  DatasetSource,
  DownloadFile,
  SourceKind,
} from "./catalog.ts";
import {
  type ArchiveSource,
  downloadArchive,
  stageArchiveFiles,
} from "./archive_source.ts";
import { readFingerprint } from "./fingerprint.ts";
import { parseFashionNpzName, readFashionNpz } from "../formats/npz.ts";
import { extractZip } from "./unzip.ts";
import { exists } from "../../io/exists.ts";

/** File listing what an install holds, in `sha256sum` format. */
export const MANIFEST_FILE = "SHA256SUMS";

/** Options that choose and shape the source of an install. */
export interface PlanOptions {
  /** Mirror root (holds `<mirrorPath>/SHA256SUMS`); default env `FASHION_MIRROR`. */
  mirror?: string;
  /** A folder holding this one dataset's files, supplied by the user. */
  from?: string;
  /** Options passed to downloads (retries, delays). */
  download?: { retries?: number; retryDelayMs?: number };
  /**
   * Rewrites catalog download URLs, e.g. to an HTTP mirror of the upstream
   * files inside an institution: `(url) => url.replace("https://raw.githubusercontent.com", "http://cache.lan")`.
   */
  rewriteUrl?: (url: string) => string;
  /**
   * Download from the catalog source of this kind (e.g. `kaggle` for the
   * product images' Kaggle archive), even when a mirror is set or the
   * dataset is installed.
   */
  source?: SourceKind;
}

/** One file to install: where it comes from and what it must hash to. */
export interface PlannedFile {
  /** Path inside the dataset folder, `/`-separated. */
  path: string;
  /** Local source file, or a URL to download. */
  source: { file: string } | { url: string };
  /** Expected digest; absent when nothing is published (recorded only). */
  expected?: ExpectedHash;
  /** What the file is, for messages, when the source path does not say it (an archive member). */
  origin?: string;
  /** A downloaded archive to delete when this file fails verification (so a rerun fetches it anew). */
  discardOnMismatch?: string;
  /** A folder the local source must stay inside (a mirror, a supplied folder): links out of it are refused. */
  within?: string;
}

/** What to install, from where, and how it was verified. */
export interface Plan {
  /** The files, in install order. */
  files: PlannedFile[];
  /** Where they come from, recorded in the fingerprint (`mirror:<dir>`, `local:<dir>`, `download`, ...). */
  source: string;
  /** How they are checked, recorded in the fingerprint. */
  verifiedAgainst: string;
  /** A staging folder to delete once the install succeeded. */
  staging?: string;
}

type KaggleSource = Extract<DatasetSource, { kind: "kaggle" }>;

/** Temporary names left by an interrupted copy: `.<name>.<pid>.<8 hex>.tmp`. */
const STALE_TEMP = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** The id of the process that wrote temporary file `name` (see {@link listFiles}), or undefined. */
export function tempWriterPid(name: string): number | undefined {
  const m = STALE_TEMP.exec(name.slice(name.lastIndexOf("/") + 1));
  return m ? Number(m[1]) : undefined;
}

/**
 * Lists regular files under `dir` (relative, `/`-separated), skipping hidden
 * names; with `staleTemps`, also collects temporary files of interrupted
 * copies.
 */
export async function listFiles(
  dir: string,
  prefix = "",
  staleTemps?: string[],
): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.name.startsWith(".")) {
      if (staleTemps && entry.isFile && STALE_TEMP.test(entry.name)) {
        staleTemps.push(rel);
      }
      continue;
    }
    if (entry.isDirectory) out.push(...await listFiles(dir, rel, staleTemps));
    else if (entry.isFile) out.push(rel);
  }
  return out.sort();
}

async function readSums(
  folder: string,
  what: string,
): Promise<Map<string, string>> {
  const path = join(folder, MANIFEST_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${what} ${folder} has no ${MANIFEST_FILE}, so its files cannot be verified. ` +
          `Check the path (a mirror root holds one folder per dataset), or create it with: (cd ${folder} && find . -type f ! -name ${MANIFEST_FILE} -printf '%P\\n' | sort | xargs -d '\\n' sha256sum > ${MANIFEST_FILE})`,
      );
    }
    throw error;
  }
  return parseSha256Sums(text, path);
}

function planFromSums(
  folder: string,
  sums: Map<string, string>,
  within?: string,
): PlannedFile[] {
  return [...sums].map(([path, hex]) => ({
    path,
    source: { file: join(folder, path) },
    expected: { algorithm: "sha256" as const, hex },
    ...(within ? { within } : {}),
  }));
}

function downloadFiles(
  entry: DatasetEntry,
): readonly DownloadFile[] | undefined {
  for (const source of entry.sources) {
    if (source.kind === "files") return source.files;
  }
  return undefined;
}

function howToGet(entry: DatasetEntry): string {
  const lines = entry.sources.map((s) =>
    s.kind === "kaggle"
      ? `${s.description} (URL ${s.url}; credentials from env ${
        s.credentials.join(" and ")
      })`
      : s.kind === "archive"
      ? `${s.description} (${s.archives.map((a) => a.url).join(", ")})`
      : s.kind === "manual"
      ? `${s.description} (${s.url})`
      : s.description
  );
  return lines.join("; ");
}

/** Validates the fashion-shop authors' `.npz` files in `dir` and plans their install. */
async function planFashionShop(
  entry: DatasetEntry,
  dir: string,
  log: (line: string) => void,
): Promise<Plan> {
  const expected = new Set(entry.userProvided?.expectedFiles ?? []);
  const names = (await listFiles(dir)).filter((p) => p.endsWith(".npz"));
  if (names.length === 0) {
    throw new Error(
      `${dir} holds no .npz files. Expected the fashion-shop arrays, e.g. ${
        [...expected].slice(0, 2).join(", ")
      } (${expected.size} files in all).`,
    );
  }
  const problems: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (!expected.has(basename(name)) && !parseFashionNpzName(name)) {
      problems.push(
        `${path}: not one of the authors' file names (e.g. 'Shoes - All - Train.npz'); rename it or remove it`,
      );
      continue;
    }
    const head = new Uint8Array(4);
    const file = await Deno.open(path);
    const n = await file.read(head).finally(() => file.close());
    if (n !== 4 || head[0] !== 0x50 || head[1] !== 0x4b) {
      problems.push(
        `${path}: not a zip archive (an .npz is a zip); re-download it`,
      );
      continue;
    }
    try {
      const arrays = await readFashionNpz(path, { height: 120, width: 90 });
      log(`fashion-shop: ${name}: ${arrays.count} images 120x90x3 ok`);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `fashion-shop files in ${dir} failed validation:\n  ${
        problems.join("\n  ")
      }`,
    );
  }
  const missing = [...expected].filter((name) => !names.includes(name));
  if (missing.length > 0) {
    log(
      `fashion-shop: ${missing.length} of the ${expected.size} authors' files are not in ${dir}: ${
        missing.join(", ")
      }. Studies that need them will say so.`,
    );
  }
  return {
    files: names.map((path) => ({
      path,
      source: { file: join(dir, path) },
      within: dir,
    })),
    source: `local:${resolve(dir)}`,
    verifiedAgainst:
      "npz layout (images uint8 N x 120 x 90 x 3, labels, genders); no published checksums, sha256 recorded at install",
  };
}

/**
 * Downloads a Kaggle archive (resumable) into `<root>/.staging/<id>/`,
 * extracts it with CRC-32 checks, and plans the install of the folder that
 * holds the source's root marker.
 */
async function planKaggle(
  entry: DatasetEntry,
  source: KaggleSource,
  user: string,
  key: string,
  dest: string,
  options: PlanOptions,
  log: (line: string) => void,
): Promise<Plan> {
  const staging = join(dirname(dest), ".staging", entry.id);
  const archive = join(staging, "archive.zip");
  const url = options.rewriteUrl ? options.rewriteUrl(source.url) : source.url;
  await downloadArchive(
    url,
    archive,
    `${entry.id}: Kaggle ${source.dataset}`,
    {
      ...options,
      headers: { Authorization: `Basic ${btoa(`${user}:${key}`)}` },
    },
    log,
  );
  const unpacked = join(staging, "files");
  await Deno.remove(unpacked, { recursive: true }).catch(() => {});
  log(`${entry.id}: extracting ${archive}`);
  let names: string[];
  try {
    names = await extractZip(archive, unpacked);
  } catch (error) {
    await Deno.remove(archive).catch(() => {});
    throw new Error(
      `${
        error instanceof Error ? error.message : error
      } (the archive was deleted; run again to download it anew)`,
    );
  }
  const marker = names
    .filter((n) =>
      n === source.rootMarker || n.endsWith(`/${source.rootMarker}`)
    )
    .sort((a, b) => a.split("/").length - b.split("/").length)[0];
  if (marker === undefined) {
    throw new Error(
      `The ${source.dataset} archive from ${url} holds no ${source.rootMarker}; the dataset's layout changed. Unzip ${archive} and install the right folder with --from DIR.`,
    );
  }
  const prefix = marker.slice(0, marker.length - source.rootMarker.length);
  const files = names
    .filter((n) => n.startsWith(prefix))
    .map((n) => n.slice(prefix.length))
    .filter((rel) =>
      source.include.some((inc) =>
        inc.endsWith("/") ? rel.startsWith(inc) : rel === inc
      )
    )
    .sort();
  return {
    files: files.map((path) => ({
      path,
      source: { file: join(unpacked, prefix, path) },
    })),
    source: `download:kaggle:${source.dataset}`,
    verifiedAgainst:
      "zip CRC-32 only (Kaggle publishes no checksums); sha256 recorded at install",
    staging,
  };
}

/**
 * Downloads and unpacks an archive source into `<root>/.staging/<id>/`
 * (`archive_source.ts`) and plans the install of its files, each verified
 * against the committed checksums.
 */
async function planArchive(
  entry: DatasetEntry,
  source: ArchiveSource,
  dest: string,
  options: PlanOptions,
  log: (line: string) => void,
): Promise<Plan> {
  const staging = join(dirname(dest), ".staging", entry.id);
  const files = await stageArchiveFiles(entry, source, staging, options, log);
  return {
    files: files.map((f) => ({
      path: f.path,
      source: { file: f.file },
      expected: { algorithm: "sha256" as const, hex: f.sha256 },
      origin: f.origin,
      discardOnMismatch: f.archive,
    })),
    source: `download:archive:${
      source.archives.map((a) => `${a.repository}@${a.commit}`).join(",")
    }`,
    verifiedAgainst:
      `lib/data/acquire/checksums/${source.checksums} (the mirror's ${MANIFEST_FILE})`,
    staging,
  };
}

/** Works out which files to install and how to verify them. */
export async function makePlan(
  entry: DatasetEntry,
  options: PlanOptions,
  dest: string,
  log: (line: string) => void,
): Promise<Plan> {
  if (options.from) {
    const dir = options.from;
    if (!await exists(dir)) {
      throw new Error(`--from folder ${dir} does not exist`);
    }
    if (await exists(join(dir, MANIFEST_FILE))) {
      return {
        files: planFromSums(dir, await readSums(dir, "Folder"), dir),
        source: `local:${resolve(dir)}`,
        verifiedAgainst: `${MANIFEST_FILE} in ${resolve(dir)}`,
      };
    }
    if (entry.userProvided) return await planFashionShop(entry, dir, log);
    const published = downloadFiles(entry);
    if (published) {
      return {
        files: published.map((f) => ({
          path: f.path,
          source: { file: join(dir, f.path) },
          expected: f.expected,
          within: dir,
        })),
        source: `local:${resolve(dir)}`,
        verifiedAgainst: `catalog ${published[0].expected.algorithm}`,
      };
    }
    log(
      `${entry.id}: ${dir} has no ${MANIFEST_FILE} and the catalog publishes no checksums for this source; installing as is and recording sha256 of every file`,
    );
    return {
      files: (await listFiles(dir)).filter((p) => p !== MANIFEST_FILE).map((
        path,
      ) => ({ path, source: { file: join(dir, path) }, within: dir })),
      source: `local:${resolve(dir)}`,
      verifiedAgainst: "none published; sha256 recorded at install",
    };
  }
  const wanted = options.source;
  if (wanted && !entry.sources.some((s) => s.kind === wanted)) {
    throw new Error(
      `Dataset '${entry.id}' has no ${wanted} source; its sources: ${
        entry.sources.map((s) => s.kind).join(", ")
      }`,
    );
  }
  const mirror = wanted
    ? undefined
    : options.mirror ?? Deno.env.get("FASHION_MIRROR");
  if (mirror) {
    if (!entry.mirrorPath) {
      throw new Error(
        `Dataset '${entry.id}' is not in any mirror. ${howToGet(entry)}`,
      );
    }
    const folder = join(mirror, entry.mirrorPath);
    if (!await exists(folder)) {
      throw new Error(
        `Mirror ${mirror} has no folder ${entry.mirrorPath}/ for '${entry.id}'. Check --mirror (or FASHION_MIRROR); it must be the folder that holds ${entry.mirrorPath}/.`,
      );
    }
    return {
      files: planFromSums(
        folder,
        await readSums(folder, "Mirror folder"),
        mirror,
      ),
      source: `mirror:${resolve(mirror)}`,
      verifiedAgainst: `mirror ${MANIFEST_FILE}`,
    };
  }
  if (!wanted && await exists(join(dest, MANIFEST_FILE))) {
    const previous = await readFingerprint(entry.id, dirname(dest)).catch(
      () => undefined,
    );
    return {
      files: planFromSums(dest, await readSums(dest, "Install folder")),
      source: previous?.source ?? "installed",
      verifiedAgainst: previous?.verifiedAgainst ??
        `installed ${MANIFEST_FILE}`,
    };
  }
  for (const source of entry.sources) {
    if (wanted && source.kind !== wanted) continue;
    if (source.kind === "files") {
      return {
        files: source.files.map((f) => ({
          path: f.path,
          source: {
            url: options.rewriteUrl ? options.rewriteUrl(f.url) : f.url,
          },
          expected: f.expected,
        })),
        source: "download",
        verifiedAgainst: `catalog ${source.files[0].expected.algorithm}`,
      };
    }
    if (source.kind === "archive") {
      return await planArchive(entry, source, dest, options, log);
    }
    if (source.kind === "kaggle") {
      const [user, key] = source.credentials.map((name) => Deno.env.get(name));
      if (user && key) {
        return await planKaggle(entry, source, user, key, dest, options, log);
      }
      if (wanted) {
        throw new Error(
          `The Kaggle source of '${entry.id}' needs an account token: set ${
            source.credentials.join(" and ")
          } (kaggle.com, Settings, API token)`,
        );
      }
    }
  }
  throw new Error(
    `Dataset '${entry.id}' cannot be downloaded with verification. ` +
      `Use an offline mirror (--mirror DIR or env FASHION_MIRROR)${
        entry.mirrorPath ? "" : " (no mirror carries it)"
      }, or get it yourself and install it with --from DIR: ${howToGet(entry)}`,
  );
}
