/**
 * Dataset acquisition: installs a catalog dataset into `data/raw/<id>/`
 * (root overridable by env `FASHION_DATA_DIR`) from one of
 *
 * 1. `from`: a folder the user supplies (their own download or, for
 *    `fashion-shop`, the authors' `.npz` files);
 * 2. `mirror` (or env `FASHION_MIRROR`): an offline mirror whose dataset
 *    folder lists every file in `SHA256SUMS`;
 * 3. an existing verified install (nothing to fetch);
 * 4. the internet: files with published checksums (Fashion-MNIST, checked
 *    against the official MD5s), or a Kaggle archive when `KAGGLE_USERNAME`
 *    and `KAGGLE_KEY` are set (Kaggle publishes no checksums: the archive's
 *    CRC-32s are checked and the fingerprint records what was installed).
 *
 * Every file is verified before it appears at its destination: copies and
 * downloads go to a temporary name, are hashed, and are renamed into place
 * only on a match; a mismatch is refused with an error naming the file.
 * Files already installed are skipped; their hashes are cached by size and
 * modification time in `.verified.json`, so a second run does not re-read
 * the data. Each install writes `SHA256SUMS` (what was installed) and
 * `FINGERPRINT.json` (see `fingerprint.ts`).
 *
 * @example
 * ```ts
 * const result = await acquireDataset("fashion-mnist", { mirror: "../shared/datasets" });
 * result.fingerprint.sha256; // recorded by every run that uses the data
 * ```
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname, join, resolve, sep } from "node:path";
import {
  type ExpectedHash,
  formatSha256Sums,
  type HashAlgorithm,
  hashFile,
  parseSha256Sums,
} from "./checksums.ts";
import {
  type DatasetEntry,
  type DatasetSource,
  type DownloadFile,
  getDataset,
} from "./catalog.ts";
import { downloadFile } from "./download.ts";
import {
  computeFingerprint,
  datasetDir,
  type DatasetFingerprint,
  type FileRecord,
  FINGERPRINT_FILE,
  rawDataRoot,
  readFingerprint,
  writeFingerprint,
} from "./fingerprint.ts";
import { parseFashionNpzName, readFashionNpz } from "./npz.ts";
import { extractZip } from "./unzip.ts";
import { writeJsonAtomic, writeTextAtomic } from "../io/atomic.ts";

export { readFingerprint };
export type { DatasetFingerprint };

/** File listing what an install holds, in `sha256sum` format. */
export const MANIFEST_FILE = "SHA256SUMS";
/** Cache of verified hashes keyed by size and modification time. */
export const VERIFIED_CACHE_FILE = ".verified.json";

/** Options for {@link acquireDataset}. */
export interface AcquireOptions {
  /** Mirror root (holds `<mirrorPath>/SHA256SUMS`); default env `FASHION_MIRROR`. */
  mirror?: string;
  /** A folder holding this one dataset's files, supplied by the user. */
  from?: string;
  /** Root of raw datasets; default env `FASHION_DATA_DIR` or `data/raw`. */
  root?: string;
  /** Files copied or hashed at once (default 8). */
  concurrency?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** Re-hash installed files even when the cache says they are verified. */
  force?: boolean;
  /** Options passed to downloads (retries, delays). */
  download?: { retries?: number; retryDelayMs?: number };
  /**
   * Rewrites catalog download URLs, e.g. to an HTTP mirror of the upstream
   * files inside an institution: `(url) => url.replace("https://raw.githubusercontent.com", "http://cache.lan")`.
   */
  rewriteUrl?: (url: string) => string;
}

/** What an install did. */
export interface AcquireResult {
  /** Dataset id. */
  id: string;
  /** Install folder. */
  dir: string;
  /** The fingerprint written to `FINGERPRINT.json`. */
  fingerprint: DatasetFingerprint;
  /** Files copied or downloaded in this run. */
  fetched: number;
  /** Files already installed and verified. */
  skipped: number;
  /** Wall time in seconds. */
  seconds: number;
}

/** One file to install: where it comes from and what it must hash to. */
interface PlannedFile {
  /** Path inside the dataset folder, `/`-separated. */
  path: string;
  /** Local source file, or a URL to download. */
  source: { file: string } | { url: string };
  /** Expected digest; absent when nothing is published (recorded only). */
  expected?: ExpectedHash;
}

interface Plan {
  files: PlannedFile[];
  source: string;
  verifiedAgainst: string;
  /** A staging folder to delete once the install succeeded. */
  staging?: string;
}

type KaggleSource = Extract<DatasetSource, { kind: "kaggle" }>;

interface CacheEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
  md5?: string;
}

type VerifiedCache = Record<string, CacheEntry>;

function defaultLog(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Temporary names left by an interrupted copy: `.<name>.<pid>.<8 hex>.tmp`. */
const STALE_TEMP = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;

/**
 * Lists regular files under `dir` (relative, `/`-separated), skipping hidden
 * names; with `staleTemps`, also collects temporary files of interrupted
 * copies.
 */
async function listFiles(
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

/** Runs `work` over `items` with at most `limit` in flight; collects errors. */
async function runPool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker),
  );
  return errors;
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
): PlannedFile[] {
  return [...sums].map(([path, hex]) => ({
    path,
    source: { file: join(folder, path) },
    expected: { algorithm: "sha256" as const, hex },
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
      : s.kind === "git"
      ? `${s.description} (${s.repository} @${s.commit}, folder ${s.folder})`
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
    files: names.map((path) => ({ path, source: { file: join(dir, path) } })),
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
  options: AcquireOptions,
  log: (line: string) => void,
): Promise<Plan> {
  const staging = join(dirname(dest), ".staging", entry.id);
  const archive = join(staging, "archive.zip");
  const url = options.rewriteUrl ? options.rewriteUrl(source.url) : source.url;
  if (!await exists(archive)) {
    log(`${entry.id}: downloading ${url} (Kaggle ${source.dataset})`);
    let last = 0;
    await downloadFile(url, archive, {
      headers: { Authorization: `Basic ${btoa(`${user}:${key}`)}` },
      label: `${entry.id} archive`,
      retries: options.download?.retries,
      retryDelayMs: options.download?.retryDelayMs,
      onProgress: (received, total) => {
        const now = performance.now();
        if (now - last < 2000) return;
        last = now;
        log(
          `${entry.id}: archive ${(received / 1e6).toFixed(1)}${
            total ? ` of ${(total / 1e6).toFixed(1)}` : ""
          } MB`,
        );
      },
      onRetry: (n, reason) => log(`${entry.id}: retry ${n} (${reason})`),
    });
  }
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

/** Works out which files to install and how to verify them. */
async function makePlan(
  entry: DatasetEntry,
  options: AcquireOptions,
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
        files: planFromSums(dir, await readSums(dir, "Folder")),
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
      ) => ({ path, source: { file: join(dir, path) } })),
      source: `local:${resolve(dir)}`,
      verifiedAgainst: "none published; sha256 recorded at install",
    };
  }
  const mirror = options.mirror ?? Deno.env.get("FASHION_MIRROR");
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
      files: planFromSums(folder, await readSums(folder, "Mirror folder")),
      source: `mirror:${resolve(mirror)}`,
      verifiedAgainst: `mirror ${MANIFEST_FILE}`,
    };
  }
  if (await exists(join(dest, MANIFEST_FILE))) {
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
  const published = downloadFiles(entry);
  if (published) {
    return {
      files: published.map((f) => ({
        path: f.path,
        source: { url: options.rewriteUrl ? options.rewriteUrl(f.url) : f.url },
        expected: f.expected,
      })),
      source: "download",
      verifiedAgainst: `catalog ${published[0].expected.algorithm}`,
    };
  }
  const kaggle = entry.sources.find((s): s is KaggleSource =>
    s.kind === "kaggle"
  );
  const [user, key] = kaggle
    ? kaggle.credentials.map((name) => Deno.env.get(name))
    : [];
  if (kaggle && user && key) {
    return await planKaggle(entry, kaggle, user, key, dest, options, log);
  }
  throw new Error(
    `Dataset '${entry.id}' cannot be downloaded with verification. ` +
      `Use an offline mirror (--mirror DIR or env FASHION_MIRROR)${
        entry.mirrorPath ? "" : " (no mirror carries it)"
      }, or get it yourself and install it with --from DIR: ${howToGet(entry)}`,
  );
}

async function loadCache(dest: string): Promise<VerifiedCache> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dest, VERIFIED_CACHE_FILE)));
  } catch {
    return {};
  }
}

function cacheDigest(
  entry: CacheEntry,
  algorithm: HashAlgorithm,
): string | undefined {
  return algorithm === "sha256" ? entry.sha256 : entry.md5;
}

/** Copies `src` to a temp file beside `dest` while hashing, then renames it in place. */
async function copyHashed(
  src: string,
  dest: string,
  algorithms: HashAlgorithm[],
): Promise<{ digests: Record<string, string>; temp: string }> {
  await Deno.mkdir(dirname(dest), { recursive: true });
  const temp = join(
    dirname(dest),
    `.${basename(dest)}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  const hashes = algorithms.map((a) => createHash(a));
  let input: Deno.FsFile;
  try {
    input = await Deno.open(src, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${src} is missing but listed in ${MANIFEST_FILE} beside it; restore it, or reinstall from a mirror (deno task data <id> --mirror DIR)`,
      );
    }
    throw error;
  }
  const output = await Deno.open(temp, {
    write: true,
    create: true,
    truncate: true,
  });
  try {
    for await (const chunk of input.readable) {
      for (const h of hashes) h.update(chunk);
      let written = 0;
      while (written < chunk.length) {
        written += await output.write(chunk.subarray(written));
      }
    }
  } catch (error) {
    output.close();
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  output.close();
  const digests: Record<string, string> = {};
  algorithms.forEach((a, i) => (digests[a] = hashes[i].digest("hex")));
  return { digests, temp };
}

/** A throttled progress line for long installs. */
function progressReporter(
  id: string,
  total: number,
  log: (line: string) => void,
) {
  let done = 0, fetched = 0, bytes = 0, last = 0;
  const start = performance.now();
  const line = () =>
    `${id}: ${done}/${total} files, ${
      (bytes / 1e6).toFixed(1)
    } MB (${fetched} fetched, ${done - fetched} already installed), ${
      ((performance.now() - start) / 1000).toFixed(1)
    } s`;
  return {
    file(size: number, wasFetched: boolean) {
      done++;
      bytes += size;
      if (wasFetched) fetched++;
      const now = performance.now();
      if (now - last > 1000 || done === total) {
        last = now;
        log(line());
      }
    },
    get fetched() {
      return fetched;
    },
  };
}

/**
 * Installs and verifies one dataset; see the module documentation for where
 * files come from. Safe to run again: verified files are skipped.
 *
 * @throws on an unknown id (listing the valid ids), a checksum mismatch
 * (naming each file; nothing unverified is left at the destination), or when
 * no verifiable source is available (saying how to get the data).
 */
export async function acquireDataset(
  id: string,
  options: AcquireOptions = {},
): Promise<AcquireResult> {
  const started = performance.now();
  const entry = getDataset(id);
  const log = options.log ?? defaultLog;
  const root = options.root ?? rawDataRoot();
  const dest = datasetDir(id, root);
  const plan = await makePlan(entry, options, dest, log);
  if (plan.files.length === 0) {
    throw new Error(
      `Nothing to install for '${id}': the source lists no files`,
    );
  }
  await Deno.mkdir(dest, { recursive: true });
  const cache = options.force ? {} : await loadCache(dest);
  const records = new Map<string, FileRecord>();
  const progress = progressReporter(id, plan.files.length, log);
  log(
    `${id}: installing ${plan.files.length} files into ${dest} from ${plan.source}`,
  );

  let lastByteLog = 0;
  const installOne = async (file: PlannedFile) => {
    const target = join(dest, ...file.path.split("/"));
    if (!resolve(target).startsWith(resolve(dest) + sep)) {
      throw new Error(`${file.path}: path leaves the dataset folder; refused`);
    }
    const algorithm = file.expected?.algorithm ?? "sha256";
    // 1. Already installed and verified?
    const stat = await Deno.stat(target).catch(() => undefined);
    if (stat?.isFile) {
      const cached = cache[file.path];
      const mtimeMs = stat.mtime?.getTime() ?? 0;
      let entryNow: CacheEntry | undefined = cached &&
          cached.size === stat.size && cached.mtimeMs === mtimeMs &&
          cacheDigest(cached, algorithm) !== undefined
        ? cached
        : undefined;
      if (!entryNow && file.expected) {
        const digest = await hashFile(target, algorithm);
        entryNow = {
          size: stat.size,
          mtimeMs,
          sha256: algorithm === "sha256" ? digest : await hashFile(target),
          ...(algorithm === "md5" ? { md5: digest } : {}),
        };
      }
      if (
        entryNow && file.expected &&
        cacheDigest(entryNow, algorithm) === file.expected.hex
      ) {
        cache[file.path] = entryNow;
        records.set(file.path, {
          path: file.path,
          sha256: entryNow.sha256,
          bytes: stat.size,
        });
        progress.file(stat.size, false);
        return;
      }
    }
    // 2. Fetch into a temporary name, verify, rename.
    let sha256: string;
    let md5: string | undefined;
    if ("url" in file.source) {
      await downloadFile(file.source.url, target, {
        expected: file.expected,
        label: `${id}/${file.path}`,
        retries: options.download?.retries,
        retryDelayMs: options.download?.retryDelayMs,
        onProgress: (received, total) => {
          const now = performance.now();
          if (now - lastByteLog < 2000) return;
          lastByteLog = now;
          log(
            `${id}/${file.path}: ${(received / 1e6).toFixed(1)}${
              total ? ` of ${(total / 1e6).toFixed(1)}` : ""
            } MB`,
          );
        },
        onRetry: (n, reason) =>
          log(`${id}/${file.path}: retry ${n} (${reason})`),
      });
      sha256 = await hashFile(target);
      if (algorithm === "md5") md5 = file.expected?.hex;
    } else {
      const algorithms: HashAlgorithm[] = algorithm === "md5"
        ? ["sha256", "md5"]
        : ["sha256"];
      const { digests, temp } = await copyHashed(
        file.source.file,
        target,
        algorithms,
      );
      if (file.expected && digests[algorithm] !== file.expected.hex) {
        await Deno.remove(temp).catch(() => {});
        throw new Error(
          `Checksum mismatch: ${file.source.file} has ${algorithm} ${
            digests[algorithm]
          }, expected ${file.expected.hex} (${plan.verifiedAgainst}). ` +
            `The file is damaged or was changed; it was not installed. Restore it from its source (or re-create the mirror) and run again.`,
        );
      }
      await Deno.rename(temp, target);
      sha256 = digests.sha256;
      md5 = digests.md5;
    }
    const after = await Deno.stat(target);
    cache[file.path] = {
      size: after.size,
      mtimeMs: after.mtime?.getTime() ?? 0,
      sha256,
      ...(md5 ? { md5 } : {}),
    };
    records.set(file.path, { path: file.path, sha256, bytes: after.size });
    progress.file(after.size, true);
  };

  const errors = await runPool(
    plan.files,
    options.concurrency ?? 8,
    installOne,
  );
  await writeJsonAtomic(join(dest, VERIFIED_CACHE_FILE), cache);
  if (errors.length > 0) {
    // The folder no longer matches any verified whole: drop the fingerprint so
    // no run records data that was only partly installed.
    await Deno.remove(join(dest, FINGERPRINT_FILE)).catch(() => {});
    const messages = errors.map((e) =>
      e instanceof Error ? e.message : String(e)
    );
    throw new Error(
      `${id}: ${errors.length} of ${plan.files.length} files failed; the others are installed and verified.\n  ${
        messages.slice(0, 10).join("\n  ")
      }${
        messages.length > 10 ? `\n  ... and ${messages.length - 10} more` : ""
      }`,
    );
  }

  const list = [...records.values()];
  await writeTextAtomic(
    join(dest, MANIFEST_FILE),
    formatSha256Sums(list.map((r) => [r.path, r.sha256])),
  );
  const planned = new Set(plan.files.map((f) => f.path));
  const staleTemps: string[] = [];
  const extra = (await listFiles(dest, "", staleTemps)).filter((p) =>
    !planned.has(p) && p !== MANIFEST_FILE && p !== FINGERPRINT_FILE &&
    !p.endsWith(".part")
  );
  // Temporary files of interrupted copies; the age test spares a concurrent install.
  for (const temp of staleTemps) {
    const path = join(dest, ...temp.split("/"));
    const mtime = (await Deno.stat(path).catch(() => undefined))?.mtime;
    if (mtime && Date.now() - mtime.getTime() > 10 * 60_000) {
      await Deno.remove(path).catch(() => {});
    }
  }
  if (extra.length > 0) {
    log(
      `${id}: ${extra.length} file(s) in ${dest} are not part of this install and not covered by the fingerprint (e.g. ${
        extra.slice(0, 3).join(", ")
      }); remove them if they are left over`,
    );
  }
  if (plan.staging) await Deno.remove(plan.staging, { recursive: true });
  const digest = computeFingerprint(list);
  const fingerprint: DatasetFingerprint = {
    id,
    ...digest,
    source: plan.source,
    verifiedAgainst: plan.verifiedAgainst,
    installedAt: new Date().toISOString(),
  };
  // Keep the install time of an unchanged dataset, so the file only changes with the data.
  const previous = await readFingerprint(id, root).catch(() => undefined);
  if (
    previous && previous.sha256 === fingerprint.sha256 &&
    previous.source === fingerprint.source
  ) {
    fingerprint.installedAt = previous.installedAt;
  }
  await writeFingerprint(dest, fingerprint);
  const seconds = (performance.now() - started) / 1000;
  log(
    `${id}: ${list.length} files verified (${plan.verifiedAgainst}), ${
      (digest.bytes / 1e6).toFixed(1)
    } MB, fingerprint ${digest.sha256.slice(0, 16)}, ${seconds.toFixed(1)} s`,
  );
  return {
    id,
    dir: dest,
    fingerprint,
    fetched: progress.fetched,
    skipped: list.length - progress.fetched,
    seconds,
  };
}

/** Installs several datasets in order; stops at the first failure. */
export async function acquireDatasets(
  ids: readonly string[],
  options: AcquireOptions = {},
): Promise<AcquireResult[]> {
  for (const id of ids) getDataset(id); // fail on a typo before any work
  const results: AcquireResult[] = [];
  for (const id of ids) results.push(await acquireDataset(id, options));
  return results;
}

/** Path of an installed dataset file, relative paths `/`-separated. */
export function installedPath(
  id: string,
  path: string,
  root: string = rawDataRoot(),
): string {
  return join(datasetDir(id, root), ...path.split("/"));
}
