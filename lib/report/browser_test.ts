/**
 * The report in a real browser: headless Chromium (Debian's `chromium`)
 * opens the file from disk, logs nothing to the console (the report has no script), draws every chart's
 * marks, and saves a screenshot under reports/ for review. Skips, saying
 * why, where Chromium is not installed.
 */
import { join } from "node:path";
import { buildReportHtml, type ReportRun } from "./build.ts";
import { classifierMetrics } from "../experiments/classifier_run.ts";

const chromium = await new Deno.Command("chromium", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((o) => o.success).catch(() => false);
if (!chromium) {
  console.log(
    "report browser test skipped: chromium is not installed (apt-get install chromium)",
  );
}

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--enable-logging=stderr",
  "--v=0",
];

function sampleRun(): ReportRun {
  const classNames = ["Shoes", "Trousers&Jeans", "Glasses&Sunglasses"];
  const truth = [0, 0, 0, 1, 1, 1, 2, 2, 2, 0];
  const predicted = [0, 0, 1, 1, 1, 0, 2, 2, 1, 0];
  return {
    dir: "reports/runs/primary-s1",
    run: {
      id: "primary-s1",
      name: "Primary classification",
      params: {},
      seed: 1,
      dataset: {
        id: "fashion-product-images",
        fingerprint: "sha256:0123456789abcdef",
      },
      splits: { train: 30, validation: 10, test: 10 },
      backend: { name: "cpu", device: "CPU (2 cores)" },
      tags: { study: "000", profile: "smoke", standIn: "product photos" },
      status: "complete",
      versions: { "@tensorflow/tfjs-core": "4.22.0" },
      startedAt: "2026-01-01T00:00:00.000Z",
      files: [],
    },
    metrics: classifierMetrics(
      truth,
      predicted,
      classNames,
      0.8,
    ) as unknown as Record<string, unknown>,
    history: [{ loss: 1.1, val_loss: 1.2 }, { loss: 0.7, val_loss: 0.9 }, {
      loss: 0.5,
      val_loss: 0.8,
    }],
  };
}

Deno.test({
  name:
    "report in headless Chromium: no console messages, charts drawn, screenshot saved",
  ignore: !chromium,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "report_" });
    const file = join(dir, "index.html");
    await Deno.writeTextFile(file, buildReportHtml([sampleRun()], dir));
    const profile = join(dir, "profile");
    const dump = await new Deno.Command("chromium", {
      args: [
        ...FLAGS,
        `--user-data-dir=${profile}`,
        "--dump-dom",
        `file://${file}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dom = new TextDecoder().decode(dump.stdout);
    const log = new TextDecoder().decode(dump.stderr);
    // The report has no script: any console line at all is a fault.
    const consoleLines = log.split("\n").filter((l) => /:CONSOLE[:(]/.test(l));
    if (consoleLines.length) {
      throw new Error(`console output:\n${consoleLines.join("\n")}`);
    }
    const svgs = dom.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    if (svgs.length < 2) {
      throw new Error(`${svgs.length} charts in the rendered page`);
    }
    for (const svg of svgs.filter((s) => s.includes("plot-"))) {
      if (!/<(rect|path|circle)\b/.test(svg)) {
        throw new Error("a chart has no marks");
      }
    }
    const shot = join("reports", "report-test.png");
    await Deno.mkdir("reports", { recursive: true });
    const screenshot = await new Deno.Command("chromium", {
      args: [
        ...FLAGS,
        `--user-data-dir=${profile}`,
        `--screenshot=${shot}`,
        "--window-size=1280,1600",
        `file://${file}`,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!screenshot.success || (await Deno.stat(shot)).size < 10_000) {
      throw new Error(`no screenshot at ${shot}`);
    }
    await Deno.remove(dir, { recursive: true });
  },
});
