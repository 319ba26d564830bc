/**
 * lib/eval against scikit-learn and SciPy on fixed fixtures, to 1e-9.
 * The reference JSON is committed; where Debian's python3-sklearn is
 * installed, the test also regenerates it and checks it is current.
 */
import { fileURLToPath } from "node:url";
import {
  classificationReport,
  confusionMatrix,
  formatClassificationReport,
  normalizeConfusion,
} from "./metrics.ts";
import {
  studentTCdf,
  studentTQuantile,
  tInterval,
  wilsonInterval,
} from "./intervals.ts";
import { mcnemarChiSquare, mcnemarExact, mcnemarTest } from "./mcnemar.ts";

const here = (name: string) =>
  fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const fixtures = JSON.parse(await Deno.readTextFile(here("fixtures.json")));
const reference = JSON.parse(
  await Deno.readTextFile(here("sklearn_reference.json")),
);

function close(
  actual: number,
  expected: number,
  what: string,
  tolerance = 1e-9,
) {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(
      `${what}: got ${actual}, scikit-learn/SciPy gives ${expected}`,
    );
  }
}

Deno.test("classification report equals scikit-learn's (zero_division 0 and 1)", () => {
  fixtures.reports.forEach(
    (
      f: { name: string; classes: string[]; yTrue: number[]; yPred: number[] },
      i: number,
    ) => {
      for (const zd of [0, 1] as const) {
        const ours = classificationReport(f.yTrue, f.yPred, f.classes, {
          zeroDivision: zd,
        });
        const theirs = reference.reports[i][`zeroDivision${zd}`];
        f.classes.forEach((name, c) => {
          for (const key of ["precision", "recall", "f1", "support"] as const) {
            const sk = key === "f1" ? "f1-score" : key;
            close(
              ours.perClass[c][key],
              theirs[name][sk],
              `${f.name} zd=${zd} ${name} ${key}`,
            );
          }
        });
        // scikit-learn names it "micro avg" when a listed class is neither present
        // nor predicted; for single-label data micro-averaged precision is accuracy.
        close(
          ours.accuracy,
          theirs.accuracy ?? theirs["micro avg"].precision,
          `${f.name} accuracy`,
        );
        for (
          const [avg, sk] of [["macroAvg", "macro avg"], [
            "weightedAvg",
            "weighted avg",
          ]] as const
        ) {
          for (const key of ["precision", "recall", "f1", "support"] as const) {
            close(
              ours[avg][key],
              theirs[sk][key === "f1" ? "f1-score" : key],
              `${f.name} zd=${zd} ${sk} ${key}`,
            );
          }
        }
      }
    },
  );
});

Deno.test("confusion matrices and normalisations equal scikit-learn's", () => {
  fixtures.reports.forEach(
    (
      f: { name: string; classes: string[]; yTrue: number[]; yPred: number[] },
      i: number,
    ) => {
      const counts = confusionMatrix(f.yTrue, f.yPred, f.classes.length);
      const expected = reference.reports[i].confusion;
      for (const by of ["none", "true", "pred", "all"] as const) {
        const ours = by === "none" ? counts : normalizeConfusion(counts, by);
        ours.forEach((row, r) =>
          row.forEach((v, c) => {
            const sk = expected[by][r][c];
            close(v, sk === null ? 0 : sk, `${f.name} ${by} [${r}][${c}]`);
          })
        );
      }
    },
  );
});

Deno.test("Student t quantiles equal mpmath's to 1e-12", () => {
  fixtures.tQuantiles.forEach(([p, df]: [number, number], i: number) => {
    close(
      studentTQuantile(p, df),
      reference.tQuantiles[i],
      `t.ppf(${p}, ${df})`,
    );
  });
});

Deno.test("t quantile inverts the t CDF, also for fractional degrees of freedom", () => {
  for (const [p, df] of [[0.9, 3.5], [0.975, 0.7], [0.6, 40.25]]) {
    close(
      studentTCdf(studentTQuantile(p, df), df),
      p,
      `cdf(ppf(${p}, ${df}))`,
      1e-12,
    );
  }
});

Deno.test("Wilson intervals equal scipy's binomtest proportion_ci", () => {
  fixtures.proportions.forEach(([k, n]: [number, number], i: number) => {
    const ci = wilsonInterval(k, n);
    close(ci.low, reference.proportions[i].wilson[0], `wilson low ${k}/${n}`);
    close(ci.high, reference.proportions[i].wilson[1], `wilson high ${k}/${n}`);
  });
});

Deno.test("McNemar p-values equal SciPy's binomial and chi-square", () => {
  fixtures.mcnemar.forEach(([b, c]: [number, number], i: number) => {
    const ref = reference.mcnemar[i];
    close(mcnemarExact(b, c).pValue, ref.exactP, `exact p b=${b} c=${c}`);
    close(mcnemarChiSquare(b, c).statistic, ref.chi2, `chi2 b=${b} c=${c}`);
    close(mcnemarChiSquare(b, c).pValue, ref.chi2P, `chi2 p b=${b} c=${c}`);
  });
  const first = [true, true, true, false, true, true];
  const second = [false, false, true, false, true, false];
  const result = mcnemarTest(first, second);
  if (result.method !== "exact" || result.b !== 3 || result.c !== 0) {
    throw new Error(JSON.stringify(result));
  }
});

Deno.test("t interval: study 002's formula, clipped to [0, 1]", () => {
  // 18 of 20 right: mean 0.9, s = sqrt(0.9*0.1*20/19), t(0.975, 19) = 2.093024...
  const ci = tInterval(18, 20);
  const s = Math.sqrt(0.9 * 0.1 * 20 / 19);
  const half = studentTQuantile(0.975, 19) * s / Math.sqrt(20);
  close(ci.low, 0.9 - half, "low");
  close(ci.high, Math.min(1, 0.9 + half), "high");
  if (tInterval(20, 20).high !== 1 || tInterval(20, 20).low !== 1) {
    throw new Error("all correct gives [1, 1]");
  }
});

Deno.test("bad input gets a clear error", () => {
  const expectError = (fn: () => unknown, pattern: RegExp) => {
    try {
      fn();
    } catch (error) {
      if (pattern.test((error as Error).message)) return;
      throw error;
    }
    throw new Error(`no error matching ${pattern}`);
  };
  expectError(() => confusionMatrix([0, 1], [0], 2), /differ in length/);
  expectError(
    () => confusionMatrix([0, 3], [0, 1], 2),
    /out of range .* index 1/,
  );
  expectError(() => wilsonInterval(5, 3), /correct <= n/);
  expectError(() => tInterval(1, 1), /at least 2/);
});

Deno.test("the text report has scikit-learn's layout", () => {
  const f = fixtures.reports[0];
  const text = formatClassificationReport(
    classificationReport(f.yTrue, f.yPred, f.classes),
  );
  const lines = text.split("\n");
  if (!/precision\s+recall\s+f1-score\s+support/.test(lines[0])) {
    throw new Error(lines[0]);
  }
  if (
    !/^\s+accuracy\s+0\.70\s+10$/.test(
      lines.find((l) => l.includes("accuracy"))!,
    )
  ) throw new Error(text);
});

const sklearnHere = await new Deno.Command("/usr/bin/python3", {
  args: ["-c", "import sklearn, scipy, mpmath"],
  stdout: "null",
  stderr: "null",
}).output().then((o) => o.success).catch(() => false);
if (!sklearnHere) {
  console.log(
    "reference regeneration skipped: /usr/bin/python3 lacks sklearn, scipy or mpmath (apt-get install python3-sklearn python3-scipy python3-mpmath)",
  );
}

Deno.test({
  name: "the committed scikit-learn reference is current",
  ignore: !sklearnHere,
  fn: async () => {
    const out = await new Deno.Command("/usr/bin/python3", {
      args: [here("sklearn_reference.py")],
      stdout: "piped",
    }).output();
    const fresh = JSON.parse(new TextDecoder().decode(out.stdout));
    delete fresh.versions;
    const committed = { ...reference };
    delete committed.versions;
    if (JSON.stringify(fresh) !== JSON.stringify(committed)) {
      throw new Error(
        "lib/eval/testdata/sklearn_reference.json is stale: regenerate it (see the script's docstring)",
      );
    }
  },
});
