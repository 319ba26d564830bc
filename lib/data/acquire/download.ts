/**
 * Verified, resumable HTTP downloads.
 *
 * A download lands in `<dest>.part` beside the destination. An interrupted
 * transfer (connection closed early, network error, 5xx) is retried and
 * resumed from the bytes already on disk with an HTTP `Range` request; a
 * server that ignores `Range` gets a fresh transfer. When the transfer is
 * complete the `.part` file is hashed and compared with the expected digest:
 * on a match it is renamed onto the destination, on a mismatch it is deleted
 * and the error names the file. The destination therefore only ever holds a
 * complete, verified file.
 *
 * @example
 * ```ts
 * await downloadFile(
 *   "https://example.org/train-labels-idx1-ubyte.gz",
 *   "data/raw/fashion-mnist/train-labels-idx1-ubyte.gz",
 *   { expected: { algorithm: "md5", hex: "25c81989df183df01b3e8a0aad5dffbe" } },
 * );
 * ```
 *
 * @module
 */
import { dirname } from "node:path";
import { type ExpectedHash, hashFile } from "./checksums.ts";

/** Options for {@link downloadFile}. */
export interface DownloadOptions {
  /** Digest the complete file must have; without it the file is not checked. */
  expected?: ExpectedHash;
  /** Attempts after the first one for interrupted transfers (default 4). */
  retries?: number;
  /** Milliseconds before retry n is `retryDelayMs * n` (default 500). */
  retryDelayMs?: number;
  /** Extra request headers (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /** Called as bytes arrive: bytes on disk so far and the total, if known. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Called before each retry with the reason (for progress output). */
  onRetry?: (attempt: number, reason: string) => void;
  /** Label for errors (defaults to the destination path). */
  label?: string;
}

/** Result of a completed download. */
export interface DownloadResult {
  /** Final size in bytes. */
  bytes: number;
  /** Number of attempts used (1 = no retry). */
  attempts: number;
  /** Whether any attempt resumed from a partial file. */
  resumed: boolean;
}

/** An HTTP failure that retrying will not fix (404, 401, 403, ...). */
export class PermanentDownloadError extends Error {
  /**
   * Creates the error.
   *
   * @param message what failed and what to do
   */
  constructor(message: string) {
    super(message);
    this.name = "PermanentDownloadError";
  }
}

/** The temporary file a download of `dest` is written to. */
export function partPathFor(dest: string): string {
  return `${dest}.part`;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

function totalFromHeaders(
  response: Response,
  offset: number,
): number | undefined {
  const range = response.headers.get("content-range");
  const m = range ? /\/(\d+)\s*$/.exec(range) : null;
  if (m) return Number(m[1]);
  const length = response.headers.get("content-length");
  return length === null ? undefined : offset + Number(length);
}

/**
 * One transfer attempt: appends to the `.part` file from its current size.
 * Returns the total size when the transfer completed; throws on failure.
 */
async function attempt(
  url: string,
  part: string,
  options: DownloadOptions,
  label: string,
): Promise<{ total: number; resumed: boolean }> {
  let offset = await sizeOf(part);
  const headers = new Headers(options.headers);
  if (offset > 0) headers.set("Range", `bytes=${offset}-`);
  const response = await fetch(url, { headers });
  if (response.status === 416 && offset > 0) {
    // The part file already holds everything the server has.
    await response.body?.cancel();
    return { total: offset, resumed: true };
  }
  if (!response.ok) {
    await response.body?.cancel();
    const message =
      `Download of ${label} failed: HTTP ${response.status} ${response.statusText} from ${url}`;
    if (response.status >= 500 || response.status === 429) {
      throw new Error(message);
    }
    throw new PermanentDownloadError(
      `${message}. Check the URL in lib/data/catalog.ts${
        response.status === 401 || response.status === 403
          ? " and your credentials"
          : ""
      }, or install from a mirror with --mirror DIR.`,
    );
  }
  const resumed = offset > 0 && response.status === 206;
  if (offset > 0 && !resumed) offset = 0; // server ignored Range: start over
  const total = totalFromHeaders(response, offset);
  const file = await Deno.open(part, {
    write: true,
    create: true,
    append: resumed,
    truncate: !resumed,
  });
  let received = offset;
  try {
    if (!response.body) throw new Error(`empty response body from ${url}`);
    for await (const chunk of response.body) {
      let written = 0;
      while (written < chunk.length) {
        written += await file.write(chunk.subarray(written));
      }
      received += chunk.length;
      options.onProgress?.(received, total);
    }
  } finally {
    file.close();
  }
  if (total !== undefined && received !== total) {
    throw new Error(
      `transfer of ${label} ended at ${received} of ${total} bytes`,
    );
  }
  return { total: received, resumed };
}

/**
 * Downloads `url` to `dest` through `<dest>.part`, resuming and retrying
 * interrupted transfers, verifying `options.expected`, and renaming into
 * place only when verified.
 *
 * @throws {PermanentDownloadError} on 4xx responses (no retry).
 * @throws when the checksum does not match (the partial file is removed),
 * naming the file and what to do, or when all retries fail.
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const label = options.label ?? dest;
  const retries = options.retries ?? 4;
  const delay = options.retryDelayMs ?? 500;
  const part = partPathFor(dest);
  await Deno.mkdir(dirname(dest), { recursive: true });
  let resumedAny = false;
  let total = 0;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const result = await attempt(url, part, options, label);
      resumedAny ||= result.resumed;
      total = result.total;
      break;
    } catch (error) {
      if (error instanceof PermanentDownloadError) {
        await Deno.remove(part).catch(() => {});
        throw error;
      }
      if (attempts > retries) {
        throw new Error(
          `Download of ${label} from ${url} failed after ${attempts} attempts: ${
            error instanceof Error ? error.message : error
          }. The partial file ${part} is kept; run the command again to resume.`,
        );
      }
      options.onRetry?.(
        attempts,
        error instanceof Error ? error.message : String(error),
      );
      await new Promise((resolve) => setTimeout(resolve, delay * attempts));
    }
  }
  if (options.expected) {
    const actual = await hashFile(part, options.expected.algorithm);
    if (actual !== options.expected.hex) {
      await Deno.remove(part).catch(() => {});
      throw new Error(
        `Checksum mismatch for ${label} downloaded from ${url}: ${options.expected.algorithm} ${actual}, expected ${options.expected.hex}. ` +
          `The download was deleted. Run the command again; if it keeps failing the source changed: check lib/data/catalog.ts or use --mirror DIR.`,
      );
    }
  }
  await Deno.rename(part, dest);
  return { bytes: total, attempts, resumed: resumedAny };
}
