/**
 * Damaged run records in the report: the sample records
 * (lib/testing/sample_records.ts) beside damaged copies of them. Each
 * damaged record is named, folder, file and reason, in the page's "Records
 * not shown" and on the task's stderr; folders that are not runs and runs
 * that are not complete stay out without a word; the sound records give
 * the page they gave without the damaged ones, byte for byte, apart from
 * the notes that point at the list. The task refuses a `--runs` folder that
 * does not exist (exit 2) and will not replace a report that holds runs
 * with one of 0 runs unless `--allow-empty` is given (exit 1, the old file
 * untouched).
 */
import { join } from "node:path";
import { writeSampleRecords } from "../testing/sample_records.ts";
import { buildReportHtml, readRunRecords, reportRunCount } from "./build.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const TASK = new URL("../../tasks/report.ts", import.meta.url).pathname;

/** Runs `deno task report` with `args`; its exit code, stdout and stderr. */
async function task(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TASK, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** A temporary workspace: `reports/runs` with the sample records. */
async function workspace() {
  const dir = await Deno.makeTempDir({ prefix: "not_shown_" });
  const reports = join(dir, "reports");
  const runs = join(reports, "runs");
  const ids = await writeSampleRecords(runs);
  const out = join(reports, "index.html");
  const args = (root = runs) => [
    "--runs",
    root,
    "--out",
    out,
    "--notebooks",
    join(dir, "notebooks"),
    "--executed",
    join(reports, "notebooks"),
    // The workspace's own reference folder (none): the repository's
    // committed reference records stay out of these reports.
    "--reference",
    join(reports, "reference"),
  ];
  return { dir, reports, runs, ids, out, args };
}

// deno-lint-ignore no-explicit-any
type Loose = any;

/**
 * Copies record `from` into folder `to` under `root` (its id made `to`),
 * then damages the copy: `run`, `metrics` and `gallery` edit the parsed
 * files, `files` overwrites (text) or deletes (null) files.
 */
async function damagedCopy(
  root: string,
  from: string,
  to: string,
  damage: {
    run?: (run: Loose) => void;
    metrics?: (metrics: Loose) => void;
    gallery?: (gallery: Loose) => void;
    files?: Record<string, string | null>;
  },
): Promise<void> {
  await Deno.mkdir(join(root, to));
  for (const entry of Deno.readDirSync(join(root, from))) {
    await Deno.copyFile(
      join(root, from, entry.name),
      join(root, to, entry.name),
    );
  }
  const edit = async (file: string, fn?: (value: Loose) => void) => {
    const path = join(root, to, file);
    const value = JSON.parse(await Deno.readTextFile(path));
    fn?.(value);
    await Deno.writeTextFile(path, JSON.stringify(value));
  };
  await edit("run.json", (r) => {
    r.id = to;
    damage.run?.(r);
  });
  if (damage.metrics) await edit("metrics.json", damage.metrics);
  if (damage.gallery) await edit("misclassified.json", damage.gallery);
  for (const [file, text] of Object.entries(damage.files ?? {})) {
    if (text === null) await Deno.remove(join(root, to, file));
    else await Deno.writeTextFile(join(root, to, file), text);
  }
}

interface Case {
  folder: string;
  file: string;
  reason: string;
}

/** Writes one damaged copy per kind of damage; returns what each must be listed with. */
async function damageAll(
  runs: string,
  ids: Awaited<ReturnType<typeof writeSampleRecords>>,
): Promise<Case[]> {
  const c = ids.classifier;
  const cases: [string, string, string, Parameters<typeof damagedCopy>[3]][] = [
    ["run-json-invalid", c, "run.json", {
      files: { "run.json": '{"id": "run-json-invalid", "name": ' },
    }],
    ["metrics-missing", c, "metrics.json", {
      files: { "metrics.json": null },
    }],
    ["metrics-invalid", c, "metrics.json", {
      files: { "metrics.json": "{accuracy: 0.8}" },
    }],
    ["accuracy-7-5", c, "metrics.json", { metrics: (m) => m.accuracy = 7.5 }],
    ["dataset-missing", c, "run.json", { run: (r) => delete r.dataset }],
    ["params-null", c, "run.json", { run: (r) => r.params = null }],
    ["confusion-ragged", c, "metrics.json", {
      metrics: (m) => m.confusion[3].pop(),
    }],
    ["history-shape", c, "history.json", {
      files: { "history.json": '{"loss": [1.5, 0.75], "acc": [0.5, 0.6]}' },
    }],
    ["gallery-invalid", ids.photoCheck, "misclassified.json", {
      files: { "misclassified.json": '[{"id": "photo_1.jpg", "png": ' },
    }],
    ["gallery-shape", ids.photoCheck, "misclassified.json", {
      files: { "misclassified.json": '{"photos": []}' },
    }],
    // Base64, as the record format asks, but not an image.
    ["gallery-not-png", ids.photoCheck, "misclassified.json", {
      gallery: (g) => g[0].png = btoa("not a png"),
    }],
  ];
  for (const [folder, from, , damage] of cases) {
    await damagedCopy(runs, from, folder, damage);
  }
  const reasons: Record<string, string> = {
    "run-json-invalid": "not valid JSON",
    "metrics-missing": "missing, though run.json says the run is complete",
    "metrics-invalid": "not valid JSON",
    "accuracy-7-5": "accuracy is 7.5, not a number in [0, 1]",
    "dataset-missing": "dataset is missing",
    "params-null": "params is null, not an object",
    "confusion-ragged":
      "confusion[3] has 9 counts, not 10 (one per class name)",
    "history-shape": "the file holds an object, not an array of epochs",
    "gallery-invalid": "not valid JSON",
    "gallery-shape": "the file holds an object, not an array of photos",
    "gallery-not-png": "is not a readable PNG",
  };
  return cases.map(([folder, , file]) => ({
    folder,
    file,
    reason: reasons[folder],
  }));
}

/** Folders that must stay out without a word. */
async function quietFolders(
  runs: string,
  classifier: string,
): Promise<string[]> {
  await Deno.mkdir(join(runs, "not-a-run"));
  await Deno.writeTextFile(join(runs, "not-a-run", "notes.txt"), "scratch");
  await damagedCopy(runs, classifier, "still-running", {
    run: (r) => r.status = "running",
    files: { "metrics.json": null, "history.json": "[" },
  });
  await damagedCopy(runs, classifier, "run-failed", {
    run: (r) => {
      r.status = "failed";
      r.error = "out of memory";
    },
    files: { "metrics.json": null },
  });
  return ["not-a-run", "still-running", "run-failed"];
}

const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

/** The page without what damaged records add to it (the list and the notes pointing at it). */
function withoutNotShown(html: string): string {
  return html
    .replace(/\n<section id="not-shown"[\s\S]*?<\/section>/, "")
    .replace(`<a href="#not-shown">Records not shown</a>`, "")
    .replace(
      /; <a href="#not-shown">\d+ records? not shown<\/a>: damaged or incomplete/,
      "",
    )
    .replaceAll(
      /\n<p class="note"><b>\d+ records? of this study (is|are) not shown<\/b>: see <a href="#not-shown">Records not shown<\/a>\.<\/p>/g,
      "",
    );
}

Deno.test("report: damaged records are listed with file and reason, on the page and on stderr; the rest is unchanged", async () => {
  const { dir, runs, ids, out, args } = await workspace();
  // The page from the sound records alone: no "Records not shown" at all.
  const clean = await task(...args());
  assert(clean.code === 0, clean.stderr);
  assert(clean.stderr === "", `stderr of a clean build: ${clean.stderr}`);
  const cleanHtml = await Deno.readTextFile(out);
  assert(!cleanHtml.includes("not-shown"), "no empty Records not shown");
  assert(!cleanHtml.includes("Records not shown"), "no empty section");

  const cases = await damageAll(runs, ids);
  const quiet = await quietFolders(runs, ids.classifier);
  const damaged = await task(...args());
  assert(damaged.code === 0, damaged.stderr);
  const html = await Deno.readTextFile(out);

  const start = html.indexOf(`<section id="not-shown"`);
  assert(start >= 0, "a Records not shown section");
  const list = html.slice(start, html.indexOf("</section>", start));
  assert(list.includes(">Records not shown</h2>"), "its heading");
  assert(
    html.includes(`<a href="#not-shown">Records not shown</a>`),
    "the nav links it",
  );
  assert(
    html.includes(`<a href="#not-shown">${cases.length} records not shown</a>`),
    "the summary line counts them",
  );
  const rows = list.match(/<tr>[\s\S]*?<\/tr>/g)!.slice(1);
  assert(
    rows.length === cases.length,
    `${rows.length} rows for ${cases.length} damaged records`,
  );
  const stderr = damaged.stderr.split("\n").filter(Boolean);
  for (const c of cases) {
    const row = rows.find((r) => r.includes(`<code>${c.folder}/</code>`));
    assert(row, `${c.folder} is listed`);
    assert(
      row.includes(`<code>${c.file}</code>`),
      `${c.folder}: file ${c.file} in ${row}`,
    );
    assert(
      row.includes(escapeHtml(c.reason)),
      `${c.folder}: reason "${c.reason}" in ${row}`,
    );
    assert(
      row.includes(`href="runs/${c.folder}/"`),
      `${c.folder}: links its folder`,
    );
    const line = `report: not shown: ${join(runs, c.folder, c.file)}: `;
    assert(
      stderr.some((l) => l.startsWith(line) && l.includes(c.reason)),
      `stderr names ${c.folder}/${c.file} and "${c.reason}":\n${damaged.stderr}`,
    );
  }
  assert(
    stderr.length === cases.length,
    `one stderr line per damaged record:\n${damaged.stderr}`,
  );
  for (const q of quiet) {
    assert(!html.includes(q), `${q} is not in the page`);
    assert(!damaged.stderr.includes(q), `${q} is not on stderr`);
  }
  assert(
    /report: 14 runs, 11 records not shown \(see stderr\)/.test(damaged.stdout),
    `summary: ${damaged.stdout}`,
  );
  // Study 004's section points at the list (the copies of its record).
  assert(
    html.includes(
      `<p class="note"><b>7 records of this study are not shown</b>`,
    ),
    "study 004 says how many of its records are not shown",
  );
  // The sound records give the same page as before, byte for byte.
  assert(
    withoutNotShown(html) === cleanHtml,
    "the sound records' page changed beside the damaged ones",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readRunRecords: sound runs, and the damaged files sorted by folder", async () => {
  const { dir, runs, ids, reports } = await workspace();
  const cases = await damageAll(runs, ids);
  await quietFolders(runs, ids.classifier);
  const { runs: sound, notShown } = await readRunRecords(runs);
  assert(sound.length === 14, `${sound.length} sound runs`);
  assert(
    notShown.map((p) => `${p.folder}/${p.file}`).join() ===
      cases.map((c) => `${c.folder}/${c.file}`).sort().join(),
    `not shown: ${notShown.map((p) => p.folder)}`,
  );
  const unreadable = notShown.find((p) => p.folder === "run-json-invalid")!;
  assert(
    unreadable.study === undefined,
    "no study from an unreadable run.json",
  );
  assert(
    notShown.find((p) => p.folder === "params-null")?.study === "004",
    "the study of a readable run.json",
  );
  // Without damaged records the option changes nothing.
  const plain = await buildReportHtml(sound, reports);
  assert(
    plain === await buildReportHtml(sound, reports, { notShown: [] }),
    "an empty list changes nothing",
  );
  assert(reportRunCount(plain) === 14, "reportRunCount reads the count");
  assert(reportRunCount("<p>hello</p>") === null, "not a report");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task report: a --runs folder that does not exist is a usage error; the old report stays", async () => {
  const { dir, out, args } = await workspace();
  const first = await task(...args());
  assert(first.code === 0, first.stderr);
  const before = await Deno.readFile(out);
  const typo = join(dir, "reports", "rnus");
  const run = await task(...args(typo));
  assert(run.code === 2, `exit ${run.code}: ${run.stderr}`);
  assert(
    run.stderr.includes(`report: --runs ${typo}: no such folder`),
    run.stderr,
  );
  assert(run.stderr.includes("usage: deno task report"), "the usage");
  const after = await Deno.readFile(out);
  assert(
    before.length === after.length && before.every((b, i) => b === after[i]),
    "the old report is untouched",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task report: 0 runs do not replace a report that holds runs unless --allow-empty", async () => {
  const { dir, out, args, ids, runs } = await workspace();
  const first = await task(...args());
  assert(first.code === 0, first.stderr);
  const before = await Deno.readTextFile(out);
  assert(reportRunCount(before) === 14, "a report of 14 runs");

  // An empty runs folder.
  const empty = join(dir, "empty");
  await Deno.mkdir(empty);
  const refused = await task(...args(empty));
  assert(refused.code === 1, `exit ${refused.code}: ${refused.stderr}`);
  assert(
    refused.stderr.includes(
      `refusing to replace ${out} (a report of 14 runs) with a report of 0 runs`,
    ) && refused.stderr.includes("--allow-empty") &&
      refused.stderr.includes(`no complete run record under ${empty}`),
    refused.stderr,
  );
  assert(await Deno.readTextFile(out) === before, "the old report stays");

  // A runs folder whose only record is damaged: named, and still refused.
  const broken = join(dir, "broken");
  await Deno.mkdir(broken);
  await Deno.rename(join(runs, ids.classifier), join(broken, ids.classifier));
  await Deno.writeTextFile(
    join(broken, ids.classifier, "metrics.json"),
    JSON.stringify({ accuracy: 7.5 }),
  );
  const brokenRun = await task(...args(broken));
  assert(brokenRun.code === 1, `exit ${brokenRun.code}`);
  assert(
    brokenRun.stderr.includes(
      `report: not shown: ${join(broken, ids.classifier, "metrics.json")}: `,
    ) && brokenRun.stderr.includes("1 not shown, named above"),
    brokenRun.stderr,
  );
  assert(await Deno.readTextFile(out) === before, "the old report stays");

  // --allow-empty writes it, listing the damaged record.
  const allowed = await task(...args(broken), "--allow-empty");
  assert(allowed.code === 0, allowed.stderr);
  const emptyHtml = await Deno.readTextFile(out);
  assert(reportRunCount(emptyHtml) === 0, "a report of 0 runs");
  assert(
    emptyHtml.includes(`<code>${ids.classifier}/</code>`) &&
      emptyHtml.includes("No run record could be shown"),
    "the damaged record is listed",
  );
  // A report of 0 runs may be replaced by another without the flag.
  const again = await task(...args(empty));
  assert(again.code === 0, again.stderr);
  assert(
    (await Deno.readTextFile(out)).includes("No complete runs yet"),
    "the plain empty page",
  );

  // No report yet: an empty one is written.
  await Deno.remove(out);
  const fresh = await task(...args(empty));
  assert(fresh.code === 0, fresh.stderr);
  assert(reportRunCount(await Deno.readTextFile(out)) === 0, "written");

  // A file that is not a report is not replaced by an empty one.
  await Deno.writeTextFile(out, "<p>my notes</p>");
  const notes = await task(...args(empty));
  assert(notes.code === 1, `exit ${notes.code}`);
  assert(
    notes.stderr.includes("a file that is not an empty report"),
    notes.stderr,
  );
  assert(await Deno.readTextFile(out) === "<p>my notes</p>", "untouched");
  await Deno.remove(dir, { recursive: true });
});
