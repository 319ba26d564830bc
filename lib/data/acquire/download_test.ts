import assert from "node:assert/strict";
import { join } from "node:path";
import {
  downloadFile,
  partPathFor,
  PermanentDownloadError,
} from "./download.ts";
import { hashFile, parseSha256Sums } from "./checksums.ts";
import { exists } from "../../io/exists.ts";
import { mirrorDir } from "../../testing/mirror.ts";
import {
  cutResponse,
  partialResponse,
  rangeStart,
} from "../../testing/http_fixtures.ts";

/**
 * A loopback HTTP server over a mirror folder. Paths are
 * `/<mode>/<file>`; modes: `ok` (Range honoured), `cut-once` (first
 * response closes the connection half-way, later ones honour Range),
 * `no-range` (Range ignored), `corrupt` (one byte flipped).
 */
function serveFolder(folder: string) {
  const cutDone = new Set<string>();
  const requests: { path: string; range: string | null }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      const [, mode, ...rest] = url.pathname.split("/");
      const name = decodeURIComponent(rest.join("/"));
      const range = request.headers.get("range");
      requests.push({ path: url.pathname, range });
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = await Deno.readFile(join(folder, name));
      } catch {
        return new Response("not found", { status: 404 });
      }
      if (mode === "corrupt") {
        bytes = bytes.slice();
        bytes[bytes.length >> 1] ^= 0xff;
      }
      if (mode === "cut-once" && !cutDone.has(name)) {
        cutDone.add(name);
        return cutResponse(bytes);
      }
      const start = mode === "no-range" ? null : rangeStart(range);
      if (start !== null) return partialResponse(bytes, start);
      return new Response(bytes);
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  return { server, base, requests };
}

const FOLDER = join(mirrorDir(), "fashion-mnist");
const FILE = "t10k-images-idx3-ubyte.gz"; // 4.3 MB, real data

async function expectedSha(): Promise<string> {
  const sums = parseSha256Sums(
    await Deno.readTextFile(join(FOLDER, "SHA256SUMS")),
    "SHA256SUMS",
  );
  return sums.get(FILE)!;
}

Deno.test("download over loopback: a connection closed half-way is resumed with Range and verified", async () => {
  const { server, base, requests } = serveFolder(FOLDER);
  const dir = await Deno.makeTempDir({ prefix: "download_" });
  try {
    const dest = join(dir, FILE);
    const retries: string[] = [];
    const result = await downloadFile(`${base}/cut-once/${FILE}`, dest, {
      expected: { algorithm: "sha256", hex: await expectedSha() },
      retryDelayMs: 1,
      onRetry: (_n, reason) => retries.push(reason),
    });
    assert.equal(result.attempts, 2);
    assert.equal(result.resumed, true);
    assert.equal(retries.length, 1);
    const second = requests.at(-1)!;
    assert.match(second.range ?? "", /^bytes=\d+-$/, "second request resumes");
    assert.ok(Number(second.range!.slice(6, -1)) > 0);
    assert.equal(await hashFile(dest), await expectedSha());
    assert.equal(result.bytes, (await Deno.stat(join(FOLDER, FILE))).size);
    assert.equal(await exists(partPathFor(dest)), false);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download over loopback: a server that ignores Range gets a fresh transfer", async () => {
  const { server, base } = serveFolder(FOLDER);
  const dir = await Deno.makeTempDir({ prefix: "download_" });
  try {
    const dest = join(dir, FILE);
    // A stale partial file with wrong bytes, as a crashed run could leave.
    await Deno.writeFile(partPathFor(dest), new Uint8Array(1000).fill(7));
    const result = await downloadFile(`${base}/no-range/${FILE}`, dest, {
      expected: { algorithm: "sha256", hex: await expectedSha() },
    });
    assert.equal(result.resumed, false);
    assert.equal(await hashFile(dest), await expectedSha());
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download over loopback: corrupted bytes are refused, naming the file, and nothing is left behind", async () => {
  const { server, base } = serveFolder(FOLDER);
  const dir = await Deno.makeTempDir({ prefix: "download_" });
  try {
    const dest = join(dir, FILE);
    await assert.rejects(
      downloadFile(`${base}/corrupt/${FILE}`, dest, {
        expected: { algorithm: "sha256", hex: await expectedSha() },
        label: `fashion-mnist/${FILE}`,
      }),
      (e: Error) =>
        e.message.includes(`Checksum mismatch for fashion-mnist/${FILE}`) &&
        e.message.includes("The download was deleted"),
    );
    assert.equal(await exists(dest), false);
    assert.equal(await exists(partPathFor(dest)), false);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download over loopback: 404 fails at once with the URL and leaves no file", async () => {
  const { server, base, requests } = serveFolder(FOLDER);
  const dir = await Deno.makeTempDir({ prefix: "download_" });
  try {
    const dest = join(dir, "nope.gz");
    await assert.rejects(
      downloadFile(`${base}/ok/nope.gz`, dest, { retryDelayMs: 1 }),
      (e: Error) =>
        e instanceof PermanentDownloadError && e.message.includes("HTTP 404") &&
        e.message.includes(`${base}/ok/nope.gz`),
    );
    assert.equal(requests.length, 1, "a 404 is not retried");
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: an unreachable server is retried, then the error says the partial file is kept for resuming", async () => {
  // Bind and release a port so nothing listens on it.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const dir = await Deno.makeTempDir({ prefix: "download_" });
  try {
    const retries: number[] = [];
    await assert.rejects(
      downloadFile(`http://127.0.0.1:${port}/x.gz`, join(dir, "x.gz"), {
        retries: 2,
        retryDelayMs: 1,
        onRetry: (n) => retries.push(n),
      }),
      /failed after 3 attempts.*run the command again to resume/s,
    );
    assert.deepEqual(retries, [1, 2]);
    assert.equal(await exists(join(dir, "x.gz")), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
