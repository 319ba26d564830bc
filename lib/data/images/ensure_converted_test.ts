import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureConverted } from "./ensure_converted.ts";
import { convertDataset } from "./convert_dataset.ts";
import { ConversionInputError } from "./convert.ts";
import {
  checkConversion,
  inputFingerprint,
  MANIFEST_FILE,
} from "./conversion_manifest.ts";
import { conversionOptions } from "./convert_dataset.ts";
import { datasetDir, REPO_ROOT } from "../../testing/mirror.ts";
import {
  installProductImagesSample,
  writeSampleFingerprint,
} from "../../testing/product_images_install.ts";
import { shopArrays } from "../../studies/s000/data.ts";

const SAMPLES = datasetDir("fashion-shop-samples");

const names = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("ensureConverted: reuses a matching folder; converts a missing, unfinished, damaged or other-data one; refuses one made with other options", async () => {
  const root = await Deno.makeTempDir({ prefix: "ensure_" });
  try {
    const out = join(root, "samples");
    const input = await inputFingerprint(SAMPLES);
    const notices: string[] = [];
    const ensure = () =>
      ensureConverted({
        dataset: "fashion-shop-samples",
        inDir: SAMPLES,
        outDir: out,
        inputFingerprint: input.sha256,
        onNotice: (m) => notices.push(m),
      });
    const first = await ensure();
    assert.equal(first.converted, true);
    assert.match(notices[0], /does not exist: converting fashion-shop-samples/);
    const again = await ensure();
    assert.equal(again.converted, false);
    assert.deepEqual(again.manifest, first.manifest);

    // Made from other data: converted again.
    const manifestPath = join(out, MANIFEST_FILE);
    const stale = JSON.parse(await Deno.readTextFile(manifestPath));
    stale.input.fingerprint = "0".repeat(64);
    await Deno.writeTextFile(manifestPath, JSON.stringify(stale));
    const redone = await ensure();
    assert.equal(redone.converted, true);
    assert.match(notices.at(-1)!, /converted from other data/);
    assert.equal(
      redone.manifest.outputs.fingerprint,
      first.manifest.outputs.fingerprint,
    );

    // Damaged (an array file gone): converted again.
    await Deno.remove(join(out, "Samples - All - Test.npz"));
    assert.equal((await ensure()).converted, true);
    assert.match(notices.at(-1)!, /Samples - All - Test\.npz is missing/);

    // Unfinished: the arrays and split.json but no manifest (a conversion
    // killed in place, or made before manifests): converted again.
    await Deno.remove(manifestPath);
    assert.equal(
      (await checkConversion(out, {
        dataset: "fashion-shop-samples",
        inputFingerprint: input.sha256,
        options: conversionOptions({ dataset: "fashion-shop-samples" }),
      })).status,
      "missing",
    );
    assert.equal((await ensure()).converted, true);

    // Made with --limit-per-class: refused, saying what and how to fix it,
    // and left as it is.
    const limited = await convertDataset({
      dataset: "fashion-shop-samples",
      inDir: SAMPLES,
      outDir: out,
      limitPerClass: 5,
    });
    const before = names(out);
    await assert.rejects(ensure(), (e: Error) => {
      assert(e instanceof ConversionInputError);
      assert(e.message.includes(out), e.message);
      assert(
        e.message.includes("--limit-per-class 5 (expected: none)"),
        e.message,
      );
      assert(e.message.includes(`rm -r '${out}'`), e.message);
      assert(
        e.message.includes(
          "without --limit-per-class: deno task convert --dataset fashion-shop-samples",
        ),
        e.message,
      );
      return true;
    });
    assert.deepEqual(names(out), before);
    assert.deepEqual(
      JSON.parse(await Deno.readTextFile(manifestPath)),
      limited.manifest,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a killed conversion leaves nothing that is reused: its hidden folder is not the output, and the next conversion removes it", async () => {
  const root = await Deno.makeTempDir({ prefix: "killed_" });
  try {
    const out = join(root, "samples");
    const input = await inputFingerprint(SAMPLES);
    // What a conversion killed just before its final rename leaves: a
    // complete hidden sibling (manifest included) and no output folder.
    const done = await convertDataset({
      dataset: "fashion-shop-samples",
      inDir: SAMPLES,
      outDir: join(root, "finished"),
    });
    const orphan = join(root, ".samples.converting-999999999-0badc0de");
    await Deno.rename(join(root, "finished"), orphan);
    const expectation = {
      dataset: "fashion-shop-samples",
      inputFingerprint: input.sha256,
      options: conversionOptions({ dataset: "fashion-shop-samples" }),
    };
    assert.equal((await checkConversion(out, expectation)).status, "missing");
    const notices: string[] = [];
    const ensured = await ensureConverted({
      dataset: "fashion-shop-samples",
      inDir: SAMPLES,
      outDir: out,
      inputFingerprint: input.sha256,
      onNotice: (m) => notices.push(m),
    });
    assert.equal(ensured.converted, true);
    assert.equal(notices.length, 1);
    assert.equal(
      ensured.manifest.outputs.fingerprint,
      done.manifest.outputs.fingerprint,
    );
    // The orphan (its process is gone) was removed; only the output is left.
    assert.deepEqual(names(root), ["samples"]);

    // Killed between moving the old folder aside and renaming the new one
    // in: no output folder, so nothing is reused.
    await Deno.rename(out, join(root, ".samples.replaced-999999999-0badc0de"));
    assert.equal((await checkConversion(out, expectation)).status, "missing");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name:
    "shopArrays: a --limit-per-class conversion in the studies' folder is refused; the default one is reused; its fingerprint is the arrays'",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "shop_arrays_" });
    const previous = Deno.env.get("FASHION_DATA_DIR");
    const raw = join(root, "raw");
    const processed = join(root, "processed", "fashion-product-images");
    try {
      const installed = await installProductImagesSample(raw);
      Deno.env.set("FASHION_DATA_DIR", raw);
      // The command: a limited conversion into the default folder.
      const task = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          join(REPO_ROOT, "tasks", "convert.ts"),
          "--dataset",
          "fashion-product-images",
          "--limit-per-class",
          "10",
          "--quiet",
        ],
        env: { FASHION_DATA_DIR: raw },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(task.stdout);
      assert.equal(task.code, 0, new TextDecoder().decode(task.stderr));
      assert(stdout.includes(`-> ${processed}`), stdout);
      assert.match(stdout, /note: .* the notebooks read/);
      const limited = JSON.parse(
        await Deno.readTextFile(join(processed, MANIFEST_FILE)),
      );
      assert.equal(limited.options.limitPerClass, 10);

      await assert.rejects(shopArrays(), (e: Error) => {
        assert(e.message.includes(processed), e.message);
        assert(e.message.includes("--limit-per-class 10"), e.message);
        assert(e.message.includes("rm -r"), e.message);
        return true;
      });

      // Deleted as the message says: converted with the default options.
      await Deno.remove(processed, { recursive: true });
      const source = await shopArrays();
      assert.equal(source.dir, processed);
      assert.equal(source.datasetId, "fashion-product-images");
      const manifest = JSON.parse(
        await Deno.readTextFile(join(processed, MANIFEST_FILE)),
      );
      assert.equal(manifest.options.limitPerClass, null);
      assert.equal(source.fingerprint, manifest.outputs.fingerprint);
      assert.match(source.fingerprint, /^[0-9a-f]{64}$/);
      assert.notEqual(source.fingerprint, limited.outputs.fingerprint);
      const installedSha = JSON.parse(
        await Deno.readTextFile(join(installed, "FINGERPRINT.json")),
      ).sha256;
      assert.equal(manifest.input.fingerprint, installedSha);
      assert.notEqual(source.fingerprint, installedSha);

      // Reused: not converted again.
      const stamp = (await Deno.stat(join(processed, MANIFEST_FILE))).mtime;
      assert.equal((await shopArrays()).fingerprint, source.fingerprint);
      assert.deepEqual(
        (await Deno.stat(join(processed, MANIFEST_FILE))).mtime,
        stamp,
      );

      // Other photos installed: converted again, another fingerprint.
      const images = join(installed, "images");
      const first = names(images)[0];
      await Deno.remove(join(images, first));
      const newSha = await writeSampleFingerprint(installed);
      const changed = await shopArrays();
      assert.notEqual(changed.fingerprint, source.fingerprint);
      assert.equal(
        JSON.parse(await Deno.readTextFile(join(processed, MANIFEST_FILE)))
          .input.fingerprint,
        newSha,
      );
    } finally {
      if (previous === undefined) Deno.env.delete("FASHION_DATA_DIR");
      else Deno.env.set("FASHION_DATA_DIR", previous);
      await Deno.remove(root, { recursive: true });
    }
  },
});
