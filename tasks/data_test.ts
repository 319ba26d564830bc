import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mirrorDir } from "../lib/testing/mirror.ts";

const TASK = fileURLToPath(new URL("./data.ts", import.meta.url));

async function runTask(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TASK, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: output.code,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
  };
}

Deno.test("deno task data: installs from a mirror, prints the fingerprint, and a corrupted mirror exits non-zero naming the file", async () => {
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  const mirror = await Deno.makeTempDir({ prefix: "mirror_" });
  try {
    const ok = await runTask([
      "--mirror",
      mirrorDir(),
      "mobilenet-v2-0.35-224-notop",
    ], {
      FASHION_DATA_DIR: root,
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /^mobilenet-v2-0\.35-224-notop\t2 files\t\d+ bytes\tfingerprint [0-9a-f]{64}\t/,
    );
    assert.match(ok.stderr, /2 files verified \(mirror SHA256SUMS\)/);

    // A temporary copy of a mirror folder with one flipped byte.
    const folder = join(mirror, "pretrained", "mobilenet-v2-0.35-224-notop");
    await Deno.mkdir(folder, { recursive: true });
    for (const name of ["SHA256SUMS", "model.json", "weights.bin"]) {
      await Deno.copyFile(
        join(mirrorDir(), "pretrained", "mobilenet-v2-0.35-224-notop", name),
        join(folder, name),
      );
    }
    const weights = await Deno.readFile(join(folder, "weights.bin"));
    weights[1234] ^= 0x01;
    await Deno.writeFile(join(folder, "weights.bin"), weights);
    const bad = await runTask(["mobilenet-v2-0.35-224-notop"], {
      FASHION_DATA_DIR: join(root, "second"),
      FASHION_MIRROR: mirror,
    });
    assert.equal(bad.code, 1);
    assert.ok(
      bad.stderr.includes(`Checksum mismatch: ${join(folder, "weights.bin")}`),
      bad.stderr,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(mirror, { recursive: true });
  }
});

Deno.test("deno task data: --list prints the catalog; an unknown id lists the valid ids", async () => {
  const list = await runTask(["--list"]);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /fashion-mnist: Fashion-MNIST/);
  assert.match(list.stdout, /fashion-shop: /);
  const unknown = await runTask(["--mirror", mirrorDir(), "mnist"]);
  assert.equal(unknown.code, 1);
  assert.match(
    unknown.stderr,
    /Unknown dataset id 'mnist'. Valid ids: fashion-mnist, fashion-product-images/,
  );
  const none = await runTask([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /No dataset id given/);
});

Deno.test("deno task data: --source picks a download source (kaggle needs its token); a wrong --source, or one with --mirror, is refused with the usage", async () => {
  const root = await Deno.makeTempDir({ prefix: "raw_" });
  try {
    const bogus = await runTask(["--source", "git", "fashion-mnist"]);
    assert.equal(bogus.code, 2);
    assert.match(
      bogus.stderr,
      /--source must be one of files, archive, kaggle, not 'git'/,
    );
    const both = await runTask([
      "--mirror",
      mirrorDir(),
      "--source",
      "archive",
      "fashion-mnist",
    ]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--mirror and --source exclude each other/);
    const kaggle = await runTask(
      ["--source", "kaggle", "fashion-product-images"],
      { FASHION_DATA_DIR: root, KAGGLE_USERNAME: "", KAGGLE_KEY: "" },
    );
    assert.equal(kaggle.code, 1);
    assert.match(
      kaggle.stderr,
      /Kaggle source of 'fashion-product-images' needs an account token: set KAGGLE_USERNAME and KAGGLE_KEY/,
    );
    const list = await runTask(["--list"]);
    assert.match(
      list.stdout,
      /fashion-product-images: [^]*source \(archive\): https:\/\/codeload\.github\.com\/GaneshNeupane01\/Fashion-Recommendation-System\/zip\/7cf263426a1a818fbcab19006b87c924b4dd0fa1/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
