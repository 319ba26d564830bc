/**
 * The primary model's variants (notebook 12) trained as one batch: with an
 * executor (`deno task notebooks --executor slurm 12`, `--workers N`) every
 * variant without a complete record is a job ({@linkcode PRIMARY_VARIANT_JOBS},
 * run by {@linkcode runPrimaryVariantJob}); the notebook then reads them
 * all and checks each on the photos. Without one they train here, one
 * after another, as {@linkcode trainPrimaryVariant} does.
 *
 * @module
 */
import { selectBackend } from "../../backend.ts";
import type { ClassifierRunResult } from "../../execute/classifier_run.ts";
import type { RunJob } from "../../execute/executor.ts";
import {
  checkJobData,
  dispatchModelRuns,
  type ModelJobArgs,
} from "../../execute/model_jobs.ts";
import { splitSizes } from "../../execute/classifier_run.ts";
import type { LabContext } from "../../runs/lab_context.ts";
import { DEFAULT_RUNS_ROOT } from "../../runs/record.ts";
import {
  type LevelData,
  loadPrimary,
  portableSource,
  type ShopArraysSource,
  shopDatasetRef,
} from "./data.ts";
import { type PrimaryVariant, primaryVariant } from "./primary_variants.ts";
import {
  primaryVariantRunId,
  trainPrimaryVariant,
} from "./variant_training.ts";

/** The builder of a variant's job (`tasks/job_runners.ts`); executors name it. */
export const PRIMARY_VARIANT_JOBS = "Study 000 primary variants";

/** Which variant a job trains (its {@linkcode ModelJobArgs.model}). */
export interface PrimaryVariantJob {
  /** The variant's id (`PRIMARY_VARIANTS`). */
  variant: string;
}

/**
 * Trains (or reuses) every variant of `variants` on the primary task's
 * arrays, handing those without a complete record to the executor first
 * when one applies; the results in `variants` order.
 */
export async function trainPrimaryVariants(
  context: LabContext,
  source: ShopArraysSource,
  data: LevelData,
  variants: readonly PrimaryVariant[],
  runsRoot?: string,
): Promise<ClassifierRunResult[]> {
  const dispatched = await dispatchVariantRuns(
    context,
    source,
    data,
    variants.map((variant) => ({ variant, seed: context.seed })),
    runsRoot,
  );
  const out: ClassifierRunResult[] = [];
  for (const variant of variants) {
    const run = await trainPrimaryVariant(
      context,
      source,
      data,
      variant,
      runsRoot,
    );
    // A run a job trained just now was trained, not reused.
    out.push(dispatched.settle(run));
  }
  return out;
}

/** One seed's run of a variant ({@linkcode trainPrimaryVariantSeeds}). */
export interface VariantSeedRun {
  /** The seed: initialisation, shuffling, augmentation and the profile's sample of the data. */
  seed: number;
  /** The training run. */
  run: ClassifierRunResult;
}

/**
 * Trains (or reuses) `variant` once per seed of `seeds`, each on the
 * primary task's arrays as the profile samples them with that seed (all of
 * them where the profile takes all data), as one batch of jobs when an
 * executor applies; the results in `seeds` order.
 */
export async function trainPrimaryVariantSeeds(
  context: LabContext,
  source: ShopArraysSource,
  variant: PrimaryVariant,
  seeds: readonly number[],
  runsRoot?: string,
): Promise<VariantSeedRun[]> {
  const dataOf = (seed: number) => loadPrimary(source, context.profile, seed);
  const firstSeed = seeds[0] ?? context.seed;
  const firstData = await dataOf(firstSeed);
  const dispatched = await dispatchVariantRuns(
    context,
    source,
    firstData,
    seeds.map((seed) => ({ variant, seed })),
    runsRoot,
  );
  const out: VariantSeedRun[] = [];
  for (const seed of seeds) {
    const run = await trainPrimaryVariant(
      { ...context, seed },
      source,
      seed === firstSeed ? firstData : await dataOf(seed),
      variant,
      runsRoot,
    );
    out.push({ seed, run: dispatched.settle(run) });
  }
  return out;
}

/** Hands the runs of `runs` without a complete record to the executor, if one applies. */
async function dispatchVariantRuns(
  context: LabContext,
  source: ShopArraysSource,
  data: LevelData,
  runs: readonly { variant: PrimaryVariant; seed: number }[],
  runsRoot?: string,
) {
  return await dispatchModelRuns<PrimaryVariantJob>({
    builder: PRIMARY_VARIANT_JOBS,
    root: runsRoot ?? DEFAULT_RUNS_ROOT,
    profile: context.profile,
    backend: context.backend.name,
    data: {
      dataset: shopDatasetRef(source),
      // The same for every seed: the profile caps each class, the seed only
      // chooses which images.
      splits: splitSizes(data),
    },
    source: portableSource(source),
    runs: runs.map(({ variant, seed }) => ({
      runId: primaryVariantRunId(variant, context.profile, seed),
      seed,
      model: { variant: variant.id },
    })),
  });
}

/**
 * A variant's job (`tasks/run_job.ts`): reloads the primary task's arrays
 * at the submitter's profile and seed, checks data and run id against the
 * job's, and trains the variant into the runs root.
 */
export async function runPrimaryVariantJob(
  job: RunJob,
): Promise<ClassifierRunResult> {
  const args = job.args as ModelJobArgs<PrimaryVariantJob>;
  const variant = primaryVariant(args.model.variant);
  // The submitter always names its arrays (`portableSource`).
  const source = args.source as ShopArraysSource;
  const data = await loadPrimary(source, args.profile, args.seed);
  checkJobData(job, {
    dataset: shopDatasetRef(source),
    splits: splitSizes(data),
    runId: primaryVariantRunId(variant, args.profile, args.seed),
  });
  const backend = await selectBackend(args.backend);
  return await trainPrimaryVariant(
    { profile: args.profile, backend, seed: args.seed },
    source,
    data,
    variant,
    args.runsRoot,
  );
}
