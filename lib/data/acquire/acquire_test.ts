import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  acquireDataset,
  acquireDatasets,
  MANIFEST_FILE,
  readFingerprint,
} from "./acquire.ts";
import { FASHION_SHOP_FILES } from "./catalog.ts";
import { hashFile } from "./checksums.ts";
import { FINGERPRINT_FILE } from "./fingerprint.ts";
import { writeFashionNpz } from "../formats/npz.ts";
import { exists } from "../../io/exists.ts";
import { mirrorDir } from "../../testing/mirror.ts";

const MIRROR = mirrorDir();
const quiet = () => {};

/** The documented fingerprint: sha256 of `LC_ALL=C sort -k2 SHA256SUMS`. */
async function fingerprintOfSums(path: string): Promise<string> {
  const lines = (await Deno.readTextFile(path)).trim().split("\n");
  lines.sort((a, b) => {
    const pa = a.slice(66), pb = b.slice(66);
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  });
  return createHash("sha256").update(lines.map((l) => l + "\n").join(""))
    .digest("hex");
}

/** Copies a mirror dataset folder into a temporary mirror root. */
async function copyMirrorFolder(folder: string): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "mirror_" });
  const from = join(MIRROR, folder);
  const to = join(root, folder);
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isFile) {
      await Deno.copyFile(join(from, entry.name), join(to, entry.name));
    }
  }
  return root;
}

/** The id of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", ""],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await child.status;
  return child.pid;
}

async function flipByte(path: string, at = 100): Promise<void> {
  const bytes = await Deno.readFile(path);
  bytes[at] ^= 0xff;
  await Deno.writeFile(path, bytes);
}

Deno.test("mirror install: verified copy, fingerprint as documented, fast second run", async () => {
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  try {
    const [mnist, base] = await acquireDatasets(
      ["fashion-mnist", "mobilenet-v2-0.35-224-notop"],
      { mirror: MIRROR, root, log: quiet },
    );
    assert.equal(mnist.fetched, 4);
    assert.equal(mnist.fingerprint.files, 4);
    assert.equal(
      mnist.fingerprint.sha256,
      await fingerprintOfSums(join(MIRROR, "fashion-mnist", "SHA256SUMS")),
    );
    assert.equal(mnist.fingerprint.verifiedAgainst, "mirror SHA256SUMS");
    assert.equal(base.fingerprint.files, 2);
    for (
      const name of ["train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    ) {
      assert.equal(
        await hashFile(join(root, "fashion-mnist", name)),
        await hashFile(join(MIRROR, "fashion-mnist", name)),
      );
    }
    // The LICENSE file is not listed in the mirror's SHA256SUMS, so it is not installed.
    assert.equal(await exists(join(root, "fashion-mnist", "LICENSE")), false);
    assert.deepEqual(
      await readFingerprint("fashion-mnist", root),
      mnist.fingerprint,
    );

    const again = await acquireDataset("fashion-mnist", {
      mirror: MIRROR,
      root,
      log: quiet,
    });
    assert.equal(again.fetched, 0);
    assert.equal(again.skipped, 4);
    assert.deepEqual(
      again.fingerprint,
      mnist.fingerprint,
      "unchanged data, unchanged FINGERPRINT.json",
    );
    assert.ok(
      again.seconds < mnist.seconds,
      `second run ${again.seconds}s vs first ${mnist.seconds}s`,
    );

    // Temporary files of an interrupted copy are cleaned up: those of a
    // process that is gone at once, others once they are old; a young one
    // of a running process may be a concurrent install's.
    const gone = await deadPid();
    const stale = join(
      root,
      "fashion-mnist",
      `.train-images-idx3-ubyte.gz.${Deno.ppid}.0123abcd.tmp`,
    );
    const killed = join(
      root,
      "fashion-mnist",
      `.train-labels-idx1-ubyte.gz.${gone}.4567cdef.tmp`,
    );
    const fresh = join(
      root,
      "fashion-mnist",
      `.t10k-images-idx3-ubyte.gz.${Deno.ppid}.0123abcd.tmp`,
    );
    await Deno.writeTextFile(stale, "half a copy");
    await Deno.writeTextFile(killed, "half a copy of a killed install");
    await Deno.writeTextFile(fresh, "a copy in progress elsewhere");
    await Deno.utime(
      stale,
      new Date(Date.now() - 3600_000),
      new Date(Date.now() - 3600_000),
    );
    await acquireDataset("fashion-mnist", { mirror: MIRROR, root, log: quiet });
    assert.equal(await exists(stale), false);
    assert.equal(await exists(killed), false);
    assert.equal(await exists(fresh), true);
    await Deno.remove(fresh);

    // Without a mirror, an existing install is re-verified in place.
    const saved = Deno.env.get("FASHION_MIRROR");
    Deno.env.delete("FASHION_MIRROR");
    try {
      const installed = await acquireDataset("fashion-mnist", {
        root,
        log: quiet,
      });
      assert.equal(installed.fetched, 0);
      assert.equal(installed.fingerprint.sha256, mnist.fingerprint.sha256);
      // A damaged installed file is found by size/mtime change and named.
      await flipByte(
        join(root, "fashion-mnist", "t10k-labels-idx1-ubyte.gz"),
        50,
      );
      await assert.rejects(
        acquireDataset("fashion-mnist", { root, log: quiet }),
        /t10k-labels-idx1-ubyte\.gz has sha256 [0-9a-f]{64}, expected/,
      );
      assert.equal(
        await exists(join(root, "fashion-mnist", FINGERPRINT_FILE)),
        false,
      );
      await assert.rejects(
        readFingerprint("fashion-mnist", root),
        /not installed.*deno task data fashion-mnist/,
      );
    } finally {
      if (saved !== undefined) Deno.env.set("FASHION_MIRROR", saved);
    }
    // Installing from the mirror again repairs exactly that file.
    const repaired = await acquireDataset("fashion-mnist", {
      mirror: MIRROR,
      root,
      log: quiet,
    });
    assert.equal(repaired.fetched, 1);
    assert.equal(repaired.fingerprint.sha256, mnist.fingerprint.sha256);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("mirror install: a corrupted mirror file is refused by name and never installed", async () => {
  const mirror = await copyMirrorFolder("fashion-shop-samples");
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  try {
    const victim = "00005_15490509_Glasses & Sunglasses.jpg";
    await flipByte(join(mirror, "fashion-shop-samples", victim));
    await assert.rejects(
      acquireDataset("fashion-shop-samples", { mirror, root, log: quiet }),
      (e: Error) =>
        e.message.includes("1 of 164 files failed") &&
        e.message.includes(
          `Checksum mismatch: ${join(mirror, "fashion-shop-samples", victim)}`,
        ) &&
        e.message.includes("it was not installed"),
    );
    const dest = join(root, "fashion-shop-samples");
    assert.equal(await exists(join(dest, victim)), false);
    assert.equal(await exists(join(dest, FINGERPRINT_FILE)), false);
    const left = [...Deno.readDirSync(dest)].map((e) => e.name);
    assert.equal(
      left.filter((n) => n.endsWith(".tmp")).length,
      0,
      "no temporary files left",
    );
    assert.equal(left.filter((n) => n.endsWith(".jpg")).length, 163);
  } finally {
    await Deno.remove(mirror, { recursive: true });
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("mirror install: a folder where a mirror file should be, and a link out of the mirror, are refused by name", async () => {
  const mirror = await copyMirrorFolder("fashion-shop-samples");
  const outside = await Deno.makeTempDir({ prefix: "outside_" });
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  try {
    const folder = join(mirror, "fashion-shop-samples");
    const asFolder = "00003_14825578_Glasses & Sunglasses.jpg";
    const linkedOut = "00004_15490523_Glasses & Sunglasses.jpg";
    const linkedIn = "00006_15490496_Glasses & Sunglasses.jpg";
    await Deno.remove(join(folder, asFolder));
    await Deno.mkdir(join(folder, asFolder));
    // The same bytes outside the mirror: only the link's target is wrong.
    await Deno.rename(join(folder, linkedOut), join(outside, linkedOut));
    await Deno.symlink(join(outside, linkedOut), join(folder, linkedOut));
    // A link that stays inside the mirror is fine.
    await Deno.rename(join(folder, linkedIn), join(mirror, linkedIn));
    await Deno.symlink(join("..", linkedIn), join(folder, linkedIn));
    await assert.rejects(
      acquireDataset("fashion-shop-samples", { mirror, root, log: quiet }),
      (e: Error) =>
        e.message.includes("2 of 164 files failed") &&
        e.message.includes(
          `${join(folder, asFolder)} is a folder, but SHA256SUMS`,
        ) &&
        e.message.includes(
          `${join(folder, linkedOut)} is a symbolic link to ${
            join(outside, linkedOut)
          }, outside ${mirror}; refused`,
        ) && !e.message.includes("os error"),
    );
    const dest = join(root, "fashion-shop-samples");
    assert.equal(await exists(join(dest, linkedOut)), false);
    assert.equal(await exists(join(dest, asFolder)), false);
    assert.equal(
      await hashFile(join(dest, linkedIn)),
      await hashFile(join(MIRROR, "fashion-shop-samples", linkedIn)),
    );
  } finally {
    await Deno.remove(mirror, { recursive: true });
    await Deno.remove(outside, { recursive: true });
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("acquire: unknown id lists the valid ids; a dataset with no verifiable source says how to get it", async () => {
  await assert.rejects(
    acquireDatasets(["fashion-mnist", "fashion-mnst"], {
      mirror: MIRROR,
      log: quiet,
    }),
    /Unknown dataset id 'fashion-mnst'. Valid ids: fashion-mnist, fashion-product-images, .*fashion-shop/,
  );
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  const saved = Deno.env.get("FASHION_MIRROR");
  const token = [Deno.env.get("KAGGLE_USERNAME"), Deno.env.get("KAGGLE_KEY")];
  Deno.env.delete("FASHION_MIRROR");
  Deno.env.delete("KAGGLE_USERNAME");
  Deno.env.delete("KAGGLE_KEY");
  try {
    await assert.rejects(
      acquireDataset("fashion-shop", { root, log: quiet }),
      /'fashion-shop' cannot be downloaded with verification.*--mirror DIR.*no mirror carries it.*--from DIR.*drive\.google\.com/s,
    );
    // Kaggle is an option, and it needs the token.
    await assert.rejects(
      acquireDataset("fashion-product-images", {
        root,
        log: quiet,
        source: "kaggle",
      }),
      /Kaggle source of 'fashion-product-images' needs an account token: set KAGGLE_USERNAME and KAGGLE_KEY/,
    );
    await assert.rejects(
      acquireDataset("fashion-mnist", { root, log: quiet, source: "kaggle" }),
      /'fashion-mnist' has no kaggle source; its sources: files/,
    );
    await assert.rejects(
      acquireDataset("fashion-shop", { mirror: MIRROR, root, log: quiet }),
      /'fashion-shop' is not in any mirror/,
    );
  } finally {
    if (saved !== undefined) Deno.env.set("FASHION_MIRROR", saved);
    if (token[0] !== undefined) Deno.env.set("KAGGLE_USERNAME", token[0]);
    if (token[1] !== undefined) Deno.env.set("KAGGLE_KEY", token[1]);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("download install over loopback: mirror bytes do not match the official MD5s, and nothing is installed", async () => {
  // Serves the mirror's Fashion-MNIST files where the catalog expects the
  // official ones; the mirror stores samples grouped by class, so the MD5s
  // differ and the real download path must refuse every file.
  const folder = join(MIRROR, "fashion-mnist");
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: quiet },
    async (req) => {
      const name = new URL(req.url).pathname.split("/").pop()!;
      try {
        return new Response(await Deno.readFile(join(folder, name)));
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  const saved = Deno.env.get("FASHION_MIRROR");
  Deno.env.delete("FASHION_MIRROR");
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    await assert.rejects(
      acquireDataset("fashion-mnist", {
        root,
        log: quiet,
        download: { retryDelayMs: 1 },
        rewriteUrl: (url) => url.replace(/^https:\/\/[^/]+/, base),
      }),
      (e: Error) =>
        e.message.includes("4 of 4 files failed") &&
        e.message.includes(
          "Checksum mismatch for fashion-mnist/train-images-idx3-ubyte.gz",
        ) &&
        e.message.includes("expected 8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    );
    const left = [...Deno.readDirSync(join(root, "fashion-mnist"))].map((e) =>
      e.name
    );
    assert.deepEqual(
      left.filter((n) => n.endsWith(".gz") || n.endsWith(".part")),
      [],
    );
  } finally {
    if (saved !== undefined) Deno.env.set("FASHION_MIRROR", saved);
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("--from a folder with SHA256SUMS installs it like a mirror folder", async () => {
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  try {
    const from = join(MIRROR, "pretrained", "mobilenet-v2-0.35-224-notop");
    const result = await acquireDataset("mobilenet-v2-0.35-224-notop", {
      from,
      root,
      log: quiet,
    });
    assert.equal(result.fingerprint.files, 2);
    assert.match(result.fingerprint.source, /^local:/);
    assert.equal(
      result.fingerprint.sha256,
      await fingerprintOfSums(join(from, "SHA256SUMS")),
    );
    assert.ok(await exists(join(result.dir, MANIFEST_FILE)));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("fashion-shop --from: validates names and npz layout, installs what is there, lists what is missing", async () => {
  const from = await Deno.makeTempDir({ prefix: "fashion_shop_" });
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  try {
    const count = 3;
    const set = {
      images: new Uint8Array(count * 120 * 90 * 3).map((_, i) => i % 251),
      height: 120,
      width: 90,
      labels: ["Boots", "Ballerina", "Others"],
      genders: ["Female", "Female", "Female"],
    };
    await writeFashionNpz(join(from, "Shoes - Female - Train.npz"), set);
    await writeFashionNpz(join(from, "Shoes - Female - Test.npz"), set);
    const lines: string[] = [];
    const result = await acquireDataset("fashion-shop", {
      from,
      root,
      log: (l) => lines.push(l),
    });
    assert.equal(result.fingerprint.files, 2);
    assert.match(result.fingerprint.verifiedAgainst, /npz layout/);
    assert.ok(
      lines.some((l) =>
        l.includes(
          `${
            FASHION_SHOP_FILES.length - 2
          } of the 24 authors' files are not in`,
        )
      ),
    );
    assert.equal(
      await hashFile(join(root, "fashion-shop", "Shoes - Female - Train.npz")),
      await hashFile(join(from, "Shoes - Female - Train.npz")),
    );

    // A file that is not a zip, and one with the wrong image size, are refused by name.
    await Deno.writeTextFile(
      join(from, "Shoes - Male - Train.npz"),
      "not a zip",
    );
    await writeFashionNpz(join(from, "Shoes - Male - Test.npz"), {
      ...set,
      height: 90,
      width: 120,
    });
    await assert.rejects(
      acquireDataset("fashion-shop", { from, root, log: quiet }),
      (e: Error) =>
        e.message.includes(
          `${join(from, "Shoes - Male - Train.npz")}: not a zip archive`,
        ) &&
        e.message.includes(
          "Shoes - Male - Test.npz: images are 120x90 (w x h), expected 90x120",
        ),
    );
  } finally {
    await Deno.remove(from, { recursive: true });
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("Kaggle download over loopback (--source kaggle): needs the token, unpacks the archive, installs styles.csv and images/", async () => {
  // A real subset of the product images in Kaggle's archive layout.
  const { zipSync } = await import("fflate");
  const source = join(MIRROR, "fashion-product-images");
  const ids = [...Deno.readDirSync(join(source, "images"))].map((e) => e.name)
    .sort().slice(0, 20);
  const members: Record<string, Uint8Array> = {
    "myntradataset/styles.csv": await Deno.readFile(join(source, "styles.csv")),
    "myntradataset/README.txt": new TextEncoder().encode("not installed"),
  };
  for (const name of ids) {
    members[`myntradataset/images/${name}`] = await Deno.readFile(
      join(source, "images", name),
    );
  }
  const archive = zipSync(members);
  const auth = `Basic ${btoa("ada:secret-key")}`;
  const seen: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: quiet },
    (req) => {
      seen.push(new URL(req.url).pathname);
      if (req.headers.get("authorization") !== auth) {
        return new Response("unauthorized", { status: 401 });
      }
      return new Response(archive);
    },
  );
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  const saved = ["FASHION_MIRROR", "KAGGLE_USERNAME", "KAGGLE_KEY"].map((k) =>
    [k, Deno.env.get(k)] as const
  );
  Deno.env.delete("FASHION_MIRROR");
  const base = `http://127.0.0.1:${server.addr.port}`;
  const rewriteUrl = (url: string) => url.replace(/^https:\/\/[^/]+/, base);
  try {
    Deno.env.set("KAGGLE_USERNAME", "ada");
    Deno.env.set("KAGGLE_KEY", "wrong");
    await assert.rejects(
      acquireDataset("fashion-product-images", {
        root,
        log: quiet,
        rewriteUrl,
        source: "kaggle",
      }),
      /HTTP 401.*and your credentials/,
    );
    Deno.env.set("KAGGLE_KEY", "secret-key");
    const result = await acquireDataset("fashion-product-images", {
      root,
      log: quiet,
      rewriteUrl,
      source: "kaggle",
    });
    assert.deepEqual(
      seen.at(-1),
      "/api/v1/datasets/download/paramaggarwal/fashion-product-images-small",
    );
    assert.equal(result.fingerprint.files, 21);
    assert.equal(
      result.fingerprint.source,
      "download:kaggle:paramaggarwal/fashion-product-images-small",
    );
    assert.match(result.fingerprint.verifiedAgainst, /zip CRC-32 only/);
    assert.equal(
      await hashFile(join(result.dir, "images", ids[7])),
      await hashFile(join(source, "images", ids[7])),
    );
    assert.equal(await exists(join(result.dir, "styles.csv")), true);
    assert.equal(await exists(join(result.dir, "README.txt")), false);
    assert.equal(
      await exists(join(root, ".staging", "fashion-product-images")),
      false,
      "staging removed",
    );
    // Installed: a second run verifies in place without downloading.
    const requests = seen.length;
    const again = await acquireDataset("fashion-product-images", {
      root,
      log: quiet,
      rewriteUrl,
    });
    assert.equal(again.fetched, 0);
    assert.equal(seen.length, requests);
  } finally {
    for (const [k, v] of saved) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});
