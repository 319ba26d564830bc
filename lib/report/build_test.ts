/**
 * The report, built from real run records (one epoch on real Fashion-MNIST
 * images): deterministic, self-contained, with the published number beside
 * ours and a drawn confusion matrix.
 */
import { join } from "node:path";
import { selectBackend } from "../backend.ts";
import { getProfile } from "../profiles.ts";
import { buildFashionMnistCnn } from "../models/fashion_mnist_cnn.ts";
import { runClassifier } from "../execute/classifier_run.ts";
import { fashionMnistPerClass } from "../testing/real_samples.ts";
import { buildReportHtml, readCompleteRuns } from "./build.ts";

Deno.test({
  name:
    "report from real run records: deterministic, offline, published beside ours, charts drawn",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const backend = await selectBackend("wasm");
    const root = await Deno.makeTempDir({ prefix: "runs_" });
    const [train, validation, test] = await Promise.all([
      fashionMnistPerClass(6, 0),
      fashionMnistPerClass(2, 6),
      fashionMnistPerClass(3, 8),
    ]);
    await runClassifier({
      name: "Study 004 Fashion-MNIST CNN",
      study: "004",
      build: (seed) => buildFashionMnistCnn({ seed }),
      params: {},
      data: { train, validation, test, classNames: train.classNames },
      dataset: { id: "fashion-mnist", fingerprint: "sha256:test" },
      profile: getProfile("smoke"),
      seed: 3,
      backend,
      runsRoot: root,
    });
    const runs = await readCompleteRuns(root);
    if (runs.length !== 1) throw new Error(`${runs.length} runs read`);
    const first = await buildReportHtml(runs, join(root, ".."));
    const second = await buildReportHtml(
      await readCompleteRuns(root),
      join(root, ".."),
    );
    if (first !== second) {
      throw new Error("two builds from the same records differ");
    }
    for (
      const expected of [
        "Study 004",
        "89.0%",
        "test accuracy",
        "95% Wilson",
        "confusion matrix",
        "T-shirt/top",
      ]
    ) {
      if (!first.includes(expected)) {
        throw new Error(`report lacks "${expected}"`);
      }
    }
    if (/<script[^>]*\ssrc|https?:\/\/(?!www\.w3\.org)/.test(first)) {
      throw new Error("report is not self-contained");
    }
    const svgs = first.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    const confusion = svgs.find((s) => (s.match(/<rect/g) ?? []).length >= 100);
    if (!confusion) {
      throw new Error("no confusion matrix with 10 x 10 cells drawn");
    }
    await Deno.remove(root, { recursive: true });
  },
});
