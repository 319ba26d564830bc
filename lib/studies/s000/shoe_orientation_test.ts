/**
 * The shoe-orientation experiment on real product photos (a few per class,
 * converted from the dataset mirror, smoke profile): canonicalised images
 * face one way, the three runs are complete and tagged, McNemar counts match
 * the per-image results, random flips change training, and the same seed
 * gives the same predictions in a fresh runs folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { selectBackend } from "../../backend.ts";
import { getProfile } from "../../profiles.ts";
import { shoeFacing } from "../../data/images/augment.ts";
import { convertDataset } from "../../data/images/convert_dataset.ts";
import { datasetDir } from "../../testing/mirror.ts";
import { readRun } from "../../runs/record.ts";
import { loadLevel, type ShopArraysSource } from "./data.ts";
import {
  canonicalizeLevel,
  facingCounts,
  mirrorArrays,
  runShoeOrientationExperiment,
  SHOE_ORIENTATION_JOBS,
  SHOE_ORIENTATION_VARIANTS,
} from "./shoe_orientation.ts";
import { LocalWorkers } from "../../execute/local_workers.ts";
import { withSearchExecution } from "../../execute/search_runs.ts";
import {
  allTrainingShoes,
  canonicalisationGrid,
  shopSampleShoes,
} from "./shoe_orientation_views.ts";

const backend = await selectBackend();
const profile = getProfile("smoke");
const seed = 7;

/** Product photos converted into the authors' layout: 6 per class. */
async function sampleSource(): Promise<ShopArraysSource> {
  const dir = await Deno.makeTempDir({ prefix: "shoes_" });
  await convertDataset({
    dataset: "fashion-product-images",
    inDir: datasetDir("fashion-product-images"),
    outDir: dir,
    limitPerClass: 6,
    seed,
  });
  return {
    dir,
    datasetId: "fashion-product-images",
    fingerprint: "test sample of the mirror",
    standIn: "product photos (test sample)",
  };
}

const source = await sampleSource();
const data = await loadLevel(source, "Shoes", "All", profile, seed);

Deno.test("canonicalised shoes all face right or are unknown; mirroring swaps left and right", () => {
  const canonical = canonicalizeLevel(data);
  for (const split of ["train", "validation", "test"] as const) {
    const arrays = canonical.data[split];
    const [h, w, c] = arrays.shape;
    const size = h * w * c;
    for (let i = 0; i < arrays.labels.length; i++) {
      const facing =
        shoeFacing(arrays.images.subarray(i * size, (i + 1) * size), w, h, c)
          .facing;
      assert.notEqual(facing, "left", `${split} image ${i} still faces left`);
    }
    const before = facingCounts(data[split]);
    assert.equal(canonical.flipped[split].length, before.left);
    // The input arrays are not changed.
    assert.deepEqual(facingCounts(data[split]), before);
    const mirrored = facingCounts(mirrorArrays(data[split]));
    assert.deepEqual(mirrored, {
      left: before.right,
      right: before.left,
      unknown: before.unknown,
    });
  }
  // Real product photos: most shoes are decided, most face right.
  const train = facingCounts(data.train);
  assert.ok(train.right > train.left + train.unknown, JSON.stringify(train));
});

Deno.test({
  name:
    "three tagged, complete runs with the same test images; deterministic given the seed, in this process or as jobs",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const context = { profile, backend, seed };
    const rootA = await Deno.makeTempDir({ prefix: "runs_" });
    const first = await runShoeOrientationExperiment(context, {
      source,
      data,
      runsRoot: rootA,
    });
    assert.deepEqual(
      first.variants.map((v) => v.variant),
      [...SHOE_ORIENTATION_VARIANTS],
    );
    const n = data.test.labels.length;
    assert.ok(n >= data.classNames.length, `only ${n} test images`);
    const ids = new Set(first.variants.map((v) => v.run.runId));
    assert.equal(ids.size, 3);
    for (const v of first.variants) {
      const run = await readRun(v.run.dir);
      assert.equal(run?.status, "complete");
      assert.deepEqual(
        {
          study: run!.tags?.study,
          experiment: run!.tags?.experiment,
          variant: run!.tags?.variant,
          profile: run!.tags?.profile,
          standIn: run!.tags?.standIn,
        },
        {
          study: "000",
          experiment: "shoe-orientation",
          variant: v.variant,
          profile: "smoke",
          standIn: source.standIn,
        },
      );
      assert.equal(run!.params.orientation, v.variant);
      // How a variant trains is its own, not the Shoes spec's augmentation.
      assert.equal(run!.params.augmentation, undefined);
      assert.equal(v.run.metrics.n, n);
      assert.equal(v.correct.length, n);
      assert.equal(v.correct.filter(Boolean).length, v.run.metrics.correct);
      assert.equal(v.mirrored.n, n);
      if (v.variant === "none") assert.equal(v.vsBaseline, undefined);
      else {
        const base = first.variants[0].correct;
        const b = base.filter((ok, i) => ok && !v.correct[i]).length;
        const c = base.filter((ok, i) => !ok && v.correct[i]).length;
        assert.deepEqual([v.vsBaseline!.b, v.vsBaseline!.c], [b, c]);
        assert.ok(v.vsBaseline!.pValue >= 0 && v.vsBaseline!.pValue <= 1);
      }
    }
    const probabilities = async (dir: string) =>
      JSON.parse(await Deno.readTextFile(join(dir, "predictions.json")))
        .probabilities as number[][];
    const [none, , flips] = first.variants;
    // Random flips change what the model learns from the same seed and batches.
    assert.notDeepEqual(
      await probabilities(none.run.dir),
      await probabilities(flips.run.dir),
    );

    // Same seed, fresh folder, the runs as jobs of two local worker
    // processes: same runs, same predictions.
    const rootB = await Deno.makeTempDir({ prefix: "runs_" });
    const lines: string[] = [];
    const second = await withSearchExecution(
      {
        executor: new LocalWorkers(2, (line) => lines.push(line)),
        searches: [SHOE_ORIENTATION_JOBS],
      },
      () =>
        runShoeOrientationExperiment(context, {
          source,
          data,
          runsRoot: rootB,
        }),
    );
    assert.ok(lines.some((l) => /3 job\(s\)/.test(l)), lines.join("\n"));
    for (const [i, v] of second.variants.entries()) {
      const a = first.variants[i];
      assert.equal(v.run.reused, false);
      assert.equal(v.run.runId, a.run.runId);
      assert.deepEqual(v.correct, a.correct);
      assert.equal(v.mirrored.correct, a.mirrored.correct);
      const pa = await probabilities(a.run.dir);
      const pb = await probabilities(v.run.dir);
      pa.forEach((row, r) =>
        row.forEach((p, k) =>
          assert.ok(
            Math.abs(p - pb[r][k]) < 1e-4,
            `${v.variant}: probability [${r}][${k}] ${p} vs ${pb[r][k]}`,
          )
        )
      );
    }
    // Same folder again: the complete runs are reused, not retrained.
    const third = await runShoeOrientationExperiment(context, {
      source,
      data,
      runsRoot: rootA,
    });
    assert.ok(third.variants.every((v) => v.run.reused));
    await Deno.remove(rootA, { recursive: true });
    await Deno.remove(rootB, { recursive: true });
  },
});

Deno.test("canonicalisation grids of the shop samples and all training shoes", async () => {
  const shop = await shopSampleShoes(datasetDir("fashion-shop-samples"));
  const shoeFiles = [...Deno.readDirSync(datasetDir("fashion-shop-samples"))]
    .filter((e) => e.name.endsWith("_Shoes.jpg")).length;
  assert.ok(shoeFiles > 0);
  assert.equal(shop.labels.length, shoeFiles);
  assert.equal(shop.images.length, shoeFiles * 120 * 90 * 3);
  const train = await allTrainingShoes(source);
  assert.ok(train.labels.length >= data.train.labels.length);
  for (const [arrays, title] of [[shop, "shop"], [train, "train"]] as const) {
    const grid = canonicalisationGrid(arrays, title, 3);
    const counts = facingCounts(arrays);
    assert.equal(grid.total, arrays.labels.length);
    assert.equal(grid.flipped, counts.left);
    assert.deepEqual(
      grid.rows.map((r) => r.images.length),
      [counts.left, counts.left, counts.right, counts.unknown].map((n) =>
        Math.min(n, 3)
      ),
    );
    assert.equal(grid.rows[0].label, `${title}: facing left, before`);
    // Each "after" image is its "before" image mirrored and faces right or is undecided.
    for (const [i, before] of grid.rows[0].images.entries()) {
      const after = grid.rows[1].images[i];
      assert.notEqual(shoeFacing(after, 90, 120, 3).facing, "left");
      assert.equal(after[0 * 3], before[89 * 3]);
    }
  }
});

Deno.test("cleanup of the converted sample", async () => {
  await Deno.remove(source.dir, { recursive: true });
});
