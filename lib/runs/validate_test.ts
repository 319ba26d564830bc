/**
 * The record-format checks (validate.ts) on the sample records of every
 * kind (lib/testing/sample_records.ts): sound records pass, and each kind
 * of damage is named, where and what.
 */
import { join } from "node:path";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  metricsKind,
  validateGallery,
  validateHistory,
  validateMetrics,
  validateRunJson,
} from "./validate.ts";
import { writeSampleRecords } from "../testing/sample_records.ts";
import type { RunJson } from "./run_json.ts";

type Json = Record<string, unknown>;
// deno-lint-ignore no-explicit-any
type Loose = any;

interface Sample {
  run: RunJson;
  metrics: Json;
  history?: unknown;
  gallery?: unknown;
}

/** The sample records, read back as JSON, by kind. */
const samples: Record<string, Sample> = await (async () => {
  const root = await Deno.makeTempDir({ prefix: "validate_" });
  const ids = await writeSampleRecords(root);
  const read = (id: string, file: string) => {
    try {
      return JSON.parse(Deno.readTextFileSync(join(root, id, file)));
    } catch {
      return undefined;
    }
  };
  const sample = (id: string): Sample => ({
    run: read(id, "run.json"),
    metrics: read(id, "metrics.json"),
    history: read(id, "history.json"),
    gallery: read(id, "misclassified.json"),
  });
  const out = {
    classifier: sample(ids.classifier),
    trial: sample(ids.trials[0]),
    test: sample(ids.test),
    multiHead: sample(ids.multiHead),
    comparison: sample(ids.comparison),
    photoCheck: sample(ids.photoCheck),
  };
  await Deno.remove(root, { recursive: true });
  return out;
})();

/** A deep copy of a sample's file to damage. */
const copy = <T>(value: T): Loose => structuredClone(value);

/** Asserts that `problems` has one containing each of `expected`. */
function assertNames(problems: string[], ...expected: string[]): void {
  for (const e of expected) {
    if (!problems.some((p) => p.includes(e))) {
      throw new Error(
        `no problem names "${e}"; problems: ${JSON.stringify(problems)}`,
      );
    }
  }
}

const metricsOf = (kind: keyof typeof samples, damage: (m: Loose) => void) => {
  const m = copy(samples[kind].metrics);
  damage(m);
  return validateMetrics(m, samples[kind].run);
};

const runOf = (damage: (r: Loose) => void, folder?: string) => {
  const r = copy(samples.classifier.run);
  damage(r);
  return validateRunJson(r, folder ?? samples.classifier.run.id);
};

Deno.test("validate: every sample record is sound, and of the kind the report draws", () => {
  const kinds: Record<string, string> = {
    classifier: "classifier",
    trial: "trial",
    test: "classifier",
    multiHead: "multi-head",
    comparison: "comparison",
    photoCheck: "photo-check",
  };
  for (const [name, s] of Object.entries(samples)) {
    assertEquals(validateRunJson(s.run, s.run.id), [], `${name} run.json`);
    assertEquals(validateMetrics(s.metrics, s.run), [], `${name} metrics`);
    if (s.history !== undefined) {
      assertEquals(validateHistory(s.history), [], `${name} history`);
    }
    assertEquals(metricsKind(s.metrics, s.run), kinds[name], name);
  }
  const gallery = samples.photoCheck.gallery;
  const names = samples.photoCheck.metrics.classNames as string[];
  assertEquals(validateGallery(gallery, names), []);
});

Deno.test("validate run.json: not an object, ids and names not strings, id not the folder's", () => {
  assertNames(validateRunJson([1, 2]), "the file holds an array of 2");
  assertNames(validateRunJson(null), "the file holds null, not an object");
  assertNames(runOf((r) => r.id = 42), "id is 42, not a non-empty string");
  assertNames(runOf((r) => r.name = null), "name is null, not a string");
  assertNames(
    runOf(() => {}, "another-folder"),
    `id is "study-004-cnn-s1", not its folder's name "another-folder"`,
  );
  assertNames(
    runOf((r) => r.status = "completed"),
    `status is "completed", not one of running, complete, failed`,
  );
});

Deno.test("validate run.json: params null or not an object", () => {
  assertNames(runOf((r) => r.params = null), "params is null, not an object");
  assertNames(runOf((r) => r.params = [1]), "params is an array of 1");
});

Deno.test("validate run.json: dataset missing or without string id and fingerprint", () => {
  assertNames(runOf((r) => delete r.dataset), "dataset is missing");
  assertNames(
    runOf((r) => r.dataset = { id: "fashion-mnist", fingerprint: 7 }),
    "dataset.fingerprint is 7, not a string",
  );
  assertNames(runOf((r) => r.dataset.id = ""), `dataset.id is ""`);
});

Deno.test("validate run.json: seed, splits, backend, tags, versions, timing, files", () => {
  assertNames(runOf((r) => r.seed = "1"), `seed is "1", not an integer`);
  assertNames(
    runOf((r) => r.splits.test = -3),
    "splits.test is -3, not a non-negative integer",
  );
  assertNames(runOf((r) => r.backend = "cpu"), `backend is "cpu"`);
  assertNames(runOf((r) => r.tags.study = 4), "tags.study is 4");
  assertNames(runOf((r) => delete r.versions), "versions is missing");
  assertNames(
    runOf((r) => r.durationSeconds = -1),
    "durationSeconds is -1, not at least 0",
  );
  assertNames(runOf((r) => r.files = "metrics.json"), "files is");
});

Deno.test("validate metrics: not an object", () => {
  const run = samples.classifier.run;
  assertNames(validateMetrics(null, run), "the file holds null");
  assertNames(validateMetrics([], run), "the file holds an array of 0");
});

Deno.test("validate metrics: accuracy out of [0, 1] or not correct / n", () => {
  assertNames(
    metricsOf("classifier", (m) => m.accuracy = 7.5),
    "accuracy is 7.5, not a number in [0, 1]",
  );
  assertNames(
    metricsOf("classifier", (m) => m.accuracy = 0.5),
    "accuracy is 0.5, not correct / n",
  );
  assertNames(
    metricsOf("classifier", (m) => m.validationAccuracy = 78),
    "validationAccuracy is 78",
  );
  assertNames(
    metricsOf("test", (m) => m.valAccuracy = -0.1),
    "valAccuracy is -0.1",
  );
});

Deno.test("validate metrics: interval bounds out of [0, 1] or reversed", () => {
  assertNames(
    metricsOf("classifier", (m) => m.wilson95.high = 1.2),
    "wilson95.high is 1.2, not a number in [0, 1]",
  );
  assertNames(
    metricsOf("classifier", (m) => m.t95 = { ...m.t95, low: 0.9, high: 0.1 }),
    "t95.low 0.9 is above t95.high 0.1",
  );
  assertNames(metricsOf("classifier", (m) => delete m.t95), "t95 is missing");
});

Deno.test("validate metrics: n and correct non-negative integers, correct <= n", () => {
  assertNames(
    metricsOf("classifier", (m) => m.n = -1),
    "n is -1, not a non-negative integer",
  );
  assertNames(metricsOf("classifier", (m) => m.n = 2.5), "n is 2.5");
  assertNames(
    metricsOf("classifier", (m) => m.correct = m.n + 1),
    "correct 201 is more than n 200",
  );
});

Deno.test("validate metrics: a ragged or non-square confusion matrix", () => {
  assertNames(
    metricsOf("classifier", (m) => m.confusion[3].pop()),
    "confusion[3] has 9 counts, not 10 (one per class name)",
  );
  assertNames(
    metricsOf("classifier", (m) => m.confusion.pop()),
    "confusion has 9 rows, not one per class name (10)",
  );
  assertNames(
    metricsOf("classifier", (m) => m.confusion = "none"),
    `confusion is "none", not an array`,
  );
});

Deno.test("validate metrics: confusion counts negative, fractional or not summing to n", () => {
  assertNames(
    metricsOf("classifier", (m) => m.confusion[0][1] = -1),
    "confusion[0][1] is -1, not a non-negative integer",
  );
  assertNames(
    metricsOf("classifier", (m) => m.confusion[0][1] = 0.5),
    "confusion[0][1] is 0.5",
  );
  assertNames(
    metricsOf("classifier", (m) => m.confusion[0][1] += 1),
    "confusion counts sum to 201, not n 200",
  );
  assertNames(
    metricsOf("classifier", (m) => {
      m.confusion[0][0] += 1;
      m.confusion[0][1] -= 1;
    }),
    "confusion diagonal sums to",
  );
});

Deno.test("validate metrics: class names and per-class report entries", () => {
  assertNames(
    metricsOf("classifier", (m) => m.classNames[2] = 2),
    "classNames[2] is 2, not a string",
  );
  assertNames(
    metricsOf("classifier", (m) => m.classNames[2] = m.classNames[1]),
    `classNames names "Trouser" twice`,
  );
  assertNames(
    metricsOf("classifier", (m) => m.report.perClass.pop()),
    "report.perClass has 9 entries, not one per class name (10)",
  );
  assertNames(
    metricsOf("classifier", (m) => m.report.perClass[0].precision = 2),
    "report.perClass[0].precision is 2",
  );
  assertNames(
    metricsOf("classifier", (m) => m.report.perClass[0].support += 1),
    "report.perClass[0].support is 21, not the 20 images of its confusion row",
  );
  assertNames(
    metricsOf("classifier", (m) => m.report.classNames = ["a"]),
    "report.classNames is an array of 1, not the class names",
  );
  assertNames(
    metricsOf("classifier", (m) => delete m.report.macroAvg),
    "report.macroAvg is missing",
  );
});

Deno.test("validate metrics: a multi-output run's heads", () => {
  assertNames(
    metricsOf("multiHead", (m) => m.heads.gender.accuracy = 7.5),
    "heads.gender.accuracy is 7.5, not a number in [0, 1]",
  );
  assertNames(
    metricsOf("multiHead", (m) => m.heads.subCategory.confusion[1].push(0)),
    "heads.subCategory.confusion[1] has 5 counts, not 4",
  );
  assertNames(metricsOf("multiHead", (m) => m.heads = {}), "heads is empty");
  assertNames(
    metricsOf("multiHead", (m) => m.averageAccuracy = 1.5),
    "averageAccuracy is 1.5",
  );
});

Deno.test("validate metrics: a combined-vs-hierarchical comparison", () => {
  assertNames(
    metricsOf("comparison", (m) => m.combined.exactPathAccuracy = 40),
    "combined.exactPathAccuracy is 40, not a number in [0, 1]",
  );
  assertNames(
    metricsOf("comparison", (m) => m.hierarchical.points = 90),
    "hierarchical.points 90 is more than maxPoints 80",
  );
  assertNames(
    metricsOf("comparison", (m) => m.hierarchical.n = 41),
    "combined.n 40 and hierarchical.n 41 differ",
  );
  assertNames(
    metricsOf("comparison", (m) => delete m.mcnemar),
    "mcnemar is missing",
  );
  assertNames(
    metricsOf("comparison", (m) => m.mcnemar.pValue = -0.2),
    "mcnemar.pValue is -0.2",
  );
});

Deno.test("validate metrics: a photo check's perClass consistent with its matrix", () => {
  assertNames(
    metricsOf("photoCheck", (m) => m.perClass.reverse()),
    `perClass[0].className is "Trousers&Jeans", not "Glasses&Sunglasses"`,
  );
  assertNames(
    metricsOf("photoCheck", (m) => m.perClass.pop()),
    "perClass has 2 entries, not one per class name (3)",
  );
  assertNames(
    metricsOf("photoCheck", (m) => {
      m.perClass[0].n += 1;
      m.perClass[0].accuracy = m.perClass[0].correct / m.perClass[0].n;
    }),
    "perClass[0].n is 11, not its confusion row's 10",
    "perClass n sum to 31, not n 30",
  );
  assertNames(
    metricsOf("photoCheck", (m) => m.perClass[1].accuracy = 3),
    "perClass[1].accuracy is 3",
  );
  assertNames(
    metricsOf("photoCheck", (m) => m.perClass[1].wilson95 = null),
    "perClass[1].wilson95 is null, not an object",
  );
  assertNames(
    metricsOf("photoCheck", (m) => m.misclassified.pop()),
    "misclassified lists",
  );
  assertNames(
    metricsOf("photoCheck", (m) => m.misclassified[0].predicted = "Hats"),
    `misclassified[0].predicted "Hats" is not one of the class names`,
  );
  assertNames(
    metricsOf("photoCheck", (m) => delete m.modelRunId),
    "modelRunId is missing",
  );
  // Metrics without a classifier's fields, in a run tagged as a photo check.
  assertNames(
    validateMetrics({ valAccuracy: 0.5 }, samples.photoCheck.run),
    "accuracy is missing",
    "confusion is missing",
  );
});

Deno.test("validate metrics: a search trial and other runs", () => {
  assertNames(
    metricsOf("trial", (m) => delete m.valAccuracy),
    "valAccuracy is missing",
  );
  assertNames(
    metricsOf("trial", (m) => m.valAccuracy = 1.5),
    "valAccuracy is 1.5",
  );
  const other = { ...samples.classifier.run, name: "Something else" };
  assertEquals(validateMetrics({ seconds: 3, note: "x" }, other), []);
  assertNames(
    validateMetrics(JSON.parse('{"seconds": 1e999}'), other),
    "seconds is Infinity, not a finite number",
  );
  assertNames(
    validateMetrics({ accuracy: 7.5 }, other),
    "accuracy is 7.5, not a number in [0, 1]",
  );
});

Deno.test("validate history: an array of objects of finite numbers", () => {
  assertNames(
    validateHistory({ loss: [1, 0.5] }),
    "the file holds an object, not an array of epochs",
  );
  assertNames(
    validateHistory([[1, 0.5]]),
    "epoch 1 is an array of 2, not an object of numbers",
  );
  assertNames(
    validateHistory([{ loss: 1 }, { loss: "0.5" }]),
    `epoch 2: loss is "0.5", not a finite number`,
  );
  assertNames(validateHistory("loss"), `the file holds "loss"`);
  // JSON writes a NaN loss as null: allowed, the curves skip it.
  assertEquals(validateHistory([{ loss: null, acc: 0.5 }]), []);
  assertEquals(validateHistory([]), []);
});

Deno.test("validate gallery: misclassified photos with base64 thumbnails", () => {
  const names = samples.photoCheck.metrics.classNames as string[];
  const gallery = samples.photoCheck.gallery as Loose[];
  assertNames(
    validateGallery({ photos: [] }, names),
    "the file holds an object, not an array of photos",
  );
  const damaged = copy(gallery);
  damaged[0].png = "not base64!";
  damaged[1].confidence = 2;
  delete damaged[2].id;
  damaged[3].trueClass = "Hats";
  assertNames(
    validateGallery(damaged, names),
    "photo 1.png is not base64",
    "photo 2.confidence is 2",
    "photo 3.id is missing",
    `photo 4.trueClass "Hats" is not one of the class names`,
  );
});
