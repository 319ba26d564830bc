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
 *    against the official MD5s); repositories' archives of pinned commits,
 *    no account needed (the product images, the clothing photos, the shop
 *    samples, the MobileNetV2 base: unpacked, mapped into the mirror's
 *    layout and checked against the mirror's checksums committed in
 *    `checksums/`); or, with `source: "kaggle"`, a Kaggle archive when
 *    `KAGGLE_USERNAME` and `KAGGLE_KEY` are set (Kaggle publishes no
 *    checksums: the archive's CRC-32s are checked and the fingerprint
 *    records what was installed).
 *
 * Every file is verified before it appears at its destination: copies and
 * downloads go to a temporary name, are hashed, and are renamed into place
 * only on a match; a mismatch is refused with an error naming the file.
 * A file copied from a mirror (or a supplied folder) must be a file inside
 * it: a folder in its place, or a symbolic link leading out of it, is
 * refused by name. Files already installed are skipped; their hashes are
 * cached by size and modification time in `.verified.json`, so a second
 * run does not re-read the data. Temporary files an interrupted install
 * left behind are removed by the next one that completes. Each install writes `SHA256SUMS` (what was installed) and
 * `FINGERPRINT.json` (see `fingerprint.ts`). How sources are chosen is in
 * `install_plan.ts`.
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
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { formatSha256Sums, type HashAlgorithm, hashFile } from "./checksums.ts";
import { getDataset } from "./catalog.ts";
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
import {
  listFiles,
  makePlan,
  MANIFEST_FILE,
  type Plan,
  type PlannedFile,
  type PlanOptions,
  tempWriterPid,
} from "./install_plan.ts";
import { writeJsonAtomic, writeTextAtomic } from "../../io/atomic.ts";

export { MANIFEST_FILE, readFingerprint };
export type { PlanOptions };
export type { DatasetFingerprint };

/** Cache of verified hashes keyed by size and modification time. */
export const VERIFIED_CACHE_FILE = ".verified.json";

/** Options for {@link acquireDataset}. */
export interface AcquireOptions extends PlanOptions {
  /** Root of raw datasets; default env `FASHION_DATA_DIR` or `data/raw`. */
  root?: string;
  /** Files copied or hashed at once (default 8). */
  concurrency?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** Re-hash installed files even when the cache says they are verified. */
  force?: boolean;
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
    if ((await Deno.stat(src)).isDirectory) {
      throw new Error(
        `${src} is a folder, but ${MANIFEST_FILE} beside it lists it as a file; restore the file (or fix ${MANIFEST_FILE}) and run again`,
      );
    }
    input = await Deno.open(src, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${src} is missing but listed in ${MANIFEST_FILE} beside it; restore it, or reinstall from a mirror (deno task data <id> --mirror DIR)`,
      );
    }
    if (error instanceof Error && error.message.includes(src)) throw error;
    throw new Error(`Cannot read ${src}: ${error}`);
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
    throw new Error(`Cannot copy ${src} to ${dest}: ${error}`);
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

/** The throttled progress line of one install, see {@link progressReporter}. */
type Progress = ReturnType<typeof progressReporter>;

/** What the steps of one install share. */
interface Install {
  /** Dataset id. */
  id: string;
  /** Install folder. */
  dest: string;
  /** Which files to install, from where, verified against what. */
  plan: Plan;
  /** The caller's options. */
  options: AcquireOptions;
  /** Progress lines. */
  log: (line: string) => void;
  /** Verified hashes by path; updated as files are installed, saved after. */
  cache: VerifiedCache;
  /** What each installed file holds, by path. */
  records: Map<string, FileRecord>;
  /** Files done so far. */
  progress: Progress;
  /** When a download last logged its bytes (one line per 2 s, all files together). */
  lastByteLog: number;
}

/**
 * Installs and verifies one dataset; see the module documentation for where
 * files come from. Safe to run again: verified files are skipped.
 *
 * Steps: plan the files ({@link makePlan}), install each one
 * ({@link installFiles}), write `SHA256SUMS` ({@link writeManifest}), tidy
 * the folder ({@link tidyInstallFolder}) and write `FINGERPRINT.json`
 * ({@link writeInstallFingerprint}).
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
  const install = await startInstall(id, dest, plan, options, log);
  await installFiles(install);
  const list = [...install.records.values()];
  await writeManifest(dest, list);
  await tidyInstallFolder(install);
  const fingerprint = await writeInstallFingerprint(install, root, list);
  const seconds = (performance.now() - started) / 1000;
  log(
    `${id}: ${list.length} files verified (${plan.verifiedAgainst}), ${
      (fingerprint.bytes / 1e6).toFixed(1)
    } MB, fingerprint ${fingerprint.sha256.slice(0, 16)}, ${
      seconds.toFixed(1)
    } s`,
  );
  return {
    id,
    dir: dest,
    fingerprint,
    fetched: install.progress.fetched,
    skipped: list.length - install.progress.fetched,
    seconds,
  };
}

/**
 * Prepares an install: creates the folder, loads the verified-hash cache
 * (none with `force`), starts the progress line and says what is installed
 * from where.
 */
async function startInstall(
  id: string,
  dest: string,
  plan: Plan,
  options: AcquireOptions,
  log: (line: string) => void,
): Promise<Install> {
  await Deno.mkdir(dest, { recursive: true });
  const cache = options.force ? {} : await loadCache(dest);
  const install: Install = {
    id,
    dest,
    plan,
    options,
    log,
    cache,
    records: new Map(),
    progress: progressReporter(id, plan.files.length, log),
    lastByteLog: 0,
  };
  log(
    `${id}: installing ${plan.files.length} files into ${dest} from ${plan.source}`,
  );
  return install;
}

/**
 * Installs every planned file ({@link installFile}), `concurrency` (default
 * 8) at once, then saves the verified-hash cache. A file that fails does not
 * stop the others.
 *
 * @throws if any file failed, with up to ten of the reasons; the fingerprint
 * is removed first, so no run records data that was only partly installed.
 */
async function installFiles(install: Install): Promise<void> {
  const { id, dest, plan, options } = install;
  const errors = await runPool(
    plan.files,
    options.concurrency ?? 8,
    (file) => installFile(install, file),
  );
  await writeJsonAtomic(join(dest, VERIFIED_CACHE_FILE), install.cache);
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
}

/**
 * Installs one planned file: keeps the installed copy when it is verified
 * ({@link keepVerified}); otherwise fetches it into a temporary name,
 * verifies it and renames it into place ({@link downloadVerified},
 * {@link copyVerified}). Either way the file is recorded and counted.
 *
 * @throws if the file's path leaves the dataset folder, or when it cannot be
 * fetched or verified.
 */
async function installFile(
  install: Install,
  file: PlannedFile,
): Promise<void> {
  const { dest } = install;
  const target = join(dest, ...file.path.split("/"));
  if (!resolve(target).startsWith(resolve(dest) + sep)) {
    throw new Error(`${file.path}: path leaves the dataset folder; refused`);
  }
  const algorithm = file.expected?.algorithm ?? "sha256";
  if (await keepVerified(install, file, target, algorithm)) return;
  const { sha256, md5 } = "url" in file.source
    ? await downloadVerified(install, file, file.source.url, target, algorithm)
    : await copyVerified(install, file, file.source.file, target, algorithm);
  const after = await Deno.stat(target);
  install.cache[file.path] = {
    size: after.size,
    mtimeMs: after.mtime?.getTime() ?? 0,
    sha256,
    ...(md5 ? { md5 } : {}),
  };
  install.records.set(file.path, {
    path: file.path,
    sha256,
    bytes: after.size,
  });
  install.progress.file(after.size, true);
}

/**
 * Keeps an already installed file whose digest matches the expected one:
 * the digest comes from the cache while the file's size and modification
 * time are unchanged, else the file is hashed. Returns whether the file was
 * kept (then it is recorded and counted as already installed). A file with
 * no expected digest is never kept: it is fetched again.
 */
async function keepVerified(
  install: Install,
  file: PlannedFile,
  target: string,
  algorithm: HashAlgorithm,
): Promise<boolean> {
  const stat = await Deno.stat(target).catch(() => undefined);
  if (!stat?.isFile) return false;
  const cached = install.cache[file.path];
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
    !entryNow || !file.expected ||
    cacheDigest(entryNow, algorithm) !== file.expected.hex
  ) {
    return false;
  }
  install.cache[file.path] = entryNow;
  install.records.set(file.path, {
    path: file.path,
    sha256: entryNow.sha256,
    bytes: stat.size,
  });
  install.progress.file(stat.size, false);
  return true;
}

/**
 * Downloads `url` to `target` with {@link downloadFile}, which verifies the
 * expected digest before renaming into place; logs the bytes received at
 * most every two seconds. Returns the digests to cache.
 */
async function downloadVerified(
  install: Install,
  file: PlannedFile,
  url: string,
  target: string,
  algorithm: HashAlgorithm,
): Promise<{ sha256: string; md5?: string }> {
  const { id, options, log } = install;
  await downloadFile(url, target, {
    expected: file.expected,
    label: `${id}/${file.path}`,
    retries: options.download?.retries,
    retryDelayMs: options.download?.retryDelayMs,
    onProgress: (received, total) => {
      const now = performance.now();
      if (now - install.lastByteLog < 2000) return;
      install.lastByteLog = now;
      log(
        `${id}/${file.path}: ${(received / 1e6).toFixed(1)}${
          total ? ` of ${(total / 1e6).toFixed(1)}` : ""
        } MB`,
      );
    },
    onRetry: (n, reason) => log(`${id}/${file.path}: retry ${n} (${reason})`),
  });
  const sha256 = await hashFile(target);
  return { sha256, md5: algorithm === "md5" ? file.expected?.hex : undefined };
}

/**
 * Refuses `src` when it leads out of `root` (a mirror or a supplied
 * folder) through a symbolic link: the file itself or a folder on its way.
 *
 * @throws naming the link, where it leads and the folder it leaves.
 */
async function refuseLinkOut(src: string, root: string): Promise<void> {
  let realRoot: string;
  try {
    realRoot = await Deno.realPath(root);
  } catch {
    return; // the copy reports a missing mirror
  }
  const inside = (path: string) =>
    path === realRoot || path.startsWith(realRoot + sep);
  const parts = relative(root, src).split(sep);
  let path = resolve(root);
  for (const part of parts) {
    path = join(path, part);
    const info = await Deno.lstat(path).catch(() => undefined);
    if (!info?.isSymlink) continue;
    const target = await Deno.realPath(path).catch(() => undefined);
    if (target === undefined || !inside(target)) {
      throw new Error(
        `${path} is a symbolic link to ${
          target ?? (await Deno.readLink(path).catch(() => "?"))
        }, outside ${root}; refused (a mirror's files must be inside it). Replace the link with the file itself.`,
      );
    }
  }
}

/**
 * Copies the local file `src` to a temporary name beside `target` while
 * hashing it, and renames it into place only if the digest matches.
 * Returns the digests to cache.
 *
 * @throws on a checksum mismatch, naming the file (the copy is removed).
 */
async function copyVerified(
  install: Install,
  file: PlannedFile,
  src: string,
  target: string,
  algorithm: HashAlgorithm,
): Promise<{ sha256: string; md5?: string }> {
  if (file.within) await refuseLinkOut(src, file.within);
  const algorithms: HashAlgorithm[] = algorithm === "md5"
    ? ["sha256", "md5"]
    : ["sha256"];
  const { digests, temp } = await copyHashed(src, target, algorithms);
  if (file.expected && digests[algorithm] !== file.expected.hex) {
    await Deno.remove(temp).catch(() => {});
    if (file.discardOnMismatch) {
      await Deno.remove(file.discardOnMismatch).catch(() => {});
    }
    throw new Error(
      `Checksum mismatch: ${
        file.origin ? `${install.id}/${file.path} (${file.origin})` : src
      } has ${algorithm} ${
        digests[algorithm]
      }, expected ${file.expected.hex} (${install.plan.verifiedAgainst}). ` +
        (file.discardOnMismatch
          ? `The file is damaged or the archive changed; it was not installed, and the archive was deleted: run again to download it anew.`
          : `The file is damaged or was changed; it was not installed. Restore it from its source (or re-create the mirror) and run again.`),
    );
  }
  if ((await Deno.stat(target).catch(() => undefined))?.isDirectory) {
    await Deno.remove(temp).catch(() => {});
    throw new Error(
      `${target} is a folder where the file ${file.path} belongs; remove it and run again`,
    );
  }
  await Deno.rename(temp, target);
  return { sha256: digests.sha256, md5: digests.md5 };
}

/** Writes `SHA256SUMS` into `dest`, listing what was installed. */
async function writeManifest(
  dest: string,
  list: readonly FileRecord[],
): Promise<void> {
  await writeTextAtomic(
    join(dest, MANIFEST_FILE),
    formatSha256Sums(list.map((r) => [r.path, r.sha256])),
  );
}

/**
 * Whether process `pid` is running: this process is; elsewhere, on Linux,
 * whether `/proc/<pid>` exists; undefined where that cannot be told.
 */
async function processRunning(pid: number): Promise<boolean | undefined> {
  if (pid === Deno.pid) return true;
  if (Deno.build.os !== "linux") return undefined;
  try {
    await Deno.stat(`/proc/${pid}`);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    return undefined;
  }
}

/**
 * Tidies the install folder: removes temporary files of interrupted copies
 * (those whose writing process is no longer running, or older than ten
 * minutes; younger ones of a running process may belong to a concurrent
 * install), warns about files that are not part of the install, and
 * deletes the plan's staging folder.
 */
async function tidyInstallFolder(install: Install): Promise<void> {
  const { id, dest, plan, log } = install;
  const planned = new Set(plan.files.map((f) => f.path));
  const staleTemps: string[] = [];
  const extra = (await listFiles(dest, "", staleTemps)).filter((p) =>
    !planned.has(p) && p !== MANIFEST_FILE && p !== FINGERPRINT_FILE &&
    !p.endsWith(".part")
  );
  // Temporary files of interrupted copies; a running writer younger than
  // ten minutes may be a concurrent install.
  for (const temp of staleTemps) {
    const path = join(dest, ...temp.split("/"));
    const pid = tempWriterPid(temp);
    const running = pid === undefined ? undefined : await processRunning(pid);
    const mtime = (await Deno.stat(path).catch(() => undefined))?.mtime;
    const old = mtime != null &&
      Date.now() - mtime.getTime() > 10 * 60_000;
    if (running === false || old) await Deno.remove(path).catch(() => {});
  }
  if (extra.length > 0) {
    log(
      `${id}: ${extra.length} file(s) in ${dest} are not part of this install and not covered by the fingerprint (e.g. ${
        extra.slice(0, 3).join(", ")
      }); remove them if they are left over`,
    );
  }
  if (plan.staging) await Deno.remove(plan.staging, { recursive: true });
}

/**
 * Writes `FINGERPRINT.json` for the installed files and returns it. An
 * unchanged dataset from the same source keeps its previous install time,
 * so the file only changes with the data.
 */
async function writeInstallFingerprint(
  install: Install,
  root: string,
  list: readonly FileRecord[],
): Promise<DatasetFingerprint> {
  const { id, dest, plan } = install;
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
  return fingerprint;
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
