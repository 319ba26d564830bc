/**
 * Every published number is where `published.ts` says: the stated line of
 * the study's file holds the value as the study writes it.
 *
 * The study files are read from `../shared/studies/` beside the repository,
 * or from `$FASHION_STUDIES` when set.
 *
 * @module
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { FASHION_MNIST_CLASSES } from "../data/acquire/catalog.ts";
import {
  PUBLISHED,
  type PublishedNumber,
  publishedValue,
  STUDY_002_PUBLISHED,
  STUDY_004_CONFUSION_CELLS,
  STUDY_FILES,
  STUDY_TITLES,
} from "./published.ts";

const repoRoot = new URL("../../", import.meta.url);

/** Where a study file is: in `$FASHION_STUDIES`, else `../shared/studies/`. */
function studyPath(file: string): string | URL {
  const dir = Deno.env.get("FASHION_STUDIES");
  if (dir) return `${dir.replace(/\/+$/, "")}/${file}`;
  return new URL(`../shared/studies/${file}`, repoRoot);
}

const cache = new Map<string, string[]>();

/** A study file's lines (index 0 is line 1). */
function studyLines(study: string): string[] {
  const cached = cache.get(study);
  if (cached) return cached;
  const file = STUDY_FILES[study];
  assert(file, `STUDY_FILES names no file for study ${study}`);
  const path = studyPath(file);
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new Error(
      `Cannot read study ${study} at ${path} (set FASHION_STUDIES to the studies folder): ${e}`,
    );
  }
  const lines = text.split(/\r?\n/);
  cache.set(study, lines);
  return lines;
}

/** Line `line` (1-based) of a study's file. */
function studyLine(study: string, line: number): string {
  const lines = studyLines(study);
  assert(
    Number.isInteger(line) && line >= 1 && line <= lines.length,
    `study ${study}: line ${line} is not in its file (1..${lines.length})`,
  );
  return lines[line - 1];
}

/** `fraction` as a percentage number, without the sign: `76.2`, `76.20`, `76`. */
function percentNumbers(fraction: number): string[] {
  const forms = new Set<string>();
  for (const digits of [0, 1, 2]) {
    const text = (fraction * 100).toFixed(digits);
    // Only forms that are the value, not a rounding of it.
    if (Math.abs(Number(text) - fraction * 100) < 1e-9) forms.add(text);
  }
  return [...forms];
}

/**
 * The ways a study may write `value`: a count as is (`869`); a fraction as
 * a percentage with 0, 1 or 2 decimals (`76%`, `76.2%`, `76.20%`) or as the
 * decimal fraction (`0.762`, `1.0`).
 */
function valueForms(
  value: number,
  metric?: PublishedNumber["metric"],
): string[] {
  if (metric === "points") return [String(value)];
  const decimal = Number.isInteger(value) ? value.toFixed(1) : String(value);
  return [...percentNumbers(value).map((p) => `${p}%`), decimal];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether `form` occurs in `line` as a whole number (`6%` is not in `76%`). */
function occurs(line: string, form: string): boolean {
  return new RegExp(`(?<![\\d.])${escapeRegExp(form)}(?![\\d])`).test(line);
}

/** The first of `forms` found in `line`, or `undefined`. */
function found(line: string, forms: string[]): string | undefined {
  return forms.find((form) => occurs(line, form));
}

/** The ways a study may write a range: `27-33%`, `0.27-0.33`, with - or –. */
function rangeForms(low: number, high: number): string[] {
  const forms: string[] = [];
  for (const dash of ["-", "–"]) {
    for (const l of percentNumbers(low)) {
      for (const h of percentNumbers(high)) {
        forms.push(`${l}${dash}${h}%`, `${l}%${dash}${h}%`);
      }
    }
    forms.push(`${low}${dash}${high}`);
  }
  return forms;
}

/** Asserts that line `line` of `study` states `value`. */
function assertStated(
  study: string,
  line: number,
  value: number,
  metric: PublishedNumber["metric"] | undefined,
  what: string,
): void {
  const text = studyLine(study, line);
  const forms = valueForms(value, metric);
  assert(
    found(text, forms),
    `${what}: study ${study} line ${line} does not state ${
      forms.join(" or ")
    }:\n  ${text}`,
  );
}

/** Asserts that line `line` of `study` states the range `low`–`high`. */
function assertRange(
  study: string,
  line: number,
  low: number,
  high: number,
  what: string,
): void {
  const text = studyLine(study, line);
  const forms = rangeForms(low, high);
  assert(
    found(text, forms),
    `${what}: study ${study} line ${line} does not state the range ${
      forms[0]
    }:\n  ${text}`,
  );
  for (const [end, value] of [["low", low], ["high", high]] as const) {
    const ends = percentNumbers(value).concat(String(value));
    assert(
      found(text, ends),
      `${what}: study ${study} line ${line} does not state the ${end} end ${
        ends.join(" or ")
      }:\n  ${text}`,
    );
  }
}

const describe = (p: PublishedNumber) =>
  `${p.study} "${p.model}" ${p.metric} ${p.value}`;

Deno.test("valueForms: percentages with 0, 1 or 2 decimals and the fraction; counts as is", () => {
  assertEquals(valueForms(0.762, "test accuracy"), [
    "76.2%",
    "76.20%",
    "0.762",
  ]);
  assertEquals(valueForms(1, "validation accuracy"), [
    "100%",
    "100.0%",
    "100.00%",
    "1.0",
  ]);
  assertEquals(valueForms(0.9975, "test accuracy"), ["99.75%", "0.9975"]);
  assertEquals(valueForms(869, "points"), ["869"]);
  assert(occurs("**76.20%**", "76.20%"));
  assert(!occurs("**76.20%**", "76.2%"), "76.2% is not in 76.20%");
  assert(!occurs("**76%**", "6%"), "6% is not in 76%");
  assert(!occurs("0.762", "0.76"), "0.76 is not in 0.762");
  assert(found("27-33%", rangeForms(0.27, 0.33)));
  assert(!found("27-33%", rangeForms(0.27, 0.34)));
});

Deno.test("STUDY_FILES: a file for every study, each one readable", () => {
  assertEquals(
    Object.keys(STUDY_FILES).sort(),
    Object.keys(STUDY_TITLES).sort(),
  );
  for (const p of PUBLISHED) {
    assert(STUDY_FILES[p.study], `no file for study ${p.study}`);
  }
  for (const [study, file] of Object.entries(STUDY_FILES)) {
    assert(file.startsWith(`${study}_`), `${file} is not study ${study}'s`);
    assert(studyLines(study).length > 1, `${file} is empty`);
  }
});

Deno.test("PUBLISHED: every number is stated on its line of the study", () => {
  assert(PUBLISHED.length > 0);
  for (const p of PUBLISHED) {
    assertStated(p.study, p.line, p.value, p.metric, describe(p));
    if (p.interval) {
      assert(
        p.intervalLine !== undefined,
        `${describe(p)}: an interval without intervalLine`,
      );
      assertRange(
        p.study,
        p.intervalLine,
        p.interval.low,
        p.interval.high,
        `${describe(p)} interval`,
      );
    }
  }
});

Deno.test("PUBLISHED: the line gives the value to the model and metric", () => {
  for (const p of PUBLISHED.filter((p) => p.study === "000")) {
    const text = studyLine("000", p.line);
    if (p.metric === "points") {
      // "- Trouers&Jeans -> Combined Model: **869** points, ..." (sic).
      const category = p.model.startsWith("Shoes") ? "Shoes" : "Trouers&Jeans";
      const approach = p.model.endsWith("combined")
        ? "Combined"
        : "Hierarchical";
      assert(
        text.startsWith(`- ${category} -> `) &&
          text.includes(`${approach} Model: **${p.value}** points`),
        `${
          describe(p)
        }: line ${p.line} does not give it to ${category}, ${approach}:\n  ${text}`,
      );
    } else {
      // "- Trousers&Jeans_All -> Validation accuracy: **77.40%**, Test accuracy: **76.20%**"
      const label = p.metric === "test accuracy"
        ? "Test accuracy"
        : "Validation accuracy";
      const forms = valueForms(p.value, p.metric).map((f) =>
        `${label}: **${f}**`
      );
      assert(
        text.startsWith(`- ${p.model} -> `) &&
          forms.some((f) => text.includes(f)),
        `${describe(p)}: line ${p.line} does not say ${
          forms[0]
        } of ${p.model}:\n  ${text}`,
      );
    }
  }
  // "... an averaged accuracy of 96.2%, which includes a 99.2% accuracy for
  // masterCategory, 97.3% for subCategory and 92.1% for gender."
  for (const p of PUBLISHED.filter((p) => p.study === "003")) {
    const text = studyLine("003", p.line);
    const head = p.model.split(", ")[1];
    const forms = valueForms(p.value, p.metric);
    const ok = forms.some((f) => {
      const at = text.indexOf(f);
      if (at < 0) return false;
      if (!head) return text.slice(0, at).endsWith("averaged accuracy of ");
      const after = text.slice(at + f.length).split(/\d/)[0];
      return after.includes(` ${head}`);
    });
    assert(
      ok,
      `${describe(p)}: line ${p.line} does not give ${forms[0]} to ${
        head ?? "the average"
      }:\n  ${text}`,
    );
  }
  for (const p of PUBLISHED.filter((p) => p.study === "004")) {
    assert(
      /\baccuracy\b/.test(studyLine("004", p.line)),
      `${describe(p)}: line ${p.line} is not about accuracy`,
    );
  }
});

Deno.test("STUDY_002_PUBLISHED: test accuracy and range on the table's rows", () => {
  assert(STUDY_002_PUBLISHED.length > 0);
  for (const row of STUDY_002_PUBLISHED) {
    const what = `002 "${row.model}"`;
    if (row.testAccuracy === null) {
      assert(
        /\bNA\b/.test(studyLine("002", row.line)),
        `${what}: line ${row.line} does not say NA`,
      );
    } else {
      assertStated("002", row.line, row.testAccuracy, undefined, what);
    }
    assertRange(
      "002",
      row.intervalLine,
      row.interval.low,
      row.interval.high,
      `${what} interval`,
    );
  }
  // The table's columns are in the rows' order: the i-th value is the i-th row's.
  const cells = (line: number) =>
    studyLine("002", line).split("\t").map((c) => c.trim()).filter(Boolean);
  const test = cells(STUDY_002_PUBLISHED[0].line).slice(1);
  const ranges = cells(STUDY_002_PUBLISHED[0].intervalLine);
  assertEquals(test.length, STUDY_002_PUBLISHED.length);
  assertEquals(ranges.length, STUDY_002_PUBLISHED.length);
  STUDY_002_PUBLISHED.forEach((row, i) => {
    if (row.testAccuracy === null) assertEquals(test[i], "NA");
    else assert(found(test[i], valueForms(row.testAccuracy, undefined)));
    assert(
      found(ranges[i], rangeForms(row.interval.low, row.interval.high)),
      `002 "${row.model}": column ${i + 1} of the range row is ${ranges[i]}`,
    );
  });
});

Deno.test("PUBLISHED: study 002's entries take their table row's lines", () => {
  const entries = PUBLISHED.filter((p) => p.study === "002");
  const rows = STUDY_002_PUBLISHED.filter((r) => r.testAccuracy !== null);
  assertEquals(entries.length, rows.length);
  entries.forEach((p, i) => {
    assertEquals(p.value, rows[i].testAccuracy);
    assertEquals(p.line, rows[i].line);
    assertEquals(p.intervalLine, rows[i].intervalLine);
  });
});

Deno.test("publishedValue: the value, and a clear error for an unknown model", () => {
  for (const p of PUBLISHED) {
    const first = PUBLISHED.find((q) =>
      q.study === p.study && q.model === p.model && q.metric === p.metric
    )!;
    assertEquals(publishedValue(p.study, p.model, p.metric), first.value);
  }
  assertEquals(
    publishedValue("004", "Fashion-MNIST CNN", "test accuracy"),
    0.89,
  );
  assertEquals(
    publishedValue("000", "Trousers&Jeans_All", "validation accuracy"),
    0.774,
  );
  assertThrows(
    () => publishedValue("004", "Fashion-MNIST CNM", "test accuracy"),
    (e: unknown) =>
      e instanceof Error &&
      e.message.includes(`"Fashion-MNIST CNM"`) &&
      e.message.includes("study 004") &&
      e.message.includes("test accuracy"),
  );
  assertThrows(
    () => publishedValue("003", "Fashion-MNIST CNN", "test accuracy"),
    /No published test accuracy of "Fashion-MNIST CNN" in study 003/,
  );
});

Deno.test("STUDY_004_CONFUSION_CELLS: each count and its n stated on its line, with its classes", () => {
  assertEquals(STUDY_004_CONFUSION_CELLS.length, 4);
  const classes: readonly string[] = FASHION_MNIST_CLASSES;
  for (const c of STUDY_004_CONFUSION_CELLS) {
    const what =
      `${c.study} ${c.trueClass} -> ${c.predictedClass} ${c.count}/${c.n}`;
    assert(STUDY_FILES[c.study], `${what}: no file for study ${c.study}`);
    assert(classes.includes(c.trueClass), `${what}: unknown true class`);
    assert(classes.includes(c.predictedClass), `${what}: unknown class`);
    assert(Number.isInteger(c.count) && c.count >= 0 && c.count <= c.n);
    const text = studyLine(c.study, c.line);
    assert(
      occurs(text, String(c.count)),
      `${what}: line ${c.line} does not state ${c.count}:\n  ${text}`,
    );
    assert(
      occurs(text, String(c.n)),
      `${what}: line ${c.line} does not state ${c.n}:\n  ${text}`,
    );
    assert(
      text.includes(c.trueAs),
      `${what}: line ${c.line} does not name ${c.trueAs}:\n  ${text}`,
    );
    if (c.predictedClass !== c.trueClass) {
      // "... mis-classified as 'T-Shirt/Top' for 158 times."
      assert(
        text.includes(`as '${c.predictedAs}' for ${c.count} times`),
        `${what}: line ${c.line} does not give ${c.count} to ${c.predictedAs}:\n  ${text}`,
      );
    } else {
      assert(
        /correctly classified for (?:only )?\d+ times out of \d+|Out of \d+ instances, it is correctly classified for only \d+ times/
          .test(text),
        `${what}: line ${c.line} does not give a correct count:\n  ${text}`,
      );
    }
  }
  // The study's exact sentences, as quoted in the issue.
  assertEquals(
    STUDY_004_CONFUSION_CELLS.map((
      c,
    ) => [c.trueClass, c.predictedClass, c.count, c.line]),
    [
      ["Shirt", "Shirt", 650, 72],
      ["Shirt", "T-shirt/top", 158, 72],
      ["Trouser", "Trouser", 966, 75],
      ["Bag", "Bag", 966, 76],
    ],
  );
});
