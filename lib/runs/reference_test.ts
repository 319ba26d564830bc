import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { writeSampleRecords } from "../testing/sample_records.ts";
import { existsOrFalse } from "../io/exists.ts";
import {
  GALLERY_FILE,
  readReferenceManifest,
  referenceProfiles,
  saveReference,
} from "./reference.ts";
import {
  checkAgainstReference,
  checkPasses,
  headlineMetrics,
} from "./reference_check.ts";
import { seedGroup } from "./run_id.ts";
import { machineInfo } from "./machine.ts";

async function setUp() {
  const runsRoot = await Deno.makeTempDir();
  const referenceRoot = await Deno.makeTempDir();
  const ids = await writeSampleRecords(runsRoot);
  // A model folder and a checkpoint, which a reference never holds.
  await Deno.mkdir(join(runsRoot, ids.classifier, "model"));
  await Deno.writeTextFile(join(runsRoot, ids.classifier, "model", "x"), "w");
  await Deno.writeTextFile(
    join(runsRoot, ids.classifier, "checkpoint.bin"),
    "",
  );
  return { runsRoot, referenceRoot, ids };
}

async function editJson(
  path: string,
  edit: (v: Record<string, unknown>) => void,
): Promise<void> {
  const v = JSON.parse(await Deno.readTextFile(path));
  edit(v);
  await Deno.writeTextFile(path, JSON.stringify(v));
}

Deno.test("saveReference copies complete runs without weights, checkpoints or (smoke) galleries", async () => {
  const { runsRoot, referenceRoot, ids } = await setUp();
  const saved = await saveReference({
    runsRoot,
    referenceRoot,
    profile: "smoke",
  });
  assert(saved.added.includes(ids.classifier));
  const dir = join(referenceRoot, "smoke", ids.classifier);
  assert(await existsOrFalse(join(dir, "metrics.json")));
  assert(!await existsOrFalse(join(dir, "model")));
  assert(!await existsOrFalse(join(dir, "checkpoint.bin")));
  assert(
    !await existsOrFalse(
      join(referenceRoot, "smoke", ids.photoCheck, GALLERY_FILE),
    ),
  );
  const manifest = await readReferenceManifest(referenceRoot, "smoke");
  assertEquals(
    manifest?.runs.map((r) => r.id),
    saved.manifest.runs.map((r) => r.id),
  );
  const entry = manifest!.runs.find((r) => r.id === ids.classifier)!;
  assertEquals(entry.durationSeconds, 12.5);
  assertEquals(entry.machineFrom, "saving machine");
  assertEquals(await referenceProfiles(referenceRoot), ["smoke"]);
  // Saving again replaces; --replace drops runs not made here.
  await Deno.remove(join(runsRoot, ids.classifier), { recursive: true });
  const again = await saveReference({
    runsRoot,
    referenceRoot,
    profile: "smoke",
    replace: true,
  });
  assertEquals(again.removed, [ids.classifier]);
  assert(!await existsOrFalse(dir));
});

Deno.test("saveReference refuses a profile with no complete run", async () => {
  const { runsRoot, referenceRoot } = await setUp();
  let message = "";
  try {
    await saveReference({ runsRoot, referenceRoot, profile: "full" });
  } catch (error) {
    message = (error as Error).message;
  }
  assert(message.includes("no complete run of profile full"), message);
});

Deno.test("checkAgainstReference: identical on the same machine, a moved prediction fails", async () => {
  const { runsRoot, referenceRoot, ids } = await setUp();
  await saveReference({ runsRoot, referenceRoot, profile: "smoke" });
  const same = await checkAgainstReference({
    runsRoot,
    referenceRoot,
    profile: "smoke",
  });
  assert(same.compared.length > 3);
  assert(same.compared.every((c) => c.sameSetting && c.identical && c.ok));
  assert(checkPasses(same, true));

  // One test prediction moves: the same machine must give identical records.
  await editJson(join(runsRoot, ids.classifier, "metrics.json"), (m) => {
    m.accuracy = (m.accuracy as number) - 0.005;
  });
  const moved = await checkAgainstReference({
    runsRoot,
    referenceRoot,
    profile: "smoke",
  });
  const c = moved.compared.find((c) => c.runId === ids.classifier)!;
  assert(!c.identical && !c.ok);
  assert(!checkPasses(moved));
  // Timings alone never count as a difference.
  await editJson(join(runsRoot, ids.multiHead, "history.json"), (h) => {
    (h as unknown as Record<string, number>[])[0].seconds = 99;
  });
  const timed = await checkAgainstReference({
    runsRoot,
    referenceRoot,
    profile: "smoke",
  });
  assert(timed.compared.find((c) => c.runId === ids.multiHead)!.identical);
});

Deno.test("checkAgainstReference on another machine: within the Wilson interval, else the seed spread", async () => {
  const { runsRoot, referenceRoot, ids } = await setUp();
  await saveReference({ runsRoot, referenceRoot, profile: "smoke" });
  // The reference was made on another CPU.
  await editJson(join(referenceRoot, "smoke", "reference.json"), (m) => {
    for (const r of m.runs as { machine: { cpu: string } }[]) {
      r.machine.cpu = "Another CPU";
    }
  });
  const metricsPath = join(runsRoot, ids.classifier, "metrics.json");
  const original = JSON.parse(await Deno.readTextFile(metricsPath));
  await editJson(metricsPath, (m) => {
    m.accuracy = original.accuracy - 0.01;
  });
  let result = await checkAgainstReference({
    runsRoot,
    referenceRoot,
    profile: "smoke",
  });
  let c = result.compared.find((c) => c.runId === ids.classifier)!;
  assert(!c.sameSetting && c.ok, JSON.stringify(c));
  assertEquals(
    c.metrics[0].toleranceFrom,
    "95% Wilson interval of the reference",
  );
  await editJson(metricsPath, (m) => {
    m.accuracy = original.accuracy - 0.3;
  });
  result = await checkAgainstReference({
    runsRoot,
    referenceRoot,
    profile: "smoke",
  });
  c = result.compared.find((c) => c.runId === ids.classifier)!;
  assert(!c.ok && !c.metrics[0].within);

  // A second seed of the same run in the reference: its spread is the tolerance.
  const seedTwin = ids.classifier.replace(/-s\d+$/, "-s2");
  const twinDir = join(referenceRoot, "smoke", seedTwin);
  await Deno.mkdir(twinDir);
  for (const f of ["run.json", "history.json"]) {
    await Deno.copyFile(
      join(referenceRoot, "smoke", ids.classifier, f),
      join(twinDir, f),
    );
  }
  await Deno.writeTextFile(
    join(twinDir, "metrics.json"),
    JSON.stringify({ ...original, accuracy: original.accuracy - 0.02 }),
  );
  await editJson(join(referenceRoot, "smoke", "reference.json"), (m) => {
    const runs = m.runs as { id: string }[];
    runs.push({ ...runs.find((r) => r.id === ids.classifier)!, id: seedTwin });
  });
  await editJson(metricsPath, (m) => {
    m.accuracy = original.accuracy - 0.015;
  });
  result = await checkAgainstReference({
    runsRoot,
    referenceRoot,
    profile: "smoke",
  });
  c = result.compared.find((c) => c.runId === ids.classifier)!;
  assertEquals(c.metrics[0].toleranceFrom, "seed spread of the reference");
  assert(Math.abs(c.metrics[0].tolerance - 0.02) < 1e-9 && c.ok);
  assertEquals(result.missingHere, [seedTwin]);
  assert(checkPasses(result) && !checkPasses(result, true));
});

Deno.test("checkAgainstReference lists runs made here that the reference does not hold", async () => {
  const { runsRoot, referenceRoot, ids } = await setUp();
  await saveReference({ runsRoot, referenceRoot, profile: "smoke" });
  await Deno.rename(
    join(runsRoot, ids.classifier),
    join(runsRoot, "renamed-run-s1"),
  );
  await editJson(join(runsRoot, "renamed-run-s1", "run.json"), (r) => {
    r.id = "renamed-run-s1";
  });
  const result = await checkAgainstReference({
    runsRoot,
    referenceRoot,
    profile: "smoke",
    study: "004",
  });
  assertEquals(result.notInReference, ["renamed-run-s1"]);
  assertEquals(result.missingHere, [ids.classifier]);
  assert(!checkPasses(result));
  assert(result.compared.every((c) => c.runId.startsWith("study-004")));
});

Deno.test("headlineMetrics reads classifiers and multi-output heads; seedGroup drops the seed", () => {
  assertEquals(
    headlineMetrics({
      heads: { gender: { accuracy: 0.5, wilson95: { low: 0.4, high: 0.6 } } },
      averageAccuracy: 0.5,
    }).map((h) => h.metric),
    ["heads.gender.accuracy", "averageAccuracy"],
  );
  assertEquals(
    seedGroup("primary-classification-test-a7f9fd03f5-s42"),
    "primary-classification-test-a7f9fd03f5",
  );
  assert(machineInfo().cores >= 1);
});
