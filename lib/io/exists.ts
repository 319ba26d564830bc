/**
 * Whether a path exists, for the checks that decide what to do next (install
 * or skip, use a folder or fall back to another).
 *
 * Use {@link exists}: a missing path is `false`, and any other failure to
 * look (no permission, a file where a folder should be, ...) is raised, so
 * it is not mistaken for absence. {@link existsOrFalse} and
 * {@link existsOrFalseSync} treat every failure as absence; they keep the
 * behaviour of the callers that always did so (the native-library setup,
 * `deno task convert`).
 *
 * @example
 * ```ts
 * if (!await exists("data/raw/fashion-mnist")) console.log("not installed");
 * ```
 *
 * @module
 */

/**
 * Whether `path` exists: `true` for any existing file, folder or other
 * entry (symbolic links are followed), `false` when it is not found.
 *
 * @throws the error of `Deno.stat` for anything but `NotFound`.
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Whether `Deno.stat` succeeds on `path`: like {@link exists}, but any error
 * (not only `NotFound`) gives `false`. Never throws.
 */
export async function existsOrFalse(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Synchronous {@link existsOrFalse}, for top-level script code: whether
 * `Deno.statSync` succeeds on `path`. Never throws.
 */
export function existsOrFalseSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
