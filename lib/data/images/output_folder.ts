/**
 * A conversion's output folder, replaced as a whole: the conversion writes
 * into a fresh hidden sibling (`.<name>.converting-<pid>-<random>`), and
 * {@link replaceOutputFolder} renames it into place once everything,
 * manifest last, is written. No `.npz` of an earlier conversion survives,
 * and a conversion killed halfway leaves only the hidden sibling, which is
 * never read as a converted folder (the next conversion removes it).
 *
 * An existing output folder is replaced only when it holds nothing but what
 * a conversion writes, so a mistyped `--out` never deletes other files.
 *
 * @example
 * ```ts
 * const temp = await startOutputFolder(outDir, inDir);
 * try {
 *   // ... write the files into temp ...
 *   await replaceOutputFolder(temp, outDir);
 * } catch (error) {
 *   await discardOutputFolder(temp);
 *   throw error;
 * }
 * ```
 *
 * @module
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { ConversionInputError } from "./convert.ts";

/** Names a conversion writes into its output folder. */
export function isConversionOutput(name: string): boolean {
  return name.endsWith(".npz") || name === "split.json" ||
    name === "conversion-report.json" || name === "conversion.json" ||
    // an atomic write's temporary file (lib/io/atomic.ts)
    (name.startsWith(".") && name.endsWith(".tmp"));
}

const TEMP_KINDS = ["converting", "replaced"] as const;

/** A hidden sibling of `outDir` for one conversion. */
function siblingFor(outDir: string, kind: typeof TEMP_KINDS[number]): string {
  return join(
    dirname(outDir),
    `.${basename(outDir)}.${kind}-${Deno.pid}-${
      crypto.randomUUID().slice(0, 8)
    }`,
  );
}

/**
 * Checks that `outDir` may be (re)written: not the input folder or one
 * above it, not a link or a file, and, when it exists, holding only what a
 * conversion writes.
 *
 * @throws {ConversionInputError} saying which entries are in the way.
 */
export async function checkOutputFolder(
  outDir: string,
  inDir?: string,
): Promise<void> {
  if (inDir !== undefined) {
    const up = relative(resolve(outDir), resolve(inDir));
    if (up === "" || (!up.startsWith("..") && !up.startsWith("/"))) {
      throw new ConversionInputError(
        `output folder ${outDir} is the input folder ${inDir} or holds it; choose another --out`,
      );
    }
  }
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(outDir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (!info.isDirectory) {
    throw new ConversionInputError(
      `output folder ${outDir} is ${
        info.isSymlink ? "a symbolic link" : "not a folder"
      }; choose another --out`,
    );
  }
  const foreign: string[] = [];
  for await (const entry of Deno.readDir(outDir)) {
    if (!entry.isFile || !isConversionOutput(entry.name)) {
      foreign.push(entry.isDirectory ? `${entry.name}/` : entry.name);
    }
  }
  if (foreign.length > 0) {
    throw new ConversionInputError(
      `output folder ${outDir} holds entries a conversion does not write (${
        foreign.sort().slice(0, 5).join(", ")
      }${
        foreign.length > 5 ? `, … ${foreign.length} in all` : ""
      }); the conversion replaces the whole folder, so choose another --out or move them away`,
    );
  }
}

/** Whether process `pid` is running, where Linux's `/proc` can tell; else `undefined`. */
function processAlive(pid: number): boolean | undefined {
  try {
    Deno.statSync("/proc/self");
  } catch {
    return undefined;
  }
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the hidden siblings of `outDir` left by conversions that were
 * killed (their process is gone). Returns the removed paths.
 */
export async function removeStaleSiblings(outDir: string): Promise<string[]> {
  const parent = dirname(outDir);
  const prefix = `.${basename(outDir)}.`;
  const pattern = new RegExp(`^(?:${TEMP_KINDS.join("|")})-(\\d+)-[0-9a-f]+$`);
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(parent)];
  } catch {
    return removed;
  }
  for (const entry of entries) {
    if (!entry.isDirectory || !entry.name.startsWith(prefix)) continue;
    const m = pattern.exec(entry.name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === Deno.pid || processAlive(pid) !== false) continue;
    await Deno.remove(join(parent, entry.name), { recursive: true });
    removed.push(join(parent, entry.name));
  }
  return removed;
}

/**
 * Checks `outDir` ({@link checkOutputFolder}), removes what killed
 * conversions left beside it, and makes the fresh hidden sibling to write
 * into. Returns its path.
 */
export async function startOutputFolder(
  outDir: string,
  inDir?: string,
): Promise<string> {
  await checkOutputFolder(outDir, inDir);
  await Deno.mkdir(dirname(outDir), { recursive: true });
  await removeStaleSiblings(outDir);
  const temp = siblingFor(outDir, "converting");
  await Deno.mkdir(temp);
  return temp;
}

/**
 * Puts the finished folder `temp` in place of `outDir`: the old folder is
 * moved aside, `temp` renamed into place, and the old folder removed.
 */
export async function replaceOutputFolder(
  temp: string,
  outDir: string,
): Promise<void> {
  await checkOutputFolder(outDir);
  let old: string | undefined;
  try {
    await Deno.lstat(outDir);
    old = siblingFor(outDir, "replaced");
    await Deno.rename(outDir, old);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    old = undefined;
  }
  try {
    await Deno.rename(temp, outDir);
  } catch (error) {
    if (old) await Deno.rename(old, outDir).catch(() => {});
    throw error;
  }
  if (old) await Deno.remove(old, { recursive: true });
}

/** Removes an unfinished output folder (never throws). */
export async function discardOutputFolder(temp: string): Promise<void> {
  await Deno.remove(temp, { recursive: true }).catch(() => {});
}
