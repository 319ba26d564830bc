/**
 * The archive sources end to end over loopback: a local HTTP server serves,
 * at the catalog's archive URLs (rewritten to 127.0.0.1), zip archives laid
 * out as the upstream repositories are (`<repo>-<sha>/…`, the mirror's
 * files under the repositories' folder names, the upstream `styles.csv`
 * and Teachable Machine export the mirror's files were made from, plus
 * files that are not installed), built from the mirror's real files.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { zipSync } from "fflate";
import { acquireDataset, acquireDatasets } from "./acquire.ts";
import { type DatasetSource, getDataset } from "./catalog.ts";
import { hashFile, parseSha256Sums } from "./checksums.ts";
import { FINGERPRINT_FILE } from "./fingerprint.ts";
import { exists } from "../../io/exists.ts";
import { mirrorDir } from "../../testing/mirror.ts";
import {
  cutResponse,
  partialResponse,
  rangeStart,
} from "../../testing/http_fixtures.ts";

const MIRROR = mirrorDir();
const quiet = () => {};
type ArchiveSource = Extract<DatasetSource, { kind: "archive" }>;

function archiveSource(id: string): ArchiveSource {
  const source = getDataset(id).sources.find((s) => s.kind === "archive");
  assert.ok(source?.kind === "archive", `${id} has an archive source`);
  return source;
}

async function mirrorSums(id: string): Promise<Map<string, string>> {
  const path = join(MIRROR, getDataset(id).mirrorPath!, "SHA256SUMS");
  return parseSha256Sums(await Deno.readTextFile(path), path);
}

/** The documented fingerprint: sha256 of the sorted `SHA256SUMS` lines. */
async function mirrorFingerprint(id: string): Promise<string> {
  const sums = [...await mirrorSums(id)].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0
  );
  return createHash("sha256").update(
    sums.map(([path, hex]) => `${hex}  ${path}\n`).join(""),
  ).digest("hex");
}

/**
 * An upstream-like Teachable Machine export around the mirror's MobileNetV2
 * base: the base nested in a Sequential with a pooling layer, a dense head
 * after it, and the head's weights among the base's in the manifest (where
 * the real export has them: after the trainable weights).
 */
async function teachableMachineExport(
  folder: string,
): Promise<{ modelJson: Uint8Array; weights: Uint8Array }> {
  const base = JSON.parse(await Deno.readTextFile(join(folder, "model.json")));
  const baseWeights = await Deno.readFile(join(folder, "weights.bin"));
  const entries = base.weightsManifest[0].weights as {
    name: string;
    shape: number[];
  }[];
  const head = [
    { name: "dense_Dense1/kernel", shape: [1280, 4], dtype: "float32" },
    { name: "dense_Dense1/bias", shape: [4], dtype: "float32" },
  ];
  const at = entries.findIndex((e) => e.name.includes("moving_mean"));
  const order = [...entries.slice(0, at), ...head, ...entries.slice(at)];
  const parts: Uint8Array[] = [];
  let offset = 0;
  const offsets = new Map<string, [number, number]>();
  for (const e of entries) {
    const n = e.shape.reduce((a, b) => a * b, 4);
    offsets.set(e.name, [offset, offset + n]);
    offset += n;
  }
  for (const e of order) {
    const range = offsets.get(e.name);
    const n = e.shape.reduce((a, b) => a * b, 4);
    parts.push(
      range
        ? baseWeights.subarray(...range)
        : new Uint8Array(n).map((_, i) => (i * 7) % 256),
    );
  }
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((o, p) => (weights.set(p, o), o + p.length), 0);
  const topology = {
    class_name: "Sequential",
    config: {
      name: "sequential_3",
      layers: [{
        class_name: "Sequential",
        config: {
          name: "sequential_1",
          layers: [
            {
              class_name: base.modelTopology.class_name,
              config: base.modelTopology.config,
            },
            {
              class_name: "GlobalAveragePooling2D",
              config: {
                name: "global_average_pooling2d1",
                data_format: "channels_last",
              },
            },
          ],
        },
      }, {
        class_name: "Sequential",
        config: {
          name: "sequential_2",
          layers: [{
            class_name: "Dense",
            config: { name: "dense_Dense1", units: 4, activation: "softmax" },
          }],
        },
      }],
    },
    keras_version: base.modelTopology.keras_version,
    backend: base.modelTopology.backend,
  };
  const modelJson = new TextEncoder().encode(JSON.stringify({
    modelTopology: topology,
    weightsManifest: [{ paths: ["weights.bin"], weights: order }],
  }));
  return { modelJson, weights };
}

/** An upstream-like `styles.csv`: the mirror's rows in another order, rows of images not present, no final newline. */
async function upstreamStyles(path: string): Promise<Uint8Array> {
  const [header, ...rows] = (await Deno.readTextFile(path)).split("\r\n")
    .filter((l) => l !== "");
  const extra = [
    "99990001,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual",
    "99990002,Women,Footwear,Shoes,Heels,Black,Summer,2012,Casual",
  ];
  return new TextEncoder().encode(
    [header, extra[0], ...rows.reverse(), extra[1]].join("\r\n"),
  );
}

/** Options of {@link buildArchives}. */
interface BuildOptions {
  /** A member (archive name, path below the top folder) whose content gets one byte flipped. */
  tamper?: { archive: string; rel: string };
}

/**
 * The zip archives of the catalog's archive sources of `ids`, by URL path
 * (`/<owner>/<repo>/zip/<sha>`), built from the mirror's files.
 */
async function buildArchives(
  ids: string[],
  options: BuildOptions = {},
): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const members = new Map<string, Record<string, Uint8Array>>();
  const top = new Map<string, string>();
  const urls = new Map<string, string>();
  const add = (archive: string, rel: string, data: Uint8Array) => {
    const t = options.tamper;
    if (t && t.archive === archive && t.rel === rel) {
      data = data.slice();
      data[data.length >> 1] ^= 0xff;
    }
    members.get(archive)![`${top.get(archive)}${rel}`] = data;
  };
  for (const id of ids) {
    const source = archiveSource(id);
    const folder = join(MIRROR, getDataset(id).mirrorPath!);
    for (const a of source.archives) {
      if (!members.has(a.name)) {
        const repo = a.repository.split("/").pop();
        top.set(a.name, `${repo}-${a.commit}/`);
        members.set(a.name, {});
        urls.set(a.name, new URL(a.url).pathname);
        add(a.name, "README.md", new TextEncoder().encode(`# ${repo}\n`));
        add(a.name, "notes/unrelated.txt", new TextEncoder().encode("x"));
      }
    }
    const derived = new Set(
      (source.derived ?? []).flatMap((d) =>
        d.kind === "csv-rows-for-files"
          ? [d.path]
          : [d.paths.model, d.paths.weights]
      ),
    );
    let n = 0;
    for (const path of (await mirrorSums(id)).keys()) {
      if (derived.has(path)) continue;
      const covering = source.mappings.filter((m) =>
        m.to === "" || m.to.endsWith("/")
          ? path.startsWith(m.to)
          : path === m.to
      );
      assert.ok(covering.length > 0, `${id}/${path} has a mapping`);
      const data = await Deno.readFile(join(folder, path));
      // Spread the files over the mappings that cover them, with some in
      // several archives (the first mapping's copy is installed).
      const picks = n++ % 10 === 0 ? covering : [covering[n % covering.length]];
      for (const m of picks) {
        add(m.archive, m.from + path.slice(m.to.length), data);
      }
    }
    for (const d of source.derived ?? []) {
      if (d.kind === "csv-rows-for-files") {
        add(d.archive, d.from, await upstreamStyles(join(folder, d.path)));
      } else {
        const tm = await teachableMachineExport(folder);
        add(d.archive, `${d.from}model.json`, tm.modelJson);
        add(d.archive, `${d.from}weights.bin`, tm.weights);
        add(
          d.archive,
          `${d.from}metadata.json`,
          new TextEncoder().encode("{}"),
        );
      }
    }
  }
  const out = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const [name, files] of members) {
    out.set(
      urls.get(name)!,
      new Uint8Array(zipSync(files, { level: 0 })),
    );
  }
  return out;
}

/** A request the server saw. */
interface Seen {
  path: string;
  range: string | null;
  authorization: string | null;
}

/**
 * Serves `archives` on 127.0.0.1 with Range support; the first response
 * for each path in `cutOnce` closes the connection half-way.
 */
function serveArchives(
  archives: Map<string, Uint8Array<ArrayBuffer>>,
  cutOnce: Set<string> = new Set(),
) {
  const seen: Seen[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: quiet },
    (request) => {
      const path = new URL(request.url).pathname;
      const range = request.headers.get("range");
      seen.push({
        path,
        range,
        authorization: request.headers.get("authorization"),
      });
      const bytes = archives.get(path);
      if (!bytes) return new Response("not found", { status: 404 });
      if (cutOnce.delete(path)) return cutResponse(bytes);
      const start = rangeStart(range);
      if (start !== null) return partialResponse(bytes, start);
      return new Response(bytes);
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    server,
    seen,
    rewriteUrl: (url: string) => url.replace(/^https:\/\/[^/]+/, base),
  };
}

/** Runs `fn` with `FASHION_MIRROR` and the Kaggle token unset. */
async function withoutMirror<T>(fn: () => Promise<T>): Promise<T> {
  const names = ["FASHION_MIRROR", "KAGGLE_USERNAME", "KAGGLE_KEY"];
  const saved = names.map((k) => [k, Deno.env.get(k)] as const);
  names.forEach((k) => Deno.env.delete(k));
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) if (v !== undefined) Deno.env.set(k, v);
  }
}

const ARCHIVE_DATASETS = [
  "fashion-product-images",
  "clothing-dataset-small",
  "clothing-street-photos",
  "fashion-shop-samples",
  "mobilenet-v2-0.35-224-notop",
];

Deno.test("archive install over loopback: every dataset the reproduction downloads installs without credentials to the mirror's files; an interrupted archive download resumes with Range", async () => {
  const archives = await buildArchives(ARCHIVE_DATASETS);
  const clothing =
    new URL(archiveSource("clothing-street-photos").archives[0].url)
      .pathname;
  const { server, seen, rewriteUrl } = serveArchives(
    archives,
    new Set([clothing]),
  );
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  try {
    const results = await withoutMirror(() =>
      acquireDatasets(ARCHIVE_DATASETS, {
        root,
        log: quiet,
        rewriteUrl,
        download: { retryDelayMs: 1 },
      })
    );
    for (const result of results) {
      assert.equal(
        result.fingerprint.sha256,
        await mirrorFingerprint(result.id),
        `${result.id}: the mirror's files`,
      );
      assert.match(
        result.fingerprint.source,
        /^download:archive:https:\/\/github\.com\//,
      );
      assert.match(
        result.fingerprint.verifiedAgainst,
        /lib\/data\/acquire\/checksums\//,
      );
    }
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    assert.equal(byId["fashion-product-images"].fingerprint.files, 11883);
    assert.equal(
      await hashFile(join(root, "clothing-street-photos", "LICENSE")),
      (await mirrorSums("clothing-street-photos")).get("LICENSE"),
    );
    assert.equal(
      await exists(join(root, "clothing-street-photos", "README.md")),
      false,
      "only listed files are installed",
    );
    // The cut transfer was resumed from where it stopped.
    const clothingRequests = seen.filter((s) => s.path === clothing);
    assert.equal(clothingRequests[0].range, null);
    assert.match(clothingRequests[1].range ?? "", /^bytes=[1-9]\d*-$/);
    assert.ok(seen.every((s) => s.authorization === null), "no credentials");
    assert.equal(
      await exists(join(root, ".staging", "clothing-street-photos")),
      false,
    );

    // Installed: a rerun verifies in place and downloads nothing.
    const requests = seen.length;
    const again = await withoutMirror(() =>
      acquireDataset("mobilenet-v2-0.35-224-notop", {
        root,
        log: quiet,
        rewriteUrl,
      })
    );
    assert.equal(again.fetched, 0);
    assert.equal(seen.length, requests);
  } finally {
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("archive install over loopback: a wrong byte in an archive's file is refused naming the file; the archive is deleted and the rerun fetches it anew", async () => {
  const id = "fashion-shop-samples";
  const victim = "00005_15490509_Glasses & Sunglasses.jpg";
  const source = archiveSource(id);
  const rel = `${source.mappings[0].from}${victim}`;
  const bad = serveArchives(
    await buildArchives([id], {
      tamper: { archive: source.archives[0].name, rel },
    }),
  );
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  let badDown = false;
  try {
    await assert.rejects(
      withoutMirror(() =>
        acquireDataset(id, { root, log: quiet, rewriteUrl: bad.rewriteUrl })
      ),
      (e: Error) =>
        e.message.includes("1 of 164 files failed") &&
        e.message.includes(
          `Checksum mismatch: ${id}/${victim} (fashion-shop-images-classification@937643e4:${rel}) has sha256`,
        ) &&
        e.message.includes("the archive was deleted"),
    );
    const dest = join(root, id);
    assert.equal(await exists(join(dest, victim)), false);
    assert.equal(await exists(join(dest, FINGERPRINT_FILE)), false);
    assert.equal(
      await exists(
        join(root, ".staging", id, `${source.archives[0].name}.zip`),
      ),
      false,
    );
    await bad.server.shutdown();
    badDown = true;

    const good = serveArchives(await buildArchives([id]));
    try {
      const result = await withoutMirror(() =>
        acquireDataset(id, { root, log: quiet, rewriteUrl: good.rewriteUrl })
      );
      assert.equal(result.fetched, 1, "the other 163 were installed already");
      assert.equal(good.seen.length, 1);
      assert.equal(result.fingerprint.sha256, await mirrorFingerprint(id));
    } finally {
      await good.server.shutdown();
    }
  } finally {
    if (!badDown) await bad.server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});
