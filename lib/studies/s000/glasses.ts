/**
 * Study 000's Glasses-vs-Sunglasses model (`Glasses&Sunglasses`: kernel size
 * 5, 64 filters; published 96.4% validation, 95.6% test accuracy), trained
 * only when there is data for both classes.
 *
 * {@link decideGlasses} looks for the fashion-shop authors' glasses arrays
 * in `datasetDir("fashion-shop")` (any of the names they circulate under,
 * see {@link GLASSES_FILE_STEMS}); with all three splits present and both
 * classes in the training file it says `train`. Otherwise it says `skip`
 * and proves why from the public stand-in: the product photos' `styles.csv`
 * mapped onto the label tree (lib/data/labels/style_rules.ts) has Sunglasses and no
 * optical Glasses, so a two-class model cannot be trained on it.
 * {@link trainGlasses} then trains the study's model through
 * `runClassifier`.
 *
 * @example
 * ```ts
 * const decision = await decideGlasses();
 * if (decision.kind === "train") await trainGlasses(lab, decision);
 * else console.log(decision.reason, decision.standInCounts);
 * ```
 *
 * @module
 */
import type { LabContext } from "../../runs/lab_context.ts";
import { join } from "node:path";
import { createRng, shuffleInPlace } from "../../random.ts";
import { datasetDir, readFingerprint } from "../../data/acquire/fingerprint.ts";
import {
  type FashionArrays,
  readFashionNpz,
  type SplitTitle,
} from "../../data/formats/npz.ts";
import { GLASSES_TYPES, TAXONOMY } from "../../data/labels/label_tree.ts";
import { mapStyleRow } from "../../data/labels/style_rules.ts";
import { readStylesCsv } from "../../data/labels/styles_csv.ts";
import { buildStudyCnn, type StudyCnnOptions } from "../../models/study_cnn.ts";
import {
  classifierRunId,
  type ClassifierRunResult,
  type ClassifierRunSpec,
  runClassifier,
} from "../../execute/classifier_run.ts";
import { selectBackend } from "../../backend.ts";
import type { RunJob } from "../../execute/executor.ts";
import {
  checkJobData,
  dispatchModelRuns,
  type ModelJobArgs,
} from "../../execute/model_jobs.ts";
import { splitSizes } from "../../execute/classifier_run.ts";
import { DEFAULT_RUNS_ROOT } from "../../runs/record.ts";
import type { LabelledArrays } from "../../data/labelled_arrays.ts";
import { gatherRows } from "./data.ts";
import { existsOrFalse as exists } from "../../io/exists.ts";

/** The study's best hyperparameters for the glasses model. */
export const GLASSES_MODEL: {
  name: string;
  options: Partial<StudyCnnOptions>;
} = {
  name: "Glasses&Sunglasses",
  options: { architecture: "dense", kernelSize: 5, filters: 64 },
};

/**
 * File-name stems the glasses arrays go by, tried in order:
 * `<stem> - <Split>.npz`. The authors' notebooks load
 * `Glasses & Sunglasses - Train.npz`; this workspace's conversion writes
 * `Glasses & Sunglasses - All - Train.npz`; copies also circulate as
 * `Glasses - All - Train.npz`.
 */
export const GLASSES_FILE_STEMS = [
  "Glasses & Sunglasses",
  `${TAXONOMY["Glasses&Sunglasses"].fileName} - All`,
  "Glasses - All",
] as const;

const SPLITS: SplitTitle[] = ["Train", "Validation", "Test"];

/** Images per class. */
export type ClassCounts = Record<string, number>;

/** What {@link decideGlasses} decided, and the evidence. */
export type GlassesDecision =
  | {
    kind: "train";
    /** The folder holding the arrays. */
    dir: string;
    /** Paths of the Train, Validation and Test files. */
    files: Record<SplitTitle, string>;
    /** Images per class in the training file. */
    trainCounts: ClassCounts;
    /** Why. */
    reason: string;
  }
  | {
    kind: "skip";
    /** Why, in one sentence. */
    reason: string;
    /** Where the original arrays were looked for. */
    lookedIn: string;
    /** Images per class in the original training file, when one was found. */
    trainCounts?: ClassCounts;
    /** Images per glasses type in the stand-in after the taxonomy mapping (every type listed, 0 included). */
    standInCounts: ClassCounts | null;
    /** `styles.csv` article types that mapped onto Glasses&Sunglasses, with counts. */
    standInSources: ClassCounts | null;
  };

/** Where {@link decideGlasses} looks (defaults: the installed datasets). */
export interface GlassesLocations {
  /** Folder of the authors' arrays (default `datasetDir("fashion-shop")`). */
  originalDir?: string;
  /** The stand-in's label file (default `datasetDir("fashion-product-images")/styles.csv`). */
  stylesCsv?: string;
}

function countLabels(labels: readonly (string | number)[]): ClassCounts {
  const counts: ClassCounts = {};
  for (const l of labels) counts[String(l)] = (counts[String(l)] ?? 0) + 1;
  return counts;
}

/**
 * Images per glasses type in the stand-in: every `styles.csv` row mapped
 * onto the tree, counted for `Glasses&Sunglasses` (each type of the tree
 * listed, with 0 where none map there), and the source article types.
 */
export async function standInGlassesCounts(
  stylesCsv: string,
): Promise<{ counts: ClassCounts; sources: ClassCounts }> {
  const styles = await readStylesCsv(stylesCsv);
  const counts: ClassCounts = Object.fromEntries(
    GLASSES_TYPES.map((t) => [t, 0]),
  );
  const sources: ClassCounts = {};
  for (const row of styles.rows) {
    const mapped = mapStyleRow(row);
    if (
      mapped.kind !== "label" ||
      mapped.label.category !== "Glasses&Sunglasses"
    ) continue;
    counts[mapped.label.type]++;
    const source = `${row.subCategory}/${row.articleType}`;
    sources[source] = (sources[source] ?? 0) + 1;
  }
  return { counts, sources };
}

/**
 * Decides whether the Glasses-vs-Sunglasses model can be trained (see the
 * module docs). Never throws for missing data: a missing stand-in label file
 * gives `standInCounts: null`.
 */
export async function decideGlasses(
  locations: GlassesLocations = {},
): Promise<GlassesDecision> {
  const originalDir = locations.originalDir ?? datasetDir("fashion-shop");
  const stylesCsv = locations.stylesCsv ??
    join(datasetDir("fashion-product-images"), "styles.csv");
  let trainCounts: ClassCounts | undefined;
  let reason =
    `the original fashion-shop glasses arrays are not installed in ${originalDir}`;
  for (const stem of GLASSES_FILE_STEMS) {
    const files = Object.fromEntries(
      SPLITS.map((s) => [s, join(originalDir, `${stem} - ${s}.npz`)]),
    ) as Record<SplitTitle, string>;
    const present = await Promise.all(SPLITS.map((s) => exists(files[s])));
    if (!present.some(Boolean)) continue;
    if (!present.every(Boolean)) {
      reason = `incomplete glasses arrays in ${originalDir}: missing ${
        SPLITS.filter((_, i) => !present[i]).map((s) => `${stem} - ${s}.npz`)
          .join(", ")
      }`;
      break;
    }
    trainCounts = countLabels((await readFashionNpz(files.Train)).labels);
    const classes = Object.keys(trainCounts).length;
    if (classes >= 2) {
      return {
        kind: "train",
        dir: originalDir,
        files,
        trainCounts,
        reason: `the original arrays (${stem} - Train/Validation/Test.npz) ` +
          `hold ${classes} classes`,
      };
    }
    reason = `${files.Train} holds only one class (${
      Object.keys(trainCounts).join(", ") || "no images"
    })`;
    break;
  }
  let standInCounts: ClassCounts | null = null;
  let standInSources: ClassCounts | null = null;
  if (await exists(stylesCsv)) {
    const s = await standInGlassesCounts(stylesCsv);
    standInCounts = s.counts;
    standInSources = s.sources;
    const missing = GLASSES_TYPES.filter((t) => s.counts[t] === 0);
    if (missing.length) {
      reason += `; the public stand-in maps no images to ${
        missing.join(", ")
      } (${
        GLASSES_TYPES.map((t) => `${t} ${s.counts[t]}`).join(", ")
      }), so a two-class model cannot be trained on it`;
    }
  }
  return {
    kind: "skip",
    reason,
    lookedIn: originalDir,
    trainCounts,
    standInCounts,
    standInSources,
  };
}

/** Class names of the arrays: the tree's strings, or the authors' integer codes as text. */
function classNamesOf(labels: readonly (string | number)[]): string[] {
  const names = [...new Set(labels.map(String))];
  return names.every((n) => /^\d+$/.test(n))
    ? names.sort((a, b) => Number(a) - Number(b))
    : names.sort();
}

/** Seeded choice of at most `limit` images per class, in file order. */
function pick(
  arrays: FashionArrays,
  classNames: string[],
  limit: number | null,
  seed: number,
): LabelledArrays {
  const byClass = new Map<string, number[]>();
  arrays.labels.forEach((l, i) => {
    const key = String(l);
    if (!classNames.includes(key)) return;
    byClass.set(key, [...(byClass.get(key) ?? []), i]);
  });
  const rng = createRng(seed);
  const rows = [...byClass.keys()].sort().flatMap((k) => {
    const all = shuffleInPlace(byClass.get(k)!, rng);
    return limit === null ? all : all.slice(0, limit);
  }).sort((a, b) => a - b);
  return gatherRows(
    arrays,
    rows,
    (r) => classNames.indexOf(String(arrays.labels[r])),
  );
}

/** The builder of the glasses model's job (`tasks/job_runners.ts`); executors name it. */
export const GLASSES_JOBS = "Study 000 glasses model";

/** What a glasses job needs beyond the common arguments (its `ModelJobArgs.model`). */
export interface GlassesJob {
  /** The `train` decision (the arrays' paths). */
  decision: Extract<GlassesDecision, { kind: "train" }>;
}

/** The glasses model's run on the decision's arrays, at the context's profile and seed. */
async function glassesRunSpec(
  context: LabContext,
  decision: Extract<GlassesDecision, { kind: "train" }>,
  fingerprint: string,
): Promise<ClassifierRunSpec> {
  const [train, validation, test] = await Promise.all(
    SPLITS.map((s) => readFashionNpz(decision.files[s])),
  );
  const classNames = classNamesOf(train.labels);
  const { profile, seed } = context;
  return {
    name: GLASSES_MODEL.name,
    study: "000",
    build: (s) =>
      buildStudyCnn({
        ...GLASSES_MODEL.options,
        classes: classNames.length,
        seed: s,
      }),
    params: Object.fromEntries(
      Object.entries(GLASSES_MODEL.options).map((
        [k, v],
      ) => [k, v as string | number]),
    ),
    data: {
      train: pick(train, classNames, profile.maxTrainPerClass, seed),
      validation: pick(
        validation,
        classNames,
        profile.maxEvalPerClass,
        seed + 1,
      ),
      test: pick(test, classNames, profile.maxEvalPerClass, seed + 2),
      classNames,
    },
    dataset: { id: "fashion-shop", fingerprint },
    profile,
    seed,
    backend: context.backend,
  };
}

/**
 * Trains (or reuses) the study's glasses model on the arrays a `train`
 * decision found, at the profile's size, into a run record tagged study
 * `000`. With an executor (`--workers N`, `--executor slurm`) it is a job
 * ({@linkcode GLASSES_JOBS}) and this call reads its record.
 */
export async function trainGlasses(
  context: LabContext,
  decision: Extract<GlassesDecision, { kind: "train" }>,
  options: { runsRoot?: string; fingerprint?: string } = {},
): Promise<ClassifierRunResult> {
  const fingerprint = options.fingerprint ??
    (await readFingerprint("fashion-shop")).sha256;
  const spec = await glassesRunSpec(context, decision, fingerprint);
  const runId = classifierRunId(
    spec.name,
    spec.params,
    spec.profile,
    spec.seed,
  );
  const dispatched = await dispatchModelRuns<GlassesJob>({
    builder: GLASSES_JOBS,
    root: options.runsRoot ?? DEFAULT_RUNS_ROOT,
    profile: context.profile,
    backend: context.backend.name,
    data: { dataset: spec.dataset, splits: splitSizes(spec.data) },
    source: null,
    runs: [{ runId, seed: context.seed, model: { decision } }],
  });
  const run = await runClassifier({ ...spec, runsRoot: options.runsRoot });
  return dispatched.settle(run);
}

/**
 * The glasses model's job (`tasks/run_job.ts`): reads the decision's arrays
 * again, checks them and the run id against the job's, and trains the run
 * into the runs root.
 */
export async function runGlassesJob(job: RunJob): Promise<ClassifierRunResult> {
  const args = job.args as ModelJobArgs<GlassesJob>;
  const backend = await selectBackend(args.backend);
  const spec = await glassesRunSpec(
    { profile: args.profile, backend, seed: args.seed },
    args.model.decision,
    args.dataset.fingerprint,
  );
  checkJobData(job, {
    dataset: spec.dataset,
    splits: splitSizes(spec.data),
    runId: classifierRunId(spec.name, spec.params, spec.profile, spec.seed),
  });
  return await runClassifier({ ...spec, runsRoot: args.runsRoot });
}
