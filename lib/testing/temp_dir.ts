/**
 * A temporary folder that removes itself with everything in it when the
 * scope that holds it ends (`await using`), however the test ends:
 *
 * ```ts
 * await using runs = await temporaryDir("runs_");
 * await trainSomething({ runsRoot: runs.path });
 * ```
 *
 * @module
 */

/** A temporary folder removed with its contents when disposed. */
export interface TemporaryDir extends AsyncDisposable {
  /** Its path. */
  path: string;
}

/** Makes a temporary folder named `<prefix>…` that `await using` removes. */
export async function temporaryDir(prefix: string): Promise<TemporaryDir> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    },
  };
}
