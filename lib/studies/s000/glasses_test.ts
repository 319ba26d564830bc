/**
 * The glasses decision on the real stand-in labels (Sunglasses only: skip,
 * with the counts) and on arrays laid out like the authors' files, written
 * from real product photos; a `train` decision trains the study's model into
 * a complete run record. No public optical-glasses photos exist, so the
 * two-class arrays here use eyewear photos for one code and shoe photos for
 * the other: they test the decision and the training path, not the task.
 */
import { LocalWorkers } from "../../execute/local_workers.ts";
import { withSearchExecution } from "../../execute/search_runs.ts";
import { comparableRecords } from "../../testing/comparable_records.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../../backend.ts";
import { getProfile } from "../../profiles.ts";
import { writeFashionNpz } from "../../data/formats/npz.ts";
import { datasetDir } from "../../testing/mirror.ts";
import { readRun } from "../../runs/record.ts";
import { mainCategoryPhotos } from "../../testing/real_samples.ts";
import {
  decideGlasses,
  GLASSES_JOBS,
  GLASSES_MODEL,
  standInGlassesCounts,
  trainGlasses,
} from "./glasses.ts";

const stylesCsv = join(datasetDir("fashion-product-images"), "styles.csv");
const SIZE = 120 * 90 * 3;

/** Writes `<stem> - <Split>.npz` files from real photos with the given label per image. */
async function writeArrays(
  dir: string,
  stem: string,
  splits: string[],
  labelOf: (category: string) => string | null,
): Promise<void> {
  const photos = await mainCategoryPhotos(9);
  for (const [s, split] of splits.entries()) {
    const rows: number[] = [];
    const labels: string[] = [];
    Array.from(photos.labels).forEach((k, i) => {
      const label = labelOf(photos.classNames[k]);
      if (label !== null && i % 3 === s) {
        rows.push(i);
        labels.push(label);
      }
    });
    const images = new Uint8Array(rows.length * SIZE);
    rows.forEach((r, j) =>
      images.set(photos.images.subarray(r * SIZE, (r + 1) * SIZE), j * SIZE)
    );
    await writeFashionNpz(join(dir, `${stem} - ${split}.npz`), {
      images,
      height: 120,
      width: 90,
      labels,
      genders: labels.map(() => "Unisex"),
    });
  }
}

Deno.test("the stand-in has Sunglasses and no Glasses, so the decision is skip, with counts", async () => {
  const empty = await Deno.makeTempDir({ prefix: "fashion-shop_" });
  const decision = await decideGlasses({ originalDir: empty, stylesCsv });
  assert.equal(decision.kind, "skip");
  if (decision.kind !== "skip") return;
  const { counts, sources } = await standInGlassesCounts(stylesCsv);
  assert.deepEqual(decision.standInCounts, counts);
  assert.deepEqual(Object.keys(counts).sort(), ["Glasses", "Sunglasses"]);
  assert.equal(counts.Glasses, 0);
  assert.ok(counts.Sunglasses >= 100, JSON.stringify(counts));
  assert.equal(
    Object.values(sources).reduce((a, b) => a + b, 0),
    counts.Sunglasses,
  );
  assert.ok(Object.keys(sources).every((s) => s.startsWith("Eyewear/")));
  assert.match(decision.reason, /not installed/);
  assert.match(decision.reason, /no images to Glasses/);
  assert.equal(decision.lookedIn, empty);
  // Without the stand-in's label file there is no evidence, but still a decision.
  const bare = await decideGlasses({
    originalDir: empty,
    stylesCsv: join(empty, "styles.csv"),
  });
  assert.equal(bare.kind, "skip");
  if (bare.kind === "skip") assert.equal(bare.standInCounts, null);
  await Deno.remove(empty, { recursive: true });
});

Deno.test("incomplete or one-class original arrays are skipped and say why", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fashion-shop_" });
  await writeArrays(
    dir,
    "Glasses & Sunglasses",
    ["Train"],
    (c) => c === "Glasses&Sunglasses" ? "1" : c === "Shoes" ? "0" : null,
  );
  const incomplete = await decideGlasses({ originalDir: dir, stylesCsv });
  assert.equal(incomplete.kind, "skip");
  assert.match(
    incomplete.reason,
    /missing Glasses & Sunglasses - Validation\.npz, Glasses & Sunglasses - Test\.npz/,
  );
  await Deno.remove(dir, { recursive: true });

  const oneClass = await Deno.makeTempDir({ prefix: "fashion-shop_" });
  await writeArrays(
    oneClass,
    "Glasses - All",
    ["Train", "Validation", "Test"],
    (c) => c === "Glasses&Sunglasses" ? "Sunglasses" : null,
  );
  const decision = await decideGlasses({ originalDir: oneClass, stylesCsv });
  assert.equal(decision.kind, "skip");
  if (decision.kind === "skip") {
    assert.deepEqual(decision.trainCounts, { Sunglasses: 3 });
    assert.match(decision.reason, /only one class \(Sunglasses\)/);
  }
  await Deno.remove(oneClass, { recursive: true });
});

Deno.test({
  name:
    "two-class original arrays: decision train, and the study's model trains into a complete record, the same as a job",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "fashion-shop_" });
    await writeArrays(
      dir,
      "Glasses & Sunglasses",
      ["Train", "Validation", "Test"],
      (c) => c === "Glasses&Sunglasses" ? "1" : c === "Shoes" ? "0" : null,
    );
    const decision = await decideGlasses({ originalDir: dir, stylesCsv });
    assert.equal(decision.kind, "train");
    if (decision.kind !== "train") return;
    assert.deepEqual(decision.trainCounts, { "0": 3, "1": 3 });
    assert.equal(
      decision.files.Test,
      join(dir, "Glasses & Sunglasses - Test.npz"),
    );
    const runsRoot = await Deno.makeTempDir({ prefix: "runs_" });
    const backend = await selectBackend();
    const result = await trainGlasses(
      { profile: getProfile("smoke"), backend, seed: 3 },
      decision,
      { runsRoot, fingerprint: "test arrays" },
    );
    const run = await readRun(result.dir);
    assert.equal(run?.status, "complete");
    assert.equal(run!.name, GLASSES_MODEL.name);
    assert.equal(run!.tags?.study, "000");
    assert.equal(run!.params.kernelSize, 5);
    assert.equal(run!.params.filters, 64);
    assert.deepEqual(run!.splits, { train: 6, validation: 6, test: 6 });
    assert.deepEqual(result.metrics.classNames, ["0", "1"]);
    assert.equal(result.metrics.n, 6);
    // The same run as a job of a local worker process: the same record.
    const jobsRoot = await Deno.makeTempDir({ prefix: "runs_jobs_" });
    const viaJob = await withSearchExecution(
      {
        executor: new LocalWorkers(1, () => {}),
        searches: [GLASSES_JOBS],
      },
      () =>
        trainGlasses(
          { profile: getProfile("smoke"), backend, seed: 3 },
          decision,
          { runsRoot: jobsRoot, fingerprint: "test arrays" },
        ),
    );
    assert.equal(viaJob.reused, false);
    assert.equal(viaJob.runId, result.runId);
    assert.deepEqual(
      await comparableRecords(jobsRoot),
      await comparableRecords(runsRoot),
    );
    await Deno.remove(jobsRoot, { recursive: true });
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(runsRoot, { recursive: true });
  },
});
