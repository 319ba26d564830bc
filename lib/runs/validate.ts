/**
 * Checks of a run record's files against the record format, for readers
 * that must not draw a damaged record as if it were sound (the report):
 * `run.json` ({@linkcode validateRunJson}), `metrics.json` of every kind the
 * lab writes ({@linkcode validateMetrics}), `history.json`
 * ({@linkcode validateHistory}) and the `misclassified.json` of a photo
 * check or a test run ({@linkcode validateGallery}).
 *
 * Each check takes the parsed JSON and returns its problems, one line each
 * (`accuracy is 7.5, not a number in [0, 1]`), empty when the file is
 * sound. Types and ranges are checked (ids and names are strings, params an
 * object, accuracies and interval bounds in [0, 1], counts non-negative
 * integers), and so is what a file says twice: correct ≤ n and
 * accuracy = correct / n, a confusion matrix square with one row per class
 * name whose counts sum to n and whose diagonal sums to correct, one report
 * entry per class name with the row's support, a photo check's per-class
 * results agreeing with its matrix.
 *
 * @example
 * ```ts
 * const problems = validateMetrics(JSON.parse(text), run);
 * if (problems.length) console.error(`metrics.json: ${problems.join("; ")}`);
 * ```
 *
 * @module
 */
import type { RunJson } from "./run_json.ts";

/** The problems of one file, one line each; empty when it is sound. */
export type Problems = string[];

type Json = Record<string, unknown>;

/** Slack for numbers that were computed in floating point. */
const EPS = 1e-9;

const RUN_STATUSES = ["running", "complete", "failed"] as const;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A value as a problem line shows it: short, and saying what it is. */
function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "object") return "an object";
  if (typeof v === "string") {
    return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}…` : v);
  }
  return String(v);
}

const key = (path: string, k: string) => path ? `${path}.${k}` : k;
const at = (path: string, i: number) => `${path}[${i}]`;

/** Collects problems; each check says whether the value passed. */
class Checker {
  readonly problems: Problems = [];

  problem(message: string): false {
    this.problems.push(message);
    return false;
  }

  wrong(path: string, v: unknown, want: string): false {
    return this.problem(
      v === undefined
        ? `${path} is missing`
        : `${path} is ${describe(v)}, not ${want}`,
    );
  }

  object(path: string, v: unknown): v is Json {
    return isObject(v) || this.wrong(path, v, "an object");
  }

  array(path: string, v: unknown): v is unknown[] {
    return Array.isArray(v) || this.wrong(path, v, "an array");
  }

  string(path: string, v: unknown, nonEmpty = false): v is string {
    return typeof v === "string" && (!nonEmpty || v.length > 0) ||
      this.wrong(path, v, nonEmpty ? "a non-empty string" : "a string");
  }

  finite(path: string, v: unknown): v is number {
    return typeof v === "number" && Number.isFinite(v) ||
      this.wrong(path, v, "a finite number");
  }

  /** An integer (of at least 0 unless `signed`). */
  integer(path: string, v: unknown, signed = false): v is number {
    return Number.isSafeInteger(v) && (signed || (v as number) >= 0) ||
      this.wrong(path, v, signed ? "an integer" : "a non-negative integer");
  }

  /** A number in [0, 1] (an accuracy, a share, an interval bound). */
  share(path: string, v: unknown): v is number {
    return typeof v === "number" && v >= -EPS && v <= 1 + EPS ||
      this.wrong(path, v, "a number in [0, 1]");
  }

  /** An object whose values are all strings. */
  stringMap(path: string, v: unknown): v is Record<string, string> {
    if (!this.object(path, v)) return false;
    let ok = true;
    for (const [k, x] of Object.entries(v)) {
      ok = this.string(key(path, k), x) && ok;
    }
    return ok;
  }

  /** An object whose values are all non-negative integers. */
  countMap(path: string, v: unknown): v is Record<string, number> {
    if (!this.object(path, v)) return false;
    let ok = true;
    for (const [k, x] of Object.entries(v)) {
      ok = this.integer(key(path, k), x) && ok;
    }
    return ok;
  }

  /** An array of strings, each once. */
  names(path: string, v: unknown): v is string[] {
    if (!this.array(path, v)) return false;
    if (!v.length) return this.problem(`${path} is empty`);
    let ok = true;
    v.forEach((x, i) => ok = this.string(at(path, i), x) && ok);
    if (!ok) return false;
    const twice = v.find((x, i) => v.indexOf(x) !== i);
    return twice === undefined ||
      this.problem(`${path} names ${describe(twice)} twice`);
  }
}

/** Whether `ratio` is `count / n` (n > 0). */
const isRatio = (ratio: number, count: number, n: number) =>
  n > 0 && Math.abs(ratio - count / n) <= EPS;

// ------------------------------------------------------------- run.json

/**
 * Problems of a `run.json` ({@linkcode RunJson}); `folder`, when given, is
 * the name of the folder holding it, which the id must equal.
 */
export function validateRunJson(value: unknown, folder?: string): Problems {
  const c = new Checker();
  if (!isObject(value)) {
    return [`the file holds ${describe(value)}, not an object`];
  }
  const v = value;
  if (
    c.string("id", v.id, true) && folder !== undefined && v.id !== folder
  ) c.problem(`id is ${describe(v.id)}, not its folder's name "${folder}"`);
  c.string("name", v.name);
  if (!(RUN_STATUSES as readonly unknown[]).includes(v.status)) {
    c.wrong("status", v.status, `one of ${RUN_STATUSES.join(", ")}`);
  }
  c.object("params", v.params);
  c.integer("seed", v.seed, true);
  if (c.object("dataset", v.dataset)) {
    c.string("dataset.id", v.dataset.id, true);
    c.string("dataset.fingerprint", v.dataset.fingerprint);
  }
  c.countMap("splits", v.splits);
  if (c.object("backend", v.backend)) {
    c.string("backend.name", v.backend.name, true);
    c.string("backend.device", v.backend.device);
    if (v.backend.packages !== undefined) {
      c.stringMap("backend.packages", v.backend.packages);
    }
  }
  if (v.tags !== undefined) c.stringMap("tags", v.tags);
  c.stringMap("versions", v.versions);
  if (v.machine !== undefined && c.object("machine", v.machine)) {
    c.string("machine.cpu", v.machine.cpu, true);
    c.string("machine.cpuFlags", v.machine.cpuFlags);
    c.integer("machine.cores", v.machine.cores);
    c.finite("machine.memoryBytes", v.machine.memoryBytes);
    c.string("machine.os", v.machine.os);
  }
  c.string("startedAt", v.startedAt);
  if (v.finishedAt !== undefined) c.string("finishedAt", v.finishedAt);
  if (v.durationSeconds !== undefined) {
    if (
      c.finite("durationSeconds", v.durationSeconds) && v.durationSeconds < 0
    ) c.wrong("durationSeconds", v.durationSeconds, "at least 0");
  }
  if (v.error !== undefined) c.string("error", v.error);
  if (c.array("files", v.files)) {
    v.files.forEach((f, i) => c.string(at("files", i), f));
  }
  return c.problems;
}

// ---------------------------------------------------------- metrics.json

function checkInterval(c: Checker, path: string, v: unknown): void {
  if (!c.object(path, v)) return;
  const low = c.share(key(path, "low"), v.low);
  const high = c.share(key(path, "high"), v.high);
  if (low && high && (v.low as number) > (v.high as number) + EPS) {
    c.problem(`${path}.low ${v.low} is above ${path}.high ${v.high}`);
  }
  if (
    c.finite(key(path, "level"), v.level) &&
    !((v.level as number) > 0 && (v.level as number) < 1)
  ) c.wrong(key(path, "level"), v.level, "a level in (0, 1)");
  c.string(key(path, "method"), v.method);
}

function checkScores(c: Checker, path: string, v: unknown): void {
  if (!c.object(path, v)) return;
  for (const k of ["precision", "recall", "f1"]) c.share(key(path, k), v[k]);
  c.integer(key(path, "support"), v.support);
}

/** Problems of a classifier's metrics (`ClassifierMetrics`) at `path` (`""` for the top). */
function checkClassifier(c: Checker, path: string, m: Json): void {
  const p = (k: string) => key(path, k);
  const accuracy = c.share(p("accuracy"), m.accuracy);
  const n = c.integer(p("n"), m.n);
  let correct = c.integer(p("correct"), m.correct);
  if (n && correct && (m.correct as number) > (m.n as number)) {
    correct = c.problem(`${p("correct")} ${m.correct} is more than n ${m.n}`);
  }
  if (
    accuracy && n && correct &&
    !isRatio(m.accuracy as number, m.correct as number, m.n as number)
  ) {
    c.problem(
      `${
        p("accuracy")
      } is ${m.accuracy}, not correct / n = ${m.correct} / ${m.n}`,
    );
  }
  checkInterval(c, p("wilson95"), m.wilson95);
  checkInterval(c, p("t95"), m.t95);
  if (m.validationAccuracy !== undefined && m.validationAccuracy !== null) {
    c.share(p("validationAccuracy"), m.validationAccuracy);
  }
  const names = c.names(p("classNames"), m.classNames);
  const k = names ? (m.classNames as string[]).length : -1;

  // The confusion matrix: square, one row per class name, counts summing to n.
  let rowSums: number[] | null = null;
  if (c.array(p("confusion"), m.confusion)) {
    const rows = m.confusion;
    let square = true;
    if (k >= 0 && rows.length !== k) {
      square = c.problem(
        `${
          p("confusion")
        } has ${rows.length} rows, not one per class name (${k})`,
      );
    }
    for (const [i, row] of rows.entries()) {
      if (!c.array(at(p("confusion"), i), row)) {
        square = false;
        continue;
      }
      const want = k >= 0 ? k : rows.length;
      if (row.length !== want) {
        square = c.problem(
          `${at(p("confusion"), i)} has ${row.length} counts, not ${want}${
            k >= 0 ? " (one per class name)" : ""
          }`,
        );
      }
      for (const [j, x] of row.entries()) {
        if (!c.integer(`${at(p("confusion"), i)}[${j}]`, x)) square = false;
      }
    }
    if (square) {
      const counts = rows as number[][];
      rowSums = counts.map((row) => row.reduce((a, b) => a + b, 0));
      const total = rowSums.reduce((a, b) => a + b, 0);
      const trace = counts.reduce((a, row, i) => a + row[i], 0);
      if (n && total !== m.n) {
        c.problem(`${p("confusion")} counts sum to ${total}, not n ${m.n}`);
      }
      if (correct && trace !== m.correct) {
        c.problem(
          `${
            p("confusion")
          } diagonal sums to ${trace}, not correct ${m.correct}`,
        );
      }
    }
  }

  // The classification report: one entry per class name.
  if (c.object(p("report"), m.report)) {
    const r = m.report;
    const q = (x: string) => key(p("report"), x);
    if (r.classNames !== undefined && names) {
      if (
        !Array.isArray(r.classNames) ||
        r.classNames.length !== k ||
        r.classNames.some((x, i) => x !== (m.classNames as string[])[i])
      ) {
        c.problem(
          `${q("classNames")} is ${
            describe(r.classNames)
          }, not the class names`,
        );
      }
    }
    if (c.array(q("perClass"), r.perClass)) {
      if (k >= 0 && r.perClass.length !== k) {
        c.problem(
          `${
            q("perClass")
          } has ${r.perClass.length} entries, not one per class name (${k})`,
        );
      }
      r.perClass.forEach((s, i) => {
        checkScores(c, at(q("perClass"), i), s);
        if (
          rowSums && i < rowSums.length && isObject(s) &&
          Number.isSafeInteger(s.support) && s.support !== rowSums[i]
        ) {
          c.problem(
            `${at(q("perClass"), i)}.support is ${s.support}, not the ${
              rowSums[i]
            } images of its confusion row`,
          );
        }
      });
    }
    checkScores(c, q("macroAvg"), r.macroAvg);
    checkScores(c, q("weightedAvg"), r.weightedAvg);
    if (r.accuracy !== undefined) c.share(q("accuracy"), r.accuracy);
  }

  if (m.valAccuracy !== undefined) c.share(p("valAccuracy"), m.valAccuracy);
}

/** A photo check's own fields (`PhotoCheckMetrics`) beyond a classifier's. */
function checkPhotoCheck(c: Checker, m: Json): void {
  c.string("modelRunId", m.modelRunId, true);
  const names = Array.isArray(m.classNames) &&
      m.classNames.every((x) => typeof x === "string")
    ? m.classNames as string[]
    : null;
  const confusion = Array.isArray(m.confusion) && names &&
      m.confusion.length === names.length &&
      m.confusion.every((row) =>
        Array.isArray(row) && row.length === names.length &&
        row.every((x) => Number.isSafeInteger(x))
      )
    ? m.confusion as number[][]
    : null;
  if (c.array("perClass", m.perClass)) {
    if (names && m.perClass.length !== names.length) {
      c.problem(
        `perClass has ${m.perClass.length} entries, not one per class name (${names.length})`,
      );
    }
    let total = 0;
    let totalCorrect = 0;
    let sums = true;
    for (const [i, e] of m.perClass.entries()) {
      const path = at("perClass", i);
      if (!c.object(path, e)) {
        sums = false;
        continue;
      }
      if (
        c.string(`${path}.className`, e.className) && names &&
        i < names.length && e.className !== names[i]
      ) {
        c.problem(
          `${path}.className is ${describe(e.className)}, not ${
            describe(names[i])
          } (the class names' order)`,
        );
      }
      const n = c.integer(`${path}.n`, e.n);
      let correct = c.integer(`${path}.correct`, e.correct);
      if (!n || !correct) {
        sums = false;
        continue;
      }
      const en = e.n as number;
      const ec = e.correct as number;
      total += en;
      totalCorrect += ec;
      if (ec > en) {
        correct = c.problem(`${path}.correct ${ec} is more than n ${en}`);
      }
      if (en === 0) {
        if (e.accuracy !== null) {
          c.wrong(`${path}.accuracy`, e.accuracy, "null (no photo)");
        }
        if (e.wilson95 !== null) {
          c.wrong(`${path}.wilson95`, e.wilson95, "null (no photo)");
        }
      } else {
        if (
          c.share(`${path}.accuracy`, e.accuracy) && correct &&
          !isRatio(e.accuracy as number, ec, en)
        ) {
          c.problem(
            `${path}.accuracy is ${e.accuracy}, not correct / n = ${ec} / ${en}`,
          );
        }
        checkInterval(c, `${path}.wilson95`, e.wilson95);
      }
      if (confusion && i < confusion.length) {
        const row = confusion[i].reduce((a, b) => a + b, 0);
        if (en !== row) {
          c.problem(`${path}.n is ${en}, not its confusion row's ${row}`);
        }
        if (ec !== confusion[i][i]) {
          c.problem(
            `${path}.correct is ${ec}, not its confusion diagonal's ${
              confusion[i][i]
            }`,
          );
        }
      }
    }
    if (sums && Number.isSafeInteger(m.n) && total !== m.n) {
      c.problem(`perClass n sum to ${total}, not n ${m.n}`);
    }
    if (sums && Number.isSafeInteger(m.correct) && totalCorrect !== m.correct) {
      c.problem(`perClass correct sum to ${totalCorrect}, not ${m.correct}`);
    }
  }
  if (c.array("misclassified", m.misclassified)) {
    m.misclassified.forEach((e, i) =>
      checkMistake(c, at("misclassified", i), e, names)
    );
    if (
      Number.isSafeInteger(m.n) && Number.isSafeInteger(m.correct) &&
      m.misclassified.length !== (m.n as number) - (m.correct as number)
    ) {
      c.problem(
        `misclassified lists ${m.misclassified.length} photos, not the ${
          (m.n as number) - (m.correct as number)
        } of n − correct`,
      );
    }
  }
}

/** One misclassified photo (`Misclassified`). */
function checkMistake(
  c: Checker,
  path: string,
  e: unknown,
  names: string[] | null,
): e is Json {
  if (!c.object(path, e)) return false;
  c.string(`${path}.id`, e.id);
  for (const k of ["trueClass", "predicted"]) {
    if (c.string(`${path}.${k}`, e[k]) && names && !names.includes(e[k])) {
      c.problem(`${path}.${k} ${describe(e[k])} is not one of the class names`);
    }
  }
  c.share(`${path}.confidence`, e.confidence);
  return true;
}

/** A combined-vs-hierarchical comparison (`ComparisonMetrics` of the report). */
function checkComparison(c: Checker, m: Json): void {
  const sizes: number[] = [];
  for (const approach of ["combined", "hierarchical"]) {
    const s = m[approach];
    if (!c.object(approach, s)) continue;
    const p = (k: string) => key(approach, k);
    if (c.integer(p("n"), s.n)) sizes.push(s.n as number);
    if (
      c.integer(p("points"), s.points) &&
      c.integer(p("maxPoints"), s.maxPoints) &&
      (s.points as number) > (s.maxPoints as number)
    ) {
      c.problem(
        `${p("points")} ${s.points} is more than maxPoints ${s.maxPoints}`,
      );
    }
    c.share(p("exactPathAccuracy"), s.exactPathAccuracy);
    if (c.object(p("perLevel"), s.perLevel)) {
      const levels = s.perLevel;
      if (levels.category !== undefined) {
        c.share(p("perLevel.category"), levels.category);
      }
      c.share(p("perLevel.gender"), levels.gender);
      c.share(p("perLevel.type"), levels.type);
    }
  }
  if (sizes.length === 2 && sizes[0] !== sizes[1]) {
    c.problem(
      `combined.n ${sizes[0]} and hierarchical.n ${
        sizes[1]
      } differ (the same images are compared)`,
    );
  }
  if (c.object("mcnemar", m.mcnemar)) {
    const t = m.mcnemar;
    const b = c.integer("mcnemar.b", t.b);
    const cc = c.integer("mcnemar.c", t.c);
    if (
      b && cc && sizes.length && (t.b as number) + (t.c as number) > sizes[0]
    ) {
      c.problem(
        `mcnemar.b + mcnemar.c is ${
          (t.b as number) + (t.c as number)
        }, more than the ${sizes[0]} images compared`,
      );
    }
    c.share("mcnemar.pValue", t.pValue);
    c.string("mcnemar.method", t.method);
    if (t.statistic !== undefined) c.finite("mcnemar.statistic", t.statistic);
  }
}

/** A multi-output run: one classifier's metrics per head (`MultiHeadMetrics` of the report). */
function checkMultiHead(c: Checker, m: Json): void {
  if (c.object("heads", m.heads)) {
    const entries = Object.entries(m.heads);
    if (!entries.length) c.problem("heads is empty");
    for (const [head, h] of entries) {
      if (c.object(key("heads", head), h)) {
        checkClassifier(c, key("heads", head), h);
      }
    }
  }
  if (m.averageAccuracy !== undefined) {
    c.share("averageAccuracy", m.averageAccuracy);
  }
  if (m.validation !== undefined && m.validation !== null) {
    if (c.object("validation", m.validation)) {
      for (const [k, v] of Object.entries(m.validation)) {
        if (v !== null) c.share(key("validation", k), v);
      }
    }
  }
}

/** Top-level numbers of metrics the report lists as they are: finite, accuracies in [0, 1]. */
function checkNumbers(c: Checker, m: Json): void {
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== "number") continue;
    if (/accuracy$/i.test(k)) c.share(k, v);
    else c.finite(k, v);
  }
}

/** Keys whose presence says the metrics are a classifier's. */
const CLASSIFIER_KEYS = [
  "confusion",
  "classNames",
  "report",
  "wilson95",
  "t95",
];

/**
 * What kind of `metrics.json` a run claims to hold, from its keys and its
 * run's tags and name (the report draws each kind its own way).
 */
export function metricsKind(
  metrics: Json,
  run: Pick<RunJson, "name" | "tags">,
):
  | "comparison"
  | "multi-head"
  | "photo-check"
  | "classifier"
  | "trial"
  | "other" {
  if (["combined", "hierarchical", "mcnemar"].some((k) => k in metrics)) {
    return "comparison";
  }
  if ("heads" in metrics) return "multi-head";
  if (run.tags?.check === "photos") return "photo-check";
  if (CLASSIFIER_KEYS.some((k) => k in metrics)) return "classifier";
  if (/ trial$/.test(run.name) && !("accuracy" in metrics)) return "trial";
  return "other";
}

/**
 * Problems of a complete run's `metrics.json`, checked as the kind it
 * claims to be ({@linkcode metricsKind}): a classifier's metrics, a photo
 * check's, a multi-output run's heads, a combined-vs-hierarchical
 * comparison, a search trial's validation accuracy, or (any other run)
 * an object whose numbers are finite and whose accuracies lie in [0, 1].
 */
export function validateMetrics(
  value: unknown,
  run: Pick<RunJson, "name" | "tags">,
): Problems {
  if (!isObject(value)) {
    return [`the file holds ${describe(value)}, not an object`];
  }
  const c = new Checker();
  switch (metricsKind(value, run)) {
    case "comparison":
      checkComparison(c, value);
      break;
    case "multi-head":
      checkMultiHead(c, value);
      checkNumbers(c, value);
      break;
    case "photo-check":
      checkClassifier(c, "", value);
      checkPhotoCheck(c, value);
      break;
    case "classifier":
      checkClassifier(c, "", value);
      checkNumbers(c, value);
      break;
    case "trial":
      c.share("valAccuracy", value.valAccuracy);
      checkNumbers(c, value);
      break;
    default:
      checkNumbers(c, value);
  }
  return [...new Set(c.problems)];
}

// ---------------------------------------------------- history and gallery

/**
 * Problems of a `history.json`: an array with one object per epoch whose
 * values are finite numbers (`null` is allowed: it is what JSON makes of a
 * NaN loss, and the curves skip it).
 */
export function validateHistory(value: unknown): Problems {
  if (!Array.isArray(value)) {
    return [`the file holds ${describe(value)}, not an array of epochs`];
  }
  const c = new Checker();
  value.forEach((epoch, i) => {
    if (!isObject(epoch)) {
      c.wrong(`epoch ${i + 1}`, epoch, "an object of numbers");
      return;
    }
    for (const [k, v] of Object.entries(epoch)) {
      if (v !== null) c.finite(`epoch ${i + 1}: ${k}`, v);
    }
  });
  return c.problems;
}

/**
 * Problems of a `misclassified.json` (a photo check's, or a test run's,
 * `lib/runs/gallery.ts`): an array of misclassified images, each with its
 * PNG thumbnail in base64, and where given a test index (a non-negative
 * integer), a head (a string) and the thumbnail's size (positive integers).
 * With `classNames` (per head for a multi-output run, keyed by head), the
 * true and predicted classes must be among them.
 */
export function validateGallery(
  value: unknown,
  classNames?: readonly string[] | Readonly<Record<string, readonly string[]>>,
): Problems {
  if (!Array.isArray(value)) {
    return [`the file holds ${describe(value)}, not an array of photos`];
  }
  const c = new Checker();
  value.forEach((e, i) => {
    const path = `photo ${i + 1}`;
    let names: string[] | null = null;
    if (Array.isArray(classNames)) names = [...classNames];
    else if (classNames && isObject(e) && typeof e.head === "string") {
      const mine = (classNames as Record<string, readonly string[]>)[e.head];
      if (mine) names = [...mine];
      else {c.problem(
          `${path}.head ${describe(e.head)} is not one of the heads`,
        );}
    }
    if (!checkMistake(c, path, e, names)) return;
    if (
      c.string(`${path}.png`, e.png, true) &&
      !/^[A-Za-z0-9+/]+={0,2}$/.test(e.png as string)
    ) c.problem(`${path}.png is not base64`);
    if (e.index !== undefined) c.integer(`${path}.index`, e.index);
    if (e.head !== undefined) c.string(`${path}.head`, e.head, true);
    for (const k of ["width", "height"]) {
      if (
        e[k] !== undefined && c.integer(`${path}.${k}`, e[k]) && e[k] === 0
      ) c.problem(`${path}.${k} is 0`);
    }
  });
  return c.problems;
}
