/**
 * `deno task reference save|check|times --profile P [--study ID] [--all]
 * [--replace] [--runs reports/runs] [--reference reports/reference]`:
 * keeps a profile's run records in the repository, compares reruns with
 * them and says what they cost (`lib/runs/reference.ts`,
 * `lib/runs/reference_check.ts`, `lib/runs/reference_times.ts`).
 *
 * - `save` copies the complete local runs of the profile into
 *   `reports/reference/<profile>/` without model weights (with `--replace`
 *   the reference becomes exactly the local runs); commit the folder.
 * - `check` prints, per run and headline metric, the local value, the
 *   reference's, the difference and the tolerance (identical on the
 *   machine and backend that made the reference; else the seed spread, or
 *   the 95% Wilson interval), then a summary line. Exit 1 when a run
 *   differs beyond its tolerance, a local run is not in the reference, or
 *   (with `--all`) a reference run was not made here.
 * - `times` prints, study by study and in total, the reference's runs, their
 *   wall-clock time summed, and the machines and backends they ran on.
 *
 * ```sh
 * deno task reference save --profile full
 * deno task reference check --profile smoke --all          # CI
 * deno task reference check --profile full --study 004     # after rerunning study 004
 * deno task reference times --profile full                 # what the full results took
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { describeMachine } from "../lib/runs/machine.ts";
import { readReferenceManifest, saveReference } from "../lib/runs/reference.ts";
import { referenceTimes, type StudyTime } from "../lib/runs/reference_times.ts";
import { formatHoursMinutes } from "../lib/train/progress.ts";
import {
  checkAgainstReference,
  checkPasses,
} from "../lib/runs/reference_check.ts";
import { TaskArgs } from "./args.ts";

const cli = new TaskArgs(
  "reference",
  "usage: deno task reference save|check|times --profile smoke|course|full [--study ID] [--all] [--replace] [--runs reports/runs] [--reference reports/reference]",
);
const { values, positionals } = cli.parse({
  allowPositionals: true,
  options: {
    profile: { type: "string" },
    study: { type: "string" },
    all: { type: "boolean", default: false },
    replace: { type: "boolean", default: false },
    runs: { type: "string", default: join("reports", "runs") },
    reference: { type: "string", default: join("reports", "reference") },
  },
});
const [command, ...extra] = positionals;
if (!["save", "check", "times"].includes(command) || extra.length) {
  cli.fail(
    `expected one command, save, check or times; got ${
      positionals.length ? positionals.join(" ") : "none"
    }`,
  );
}
const profile = cli.profile(values.profile);
/** HEAD's commit, `+changes` when the work tree differs from it; undefined outside git. */
async function workspaceCommit(): Promise<string | undefined> {
  const git = async (...args: string[]) => {
    const out = await new Deno.Command("git", { args, stderr: "null" })
      .output().catch(() => null);
    return out?.success ? new TextDecoder().decode(out.stdout).trim() : null;
  };
  const head = await git("rev-parse", "HEAD");
  if (!head) return undefined;
  const changes = await git("status", "--porcelain", "--untracked-files=no");
  return changes ? `${head}+changes` : head;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const points = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(2)}`;

try {
  if (command === "save") {
    cli.directory("runs", values.runs);
    const saved = await saveReference({
      runsRoot: values.runs,
      referenceRoot: values.reference,
      profile: profile.name,
      replace: values.replace,
      commit: await workspaceCommit(),
    });
    console.log(
      `reference: profile ${profile.name}: ${saved.added.length} added, ${saved.replaced.length} replaced, ${saved.removed.length} removed; ${saved.manifest.runs.length} runs, ${
        (saved.bytes / 2 ** 20).toFixed(1)
      } MiB copied -> ${join(values.reference, profile.name)}`,
    );
  } else if (command === "times") {
    const manifest =
      await readReferenceManifest(values.reference, profile.name) ??
        cli.fail(
          `no reference set at ${
            join(values.reference, profile.name)
          }; save one with deno task reference save --profile ${profile.name}`,
        );
    const { studies, total } = referenceTimes(manifest.runs);
    const row = (t: StudyTime) =>
      `| ${t.study} | ${t.runs} | ${formatHoursMinutes(t.seconds)} (${
        Math.round(t.seconds).toLocaleString("en-US")
      } s) | ${t.firstFinished.slice(0, 10)} – ${
        t.lastFinished.slice(0, 10)
      } | ${t.backends.join("; ")} | ${t.machines.join("; ")} |`;
    console.log(
      `reference times: profile ${profile.name}, ${manifest.runs.length} runs; each run's wall-clock seconds over all its sittings, summed`,
    );
    console.log(
      "| study | runs | training time | finished | backends | machines |",
    );
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const t of studies) console.log(row(t));
    console.log(row(total));
  } else {
    const result = await checkAgainstReference({
      runsRoot: values.runs,
      referenceRoot: values.reference,
      profile: profile.name,
      study: values.study,
    });
    console.log(
      `reference check: profile ${profile.name}${
        values.study ? `, study ${values.study}` : ""
      }; this machine: ${describeMachine(result.machine)}`,
    );
    for (const c of result.compared) {
      const verdict = c.sameSetting
        ? (c.identical ? "identical" : "DIFFERS (same machine and backend)")
        : (c.ok ? "within tolerance" : "OUTSIDE tolerance");
      console.log(`  ${c.ok ? "ok  " : "FAIL"} ${c.runId}: ${verdict}`);
      for (const m of c.metrics) {
        if (c.sameSetting && c.identical) continue;
        console.log(
          `         ${m.metric}: here ${pct(m.local)}, reference ${
            pct(m.reference)
          }, difference ${points(m.difference)} points, tolerance ±${
            (100 * m.tolerance).toFixed(2)
          } (${m.toleranceFrom})${m.within ? "" : " OUTSIDE"}`,
        );
      }
    }
    for (const id of result.notInReference) {
      console.log(
        `  FAIL ${id}: not in the reference (a new or changed run; save the reference on purpose if the change is meant)`,
      );
    }
    for (const id of result.missingHere) {
      console.log(
        `  ${
          values.all ? "FAIL" : "--  "
        } ${id}: in the reference, not run here`,
      );
    }
    const ok = checkPasses(result, values.all);
    const failed = result.compared.filter((c) => !c.ok).length;
    console.log(
      `reference check: ${result.compared.length - failed} passed, ${
        failed + result.notInReference.length +
        (values.all ? result.missingHere.length : 0)
      } failed; ${
        result.compared.filter((c) => c.identical).length
      } identical, ${result.notInReference.length} not in the reference, ${result.missingHere.length} not run here`,
    );
    if (!ok) Deno.exit(1);
  }
} catch (error) {
  console.error(`reference: ${(error as Error).message}`);
  Deno.exit(1);
}
