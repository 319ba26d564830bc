import assert from "node:assert/strict";
import { join } from "node:path";
import { zipSync } from "fflate";
import { extractZip, listZip } from "./unzip.ts";
import { exists } from "../../io/exists.ts";
import { mirrorDir } from "../../testing/mirror.ts";

const IMAGES = join(mirrorDir(), "fashion-product-images", "images");

async function realFiles(count: number): Promise<Record<string, Uint8Array>> {
  const names = [...Deno.readDirSync(IMAGES)].map((e) => e.name).sort().slice(
    0,
    count,
  );
  const files: Record<string, Uint8Array> = {};
  for (const name of names) {
    files[`set/images/${name}`] = await Deno.readFile(join(IMAGES, name));
  }
  return files;
}

Deno.test("extractZip unpacks stored and deflated entries byte for byte", async () => {
  const dir = await Deno.makeTempDir({ prefix: "unzip_" });
  try {
    const files = await realFiles(5);
    files["set/notes.txt"] = new TextEncoder().encode("id,label\n".repeat(100));
    const zipPath = join(dir, "a.zip");
    // Level 0 stores, level 6 deflates: both methods are exercised.
    const names = Object.keys(files);
    await Deno.writeFile(
      zipPath,
      zipSync(
        Object.fromEntries(
          names.map((n, i) => [n, [files[n], { level: i % 2 ? 0 : 6 }]]),
        ),
      ),
    );
    const entries = await listZip(zipPath);
    assert.deepEqual(new Set(entries.map((e) => e.method)), new Set([0, 8]));
    const out = join(dir, "out");
    assert.deepEqual((await extractZip(zipPath, out)).sort(), names.sort());
    for (const name of names) {
      assert.deepEqual(
        await Deno.readFile(join(out, ...name.split("/"))),
        files[name],
        name,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("extractZip refuses a damaged entry, a truncated archive and a path leaving the folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "unzip_" });
  try {
    const files = await realFiles(2);
    const bytes = zipSync(
      Object.fromEntries(
        Object.entries(files).map(([n, d]) => [n, [d, { level: 0 }]]),
      ),
    );
    const first = Object.keys(files)[0];
    // Flip a byte inside the first (stored) entry's data.
    const damaged = bytes.slice();
    damaged[30 + first.length + 500] ^= 0xff;
    await Deno.writeFile(join(dir, "damaged.zip"), damaged);
    await assert.rejects(
      extractZip(join(dir, "damaged.zip"), join(dir, "o1")),
      new RegExp(
        `damaged\\.zip: ${
          first.replace(/[.]/g, "\\.")
        } fails its CRC-32/size check`,
      ),
    );
    await Deno.writeFile(
      join(dir, "short.zip"),
      bytes.subarray(0, bytes.length - 30),
    );
    await assert.rejects(
      extractZip(join(dir, "short.zip"), join(dir, "o2")),
      /short\.zip is not a complete zip archive/,
    );
    await Deno.writeFile(
      join(dir, "slip.zip"),
      zipSync({ "../evil.txt": new Uint8Array([1]) }),
    );
    await assert.rejects(
      extractZip(join(dir, "slip.zip"), join(dir, "o3")),
      /would be written outside/,
    );
    assert.equal(await exists(join(dir, "evil.txt")), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const HAS_PYTHON = await new Deno.Command("python3", {
  args: ["-c", "import zipfile"],
})
  .output().then((o) => o.success, () => false);

Deno.test({
  name:
    "listZip reads a zip64 archive (more than 65,535 entries, written by Python's zipfile)",
  ignore: !HAS_PYTHON,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "unzip_" });
    try {
      const zipPath = join(dir, "many.zip");
      const script = [
        "import sys, zipfile",
        "with zipfile.ZipFile(sys.argv[1], 'w') as z:",
        "    for i in range(70000): z.writestr(f'f/{i}.txt', str(i))",
      ].join("\n");
      const py = await new Deno.Command("python3", {
        args: ["-c", script, zipPath],
      }).output();
      assert.ok(py.success, new TextDecoder().decode(py.stderr));
      const entries = await listZip(zipPath);
      assert.equal(entries.length, 70000);
      assert.equal(entries[69999].name, "f/69999.txt");
      assert.equal(entries[69999].size, 5);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("extractZip with include extracts only the chosen entries", async () => {
  const dir = await Deno.makeTempDir({ prefix: "unzip_" });
  try {
    const files = await realFiles(4);
    const zipPath = join(dir, "a.zip");
    await Deno.writeFile(zipPath, zipSync(files));
    const [keep, ...rest] = Object.keys(files).sort();
    const out = join(dir, "out");
    assert.deepEqual(
      await extractZip(zipPath, out, { include: (name) => name === keep }),
      [keep],
    );
    assert.deepEqual(
      await Deno.readFile(join(out, ...keep.split("/"))),
      files[keep],
    );
    for (const name of rest) {
      assert.equal(await exists(join(out, ...name.split("/"))), false);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
