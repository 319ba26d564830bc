/**
 * Loading `@tensorflow/tfjs-node` (native TensorFlow) under Deno.
 *
 * The package's addon must have been built first (`deno task setup`, see
 * `lib/native/libtensorflow.ts`). Loading registers the `tensorflow`
 * backend into the same TensorFlow.js engine as `@tensorflow/tfjs`.
 *
 * @module
 */
import util from "node:util";
import process from "node:process";

/** The outcome of {@linkcode loadTfjsNode}. */
export type TfjsNodeLoad = {
  ok: true;
  /** TensorFlow version of the native library. */
  version: string;
  /** Version of the tfjs-node package. */
  packageVersion: string;
} | {
  ok: false;
  reason: string;
};

let loading: Promise<TfjsNodeLoad> | undefined;

/**
 * tfjs-node 4.22 calls `util.isNullOrUndefined`, which Node removed and
 * Deno's `node:util` does not provide; add it before the package loads.
 */
function shimNodeUtil(): void {
  const u = util as unknown as Record<string, unknown>;
  if (typeof u.isNullOrUndefined !== "function") {
    u.isNullOrUndefined = (value: unknown) =>
      value === null || value === undefined;
  }
}

/**
 * Loads tfjs-node once; resolves to its TensorFlow version, or to the reason
 * it cannot load (for example: the addon was not built).
 *
 * @example
 * ```ts
 * const loaded = await loadTfjsNode();
 * if (loaded.ok) await tf.setBackend("tensorflow");
 * ```
 */
export function loadTfjsNode(): Promise<TfjsNodeLoad> {
  loading ??= (async (): Promise<TfjsNodeLoad> => {
    shimNodeUtil();
    // Quiet TensorFlow's C++ start-up log lines unless the user asked for them.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
    try {
      const tfn = await import("@tensorflow/tfjs-node");
      const backend = tfn.backend() as unknown as {
        binding?: { TF_Version?: string };
      };
      return {
        ok: true,
        version: backend.binding?.TF_Version ?? "unknown",
        packageVersion: tfn.version["tfjs-node"],
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const firstLine = message.split("\n")[0];
      return {
        ok: false,
        reason:
          /could not be found|Cannot find module|tfjs_binding/i.test(message)
            ? "tfjs-node addon not built (run deno task setup)"
            : `tfjs-node failed to load: ${firstLine}`,
      };
    }
  })();
  return loading;
}
