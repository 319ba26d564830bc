/**
 * Installing a dataset from repositories' archives of pinned commits (the
 * catalog's `archive` sources): download each archive (resumable, no
 * credentials) into `<root>/.staging/<id>/`, read its file list, pick for
 * every file of the dataset's committed checksums the archive file it comes
 * from (the catalog's mappings rename folders into the dataset's layout),
 * extract only those (CRC-32 checked), make the derived files, and hand the
 * result to the install, which verifies every file against the checksums
 * before it is put in place.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseSha256Sums } from "./checksums.ts";
import type {
  ArchiveDerivation,
  ArchiveMapping,
  DatasetEntry,
  DatasetSource,
  PinnedArchive,
} from "./catalog.ts";
import { csvRowsForFiles, cutNestedTfjsModel } from "./derive.ts";
import { downloadFile } from "./download.ts";
import { extractZip, listZip } from "./unzip.ts";
import { exists } from "../../io/exists.ts";

/** An `archive` source of the catalog. */
export type ArchiveSource = Extract<DatasetSource, { kind: "archive" }>;

/** Download settings shared with the other sources. */
export interface ArchiveDownloadOptions {
  /** Rewrites download URLs (tests, institutional caches). */
  rewriteUrl?: (url: string) => string;
  /** Retries and their delay. */
  download?: { retries?: number; retryDelayMs?: number };
}

/** One file an archive install provides, before verification. */
export interface ArchiveFile {
  /** Path inside the dataset folder. */
  path: string;
  /** The unpacked (or derived) file in the staging folder. */
  file: string;
  /** Its sha256 from the committed checksums. */
  sha256: string;
  /** Where it comes from, for messages: `<archive>@<commit>:<path>`. */
  origin: string;
  /** The downloaded archive it came from (deleted if the file fails verification). */
  archive: string;
}

/** The committed checksums file of an archive source. */
export function checksumsPath(name: string): string {
  return fileURLToPath(new URL(`./checksums/${name}`, import.meta.url));
}

/** Reads an archive source's committed checksums: path → sha256. */
export async function readArchiveChecksums(
  source: ArchiveSource,
): Promise<Map<string, string>> {
  const path = checksumsPath(source.checksums);
  return parseSha256Sums(await Deno.readTextFile(path), path);
}

/**
 * Downloads `url` to `path` (through `path.part`, resuming an interrupted
 * transfer with a Range request), logging the bytes received every two
 * seconds; does nothing when `path` exists.
 */
export async function downloadArchive(
  url: string,
  path: string,
  label: string,
  options: ArchiveDownloadOptions & { headers?: Record<string, string> },
  log: (line: string) => void,
): Promise<void> {
  if (await exists(path)) return;
  log(`${label}: downloading ${url}`);
  let last = 0;
  await downloadFile(url, path, {
    headers: options.headers,
    label,
    retries: options.download?.retries,
    retryDelayMs: options.download?.retryDelayMs,
    onProgress: (received, total) => {
      const now = performance.now();
      if (now - last < 2000) return;
      last = now;
      log(
        `${label}: ${(received / 1e6).toFixed(1)}${
          total ? ` of ${(total / 1e6).toFixed(1)}` : ""
        } MB`,
      );
    },
    onRetry: (n, reason) => log(`${label}: retry ${n} (${reason})`),
  });
}

/** The one top folder every entry of a repository archive sits in (`<repo>-<sha>/`), or `""`. */
function topFolder(names: readonly string[]): string {
  const first = names[0]?.split("/")[0];
  return first !== undefined && names.every((n) => n.startsWith(`${first}/`))
    ? `${first}/`
    : "";
}

/** The archive path that `mapping` gives dataset path `path`, or undefined when it does not cover it. */
function mappedFrom(mapping: ArchiveMapping, path: string): string | undefined {
  if (mapping.to === "" || mapping.to.endsWith("/")) {
    return path.startsWith(mapping.to)
      ? mapping.from + path.slice(mapping.to.length)
      : undefined;
  }
  return path === mapping.to ? mapping.from : undefined;
}

/** The dataset paths a derivation writes. */
function derivedPaths(d: ArchiveDerivation): string[] {
  return d.kind === "csv-rows-for-files"
    ? [d.path]
    : [d.paths.model, d.paths.weights];
}

/** Whether archive path `rel` is an input of derivation `d`. */
function isDerivationInput(d: ArchiveDerivation, rel: string): boolean {
  return d.kind === "csv-rows-for-files"
    ? rel === d.from
    : rel.startsWith(d.from);
}

/** A downloaded archive: where it is, its top folder and the files it holds. */
interface Downloaded {
  archive: PinnedArchive;
  zip: string;
  top: string;
  files: Set<string>;
}

/** `<name>@<first 8 of the commit>` for messages. */
const at = (a: PinnedArchive) => `${a.name}@${a.commit.slice(0, 8)}`;

/**
 * Downloads, unpacks and maps an archive source's files into the staging
 * folder `staging` (see the module notes). Returns every file of the
 * committed checksums with the staged file to install.
 *
 * @throws when a listed file is in none of the archives (naming the files;
 * the archives are deleted so the next run downloads them anew), or when an
 * archive is damaged (its entry fails the CRC check: the archive is deleted).
 */
export async function stageArchiveFiles(
  entry: DatasetEntry,
  source: ArchiveSource,
  staging: string,
  options: ArchiveDownloadOptions,
  log: (line: string) => void,
): Promise<ArchiveFile[]> {
  const expected = await readArchiveChecksums(source);
  const byName = new Map(source.archives.map((a) => [a.name, a]));
  for (
    const name of [
      ...source.mappings.map((m) => m.archive),
      ...(source.derived ?? []).map((d) => d.archive),
    ]
  ) {
    if (!byName.has(name)) {
      throw new Error(
        `Catalog entry '${entry.id}' maps from archive '${name}', which its source does not list`,
      );
    }
  }
  await Deno.mkdir(staging, { recursive: true });
  const downloaded = new Map<string, Downloaded>();
  for (const archive of source.archives) {
    const zip = join(staging, `${archive.name}.zip`);
    const url = options.rewriteUrl?.(archive.url) ?? archive.url;
    await downloadArchive(
      url,
      zip,
      `${entry.id}: ${at(archive)}`,
      options,
      log,
    );
    let names: string[];
    try {
      names = (await listZip(zip)).map((e) => e.name);
    } catch (error) {
      await Deno.remove(zip).catch(() => {});
      throw new Error(
        `${
          error instanceof Error ? error.message : error
        } (${url}; the archive was deleted, run again to download it anew)`,
      );
    }
    const top = topFolder(names);
    downloaded.set(archive.name, {
      archive,
      zip,
      top,
      files: new Set(
        names.filter((n) => !n.endsWith("/")).map((n) => n.slice(top.length)),
      ),
    });
  }

  // Which archive file each listed file comes from.
  const derived = new Map<string, ArchiveDerivation>();
  for (const d of source.derived ?? []) {
    for (const path of derivedPaths(d)) derived.set(path, d);
  }
  const picked = new Map<string, { from: Downloaded; rel: string }>();
  const missing: string[] = [];
  for (const path of expected.keys()) {
    if (derived.has(path)) continue;
    let found: { from: Downloaded; rel: string } | undefined;
    for (const mapping of source.mappings) {
      const rel = mappedFrom(mapping, path);
      const from = downloaded.get(mapping.archive)!;
      if (rel !== undefined && from.files.has(rel)) {
        found = { from, rel };
        break;
      }
    }
    if (found) picked.set(path, found);
    else missing.push(path);
  }
  if (missing.length > 0) {
    for (const d of downloaded.values()) {
      await Deno.remove(d.zip).catch(() => {});
    }
    throw new Error(
      `${entry.id}: ${missing.length} of the ${expected.size} files in lib/data/acquire/checksums/${source.checksums} are in none of the archives (${
        [...downloaded.values()].map((d) => at(d.archive)).join(", ")
      }), e.g. ${
        missing.slice(0, 5).join(", ")
      }. The archives were deleted; run again to download them anew, or install from a mirror with --mirror DIR.`,
    );
  }

  // Extract what is needed, archive by archive.
  const unpacked = join(staging, "files");
  await Deno.remove(unpacked, { recursive: true }).catch(() => {});
  for (const d of downloaded.values()) {
    const wanted = new Set(
      [...picked.values()].filter((p) => p.from === d).map((p) => p.rel),
    );
    const inputs = (source.derived ?? []).filter((x) =>
      x.archive === d.archive.name
    );
    const include = (name: string) => {
      const rel = name.slice(d.top.length);
      return wanted.has(rel) || inputs.some((x) => isDerivationInput(x, rel));
    };
    log(`${entry.id}: extracting ${at(d.archive)}`);
    try {
      await extractZip(d.zip, join(unpacked, d.archive.name), { include });
    } catch (error) {
      await Deno.remove(d.zip).catch(() => {});
      throw new Error(
        `${
          error instanceof Error ? error.message : error
        } (the archive was deleted; run again to download it anew)`,
      );
    }
  }
  const staged = (d: Downloaded, rel: string) =>
    join(unpacked, d.archive.name, ...`${d.top}${rel}`.split("/"));

  const files: ArchiveFile[] = [...picked].map(([path, { from, rel }]) => ({
    path,
    file: staged(from, rel),
    sha256: expected.get(path)!,
    origin: `${at(from.archive)}:${rel}`,
    archive: from.zip,
  }));
  for (const d of source.derived ?? []) {
    const from = downloaded.get(d.archive)!;
    const made = await derive(d, from, expected, (rel) => staged(from, rel));
    for (const [path, bytes] of made) {
      const file = join(staging, "derived", ...path.split("/"));
      await Deno.mkdir(dirname(file), { recursive: true });
      await Deno.writeFile(file, bytes);
      files.push({
        path,
        file,
        sha256: expected.get(path)!,
        origin: `made from ${at(from.archive)}:${d.from}`,
        archive: from.zip,
      });
    }
  }
  return files.filter((f) => expected.has(f.path)).sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0
  );
}

/** Makes the files of derivation `d` from its archive's staged files. */
async function derive(
  d: ArchiveDerivation,
  from: Downloaded,
  expected: Map<string, string>,
  staged: (rel: string) => string,
): Promise<[string, Uint8Array][]> {
  const read = async (rel: string) => {
    if (!from.files.has(rel)) {
      throw new Error(
        `${
          at(from.archive)
        } holds no ${rel}, which the catalog derives files from; install from a mirror with --mirror DIR`,
      );
    }
    return await Deno.readFile(staged(rel));
  };
  if (d.kind === "csv-rows-for-files") {
    const ids = new Set(
      [...expected.keys()].filter((p) =>
        p.startsWith(d.filesFolder) && p.endsWith(d.extension)
      ).map((p) =>
        p.slice(d.filesFolder.length, p.length - d.extension.length)
      ),
    );
    const text = new TextDecoder().decode(await read(d.from));
    return [[
      d.path,
      new TextEncoder().encode(
        csvRowsForFiles(text, ids, `${at(from.archive)}:${d.from}`),
      ),
    ]];
  }
  const modelJson = new TextDecoder().decode(await read(`${d.from}model.json`));
  const manifest = JSON.parse(modelJson).weightsManifest as
    | { paths: string[] }[]
    | undefined;
  const weightsName = manifest?.[0]?.paths?.[0] ?? "weights.bin";
  const cut = cutNestedTfjsModel(
    modelJson,
    await read(`${d.from}${weightsName}`),
    d.model,
    d.generatedBy,
    `${at(from.archive)}:${d.from}model.json`,
  );
  return [
    [d.paths.model, new TextEncoder().encode(cut.modelJson)],
    [d.paths.weights, cut.weights],
  ];
}
