/**
 * No result of ours typed into notebook prose. Our numbers change with the
 * profile, the seed and the data, so a notebook's Markdown cells may not
 * state them: a code cell renders them from the run records instead
 * (`showMarkdown`). Checked on the committed notebooks: every percentage in
 * a Markdown cell is one of the studies' published numbers
 * (`lib/published/published.ts`), written as the notebooks write them
 * (exactly: `99.75%`, `76.2%`, `89%` or `89.0%`, `30%`; or with one decimal
 * as `formatPercent` rounds it: `75.1%` for 0.7512), or a range that is a
 * published interval (`85–100%`), unless an entry of {@linkcode ALLOWED}
 * (a percentage that is a definition, not a result) covers it.
 *
 * A percentage that happens to equal a published number passes (`95%` is
 * study 002's VGG16 v2); numbers without a `%` (counts, p-values, losses)
 * are not checked.
 */
import { join } from "node:path";
import { PUBLISHED } from "../published/published.ts";
import { formatPercent } from "../eval/format.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Percentages in notebook prose that are not results, each with its reason. */
interface Allowed {
  /** The notebooks (file names without `.ipynb`) where it may appear. */
  notebooks: string[] | "every notebook";
  /** The text around the percentage (whitespace in the cell counts as one space). */
  pattern: RegExp;
  /** Why it is not a result. */
  reason: string;
}

/**
 * The allowlist: small on purpose, each entry with the notebook it belongs
 * to and why its percentage is not a result of ours. Every entry must still
 * match its notebooks (a stale entry fails the test).
 */
export const ALLOWED: Allowed[] = [
  {
    notebooks: "every notebook",
    pattern:
      /95% (?:Wilson|confidence|t-based|intervals?|range)|(?:Wilson|t-based|Separate) 95% intervals?/,
    reason: "the confidence level of an interval",
  },
  {
    notebooks: ["02_shoe_orientation"],
    pattern: /A difference under 5% of the shoe's/,
    reason: "a threshold of the facing detector (`shoeFacing`), a definition",
  },
  {
    notebooks: ["03_primary_classification"],
    pattern: /\(0% top, 100% bottom\)/,
    reason: "the two ends of a position scale (where an object's centre is)",
  },
  {
    notebooks: ["04_glasses"],
    pattern: /one-class "classifier" would score 100%/,
    reason: "what a one-class model scores by definition, not a measurement",
  },
  {
    notebooks: ["10_multi_output"],
    pattern: /the opening sentence says 94\.1%/,
    reason:
      "study 003's text states a second average in its opening sentence; quoted to show that it contradicts its results (96.2%, the number in published.ts)",
  },
  {
    notebooks: ["11_transfer_learning"],
    pattern:
      /hold out 20% of the images \(600\)|per class a seeded 20% test set/,
    reason: "study 002's protocol: the share of the images held out for test",
  },
  {
    notebooks: ["11_transfer_learning"],
    pattern: /top-1 about 60%, VGG16 about 71%/,
    reason:
      "the pretrained bases' ImageNet top-1 accuracies (their published model cards), not a study's result or ours",
  },
  {
    notebooks: ["11_transfer_learning"],
    pattern: /zoom up to 10%/,
    reason: "an augmentation range (`augmentBatch`), a setting",
  },
  {
    notebooks: ["11_transfer_learning"],
    pattern: /the text gives 72–78% for VGG16 v1/,
    reason:
      "study 002's text gives another range than its table (75–78%, the one in published.ts); quoted to show the discrepancy",
  },
];

/**
 * `value` (a fraction) as the notebooks may write it: exactly, with or
 * without trailing zeros (`99.75`, `89`, `89.0`), or with one decimal as
 * `formatPercent` writes it (`75.1` for 0.7512).
 */
function spellings(value: number): string[] {
  const x = 100 * value;
  let decimals = 0;
  while (decimals < 4 && Math.abs(Number(x.toFixed(decimals)) - x) > 1e-9) {
    decimals++;
  }
  const out = new Set([formatPercent(value).replace(/%$/, "")]);
  for (let d = decimals; d <= Math.max(decimals, 2); d++) {
    out.add(x.toFixed(d));
  }
  return [...out];
}

/** Published accuracies as percentages (`76.2`), and published intervals (`85–100`). */
const PUBLISHED_VALUES = new Set(
  PUBLISHED.filter((p) => p.metric !== "points").flatMap((p) =>
    spellings(p.value)
  ),
);
const PUBLISHED_RANGES = new Set(
  PUBLISHED.flatMap((p) =>
    p.interval
      ? spellings(p.interval.low).flatMap((low) =>
        spellings(p.interval!.high).map((high) => `${low}–${high}`)
      )
      : []
  ),
);

const RANGE = /(?<![\d.])(\d+(?:\.\d+)?)%?\s*[–-]\s*(\d+(?:\.\d+)?)\s?%/g;
const SINGLE = /(?<![\d.])(\d+(?:\.\d+)?)\s?%/g;

interface Notebook {
  cells: { cell_type: string; source: string | string[] }[];
}

const textOf = (source: string | string[]) =>
  (Array.isArray(source) ? source.join("") : source).replace(/\s+/g, " ");

const appliesTo = (entry: Allowed, name: string) =>
  entry.notebooks === "every notebook" || entry.notebooks.includes(name);

/**
 * The percentages in a notebook's Markdown cells that are neither published
 * numbers nor allowed, as `<notebook> cell <i>: "<percentage>" in "…"`.
 */
export function proseProblems(name: string, notebook: Notebook): string[] {
  const problems: string[] = [];
  notebook.cells.forEach((cell, i) => {
    if (cell.cell_type !== "markdown") return;
    const text = textOf(cell.source);
    const covered: [number, number][] = [];
    for (const entry of ALLOWED.filter((e) => appliesTo(e, name))) {
      for (const m of text.matchAll(new RegExp(entry.pattern.source, "g"))) {
        covered.push([m.index, m.index + m[0].length]);
      }
    }
    const inside = (start: number, end: number) =>
      covered.some(([a, b]) => start >= a && end <= b);
    const report = (start: number, end: number) => {
      if (inside(start, end)) return;
      const context = text.slice(Math.max(0, start - 40), end + 20).trim();
      problems.push(
        `${name} cell ${i}: "${text.slice(start, end)}" in "…${context}…"`,
      );
    };
    const ranges: [number, number][] = [];
    for (const m of text.matchAll(RANGE)) {
      const end = m.index + m[0].length;
      ranges.push([m.index, end]);
      if (!PUBLISHED_RANGES.has(`${m[1]}–${m[2]}`)) report(m.index, end);
    }
    for (const m of text.matchAll(SINGLE)) {
      const end = m.index + m[0].length;
      if (ranges.some(([a, b]) => m.index >= a && end <= b)) continue;
      if (!PUBLISHED_VALUES.has(m[1])) report(m.index, end);
    }
  });
  return problems;
}

/** The notebooks of a folder, by name without `.ipynb`. */
function readNotebooks(dir: string): [string, Notebook][] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
    .map((e) => e.name)
    .sort()
    .map((file) => [
      file.replace(/\.ipynb$/, ""),
      JSON.parse(Deno.readTextFileSync(join(dir, file))) as Notebook,
    ]);
}

/** Every problem of every notebook in `dir`. */
function checkFolder(dir: string): string[] {
  return readNotebooks(dir).flatMap(([name, nb]) => proseProblems(name, nb));
}

const NOTEBOOKS = new URL("../../notebooks/", import.meta.url).pathname;

Deno.test("notebook prose: every percentage is a published number or an allowed definition", () => {
  const problems = checkFolder(NOTEBOOKS);
  assert(
    problems.length === 0,
    `Markdown cells state numbers that are not published (render them from the runs with showMarkdown, or add a definition to ALLOWED in lib/notebooks/prose_numbers_test.ts with its reason):\n  ${
      problems.join("\n  ")
    }`,
  );
});

Deno.test("notebook prose: every allowlist entry still matches its notebooks", () => {
  const notebooks = readNotebooks(NOTEBOOKS);
  const markdown = new Map(
    notebooks.map(([name, nb]) => [
      name,
      nb.cells.filter((c) => c.cell_type === "markdown").map((c) =>
        textOf(c.source)
      ),
    ]),
  );
  const stale: string[] = [];
  for (const entry of ALLOWED) {
    assert(entry.reason.length > 10, `${entry.pattern}: give a reason`);
    const names = entry.notebooks === "every notebook"
      ? [...markdown.keys()]
      : entry.notebooks;
    const matching = names.filter((n) =>
      (markdown.get(n) ?? []).some((t) => entry.pattern.test(t))
    );
    const missing = entry.notebooks === "every notebook"
      ? (matching.length ? [] : ["any notebook"])
      : names.filter((n) => !matching.includes(n));
    if (missing.length) stale.push(`${entry.pattern} in ${missing.join(", ")}`);
  }
  assert(stale.length === 0, `stale allowlist entries: ${stale.join("; ")}`);
});

/** A notebook of one Markdown cell and one code cell. */
const notebookWith = (markdown: string, code = "await show('x');") =>
  JSON.stringify({
    cells: [
      {
        cell_type: "markdown",
        metadata: {},
        source: markdown.split(/(?<=\n)/),
      },
      {
        cell_type: "code",
        execution_count: null,
        metadata: {},
        outputs: [],
        source: [code],
      },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  });

Deno.test("notebook prose: a made-up result in a temporary notebook fails the check", async () => {
  const dir = await Deno.makeTempDir({ prefix: "prose_numbers_" });
  try {
    const write = (name: string, markdown: string, code?: string) =>
      Deno.writeTextFile(
        join(dir, `${name}.ipynb`),
        notebookWith(markdown, code),
      );
    // Published numbers, their intervals, definitions: fine.
    await write(
      "20_fine",
      "The study's **99.75%** (99.8%) test and 76.2% validation, 75.1%; 89%\n" +
        "(89.0% in the table); the basic CNN's 30%; VGG16 v2's range 85–100%,\n" +
        "v1's 75–78%. Each with n and a 95% Wilson\ninterval.",
      "await showMarkdown(`ours: 83.1%`);",
    );
    assert(
      checkFolder(dir).length === 0,
      `false alarms: ${checkFolder(dir).join("; ")}`,
    );
    // Results of ours typed into prose: found, each one.
    await write(
      "21_typed",
      "At `course` our model reaches **83.1%** (95% t: 81.5–91.6%), and\n" +
        "the study's 99.7% is mistyped.",
    );
    // An allowed definition of another notebook is not allowed here.
    await write("22_elsewhere", "Shifts and zoom up to 10%.");
    const problems = checkFolder(dir);
    const found = (s: string) => problems.some((p) => p.includes(s));
    assert(problems.length === 4, `problems: ${problems.join("; ")}`);
    assert(found(`21_typed cell 0: "83.1%"`), "the made-up accuracy");
    assert(found(`21_typed cell 0: "81.5–91.6%"`), "the made-up interval");
    assert(found(`21_typed cell 0: "99.7%"`), "a published number mistyped");
    assert(found(`22_elsewhere cell 0: "10%"`), "allowlisted per notebook");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
