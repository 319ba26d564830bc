/**
 * What a study 002 run is called and identified by: its label and name
 * from the set-up, the images it trains and validates on (with the
 * balancing copies), its run-record parameters, its run id for a training
 * seed, its tags and its split sizes. The runs (`runs.ts`), their jobs
 * (`run_jobs.ts`) and the plan (`lib/plan/`) compute a run's identity here,
 * so they agree on it without training anything.
 *
 * @module
 */
import type { Profile } from "../../profiles.ts";
import { MOBILENET_V2_FOLDER } from "../../models/transfer.ts";
import { runId } from "../../runs/run_id.ts";
import {
  balanceTarget,
  planTopUp,
  type Study002Data,
  type Study002Partition,
  study002Partition,
  type Study002TopUp,
  STUDY_002_IMAGE_SIZE,
} from "./data.ts";
import type { Study002SetupId } from "../../published/published.ts";
import {
  Study002RunOptions,
  type Study002RunSpec,
  Study002Settings,
  STUDY_002_STAND_IN,
  STUDY_002_TRANSFER_STAND_IN,
} from "./settings.ts";
import { type LabContext } from "../../runs/lab_context.ts";

/** The set-up's name as a run name starts: `basic CNN`, `VGG16 v2 set-up on MobileNetV2`. */
export function setupName(setup: Study002SetupId): string {
  return setup === "basic-cnn"
    ? "basic CNN"
    : `VGG16 ${setup} set-up on MobileNetV2`;
}

/**
 * A run's short label: `basic CNN`, `v1`, `v2`, `v3 half A`, `v3 half B`,
 * with `, no balancing` for a run without class balancing.
 */
export function study002RunLabel(spec: Study002RunSpec): string {
  const base = spec.setup === "basic-cnn" ? "basic CNN" : spec.setup;
  return `${base}${spec.half ? ` half ${spec.half}` : ""}${
    spec.balance === "none" ? ", no balancing" : ""
  }`;
}

/**
 * A run's name in its record (and in the report): the study's set-up, the
 * split, which half trains, and whether the classes are balanced, e.g.
 * `Study 002 VGG16 v3 set-up on MobileNetV2, 50/50 half B trains (swapped)`.
 */
export function study002RunName(
  spec: Study002RunSpec,
  settings: Pick<Study002Settings, "setups">,
): string {
  const split = settings.setups[spec.setup].split;
  const half = spec.half === "A"
    ? " half A trains"
    : spec.half === "B"
    ? " half B trains (swapped)"
    : "";
  return `Study 002 ${setupName(spec.setup)}, ${split}${half}${
    spec.balance === "none" ? ", no class balancing" : ""
  }`;
}

/** The training / validation images and balancing copies of one run. */
export interface RunImages extends Study002Partition {
  /** Augmented copies that top the classes up (none without balancing). */
  topUps: Study002TopUp[];
  /** Training images per class that balancing tops up to (`null`: no balancing). */
  target: number | null;
}

/**
 * The images of a run: its split (or v3's half) and, with class balancing,
 * the copies that top every class of the training images up to
 * {@linkcode balanceTarget}.
 */
export function study002RunImages(
  data: Pick<Study002Data, "plan">,
  spec: Study002RunSpec,
  profile: Pick<Profile, "maxTrainPerClass">,
  seed: number,
  settings: Pick<Study002Settings, "setups">,
): RunImages {
  const split = settings.setups[spec.setup].split;
  const partition = study002Partition(data.plan, split, spec.half);
  if (spec.balance === "none") {
    return { ...partition, topUps: [], target: null };
  }
  const target = balanceTarget(profile, split);
  return {
    ...partition,
    topUps: planTopUp(partition.train, target, seed),
    target,
  };
}

/**
 * The run record's parameters of a run: everything that makes it what it
 * is (set-up, split and half, balancing, optimizer, rate, dropout, epochs
 * and the profile), so the run id changes when any of them does.
 */
export function study002RunParams(
  profile: Profile,
  spec: Study002RunSpec,
  settings: Study002Settings,
  target: number | null,
): Record<string, string | number | boolean> {
  const setup = settings.setups[spec.setup];
  const common = {
    model: setup.model,
    setup: spec.setup,
    split: setup.split,
    ...(spec.half ? { half: spec.half } : {}),
    balance: spec.balance,
    balanceTarget: target ?? "none",
    imageSize: STUDY_002_IMAGE_SIZE,
    optimizer: setup.compile.optimizer ?? "adam",
    learningRate: setup.compile.learningRate ?? 1e-3,
    dropout: setup.dropout,
    augment: JSON.stringify(settings.augment),
    batchSize: profile.batchSize,
    patience: profile.patience ?? "none",
    profile: profile.name,
  };
  if (setup.model === "baseline") {
    return { ...common, filters: 32, kernelSize: 3, epochs: profile.epochs };
  }
  return {
    ...common,
    base: MOBILENET_V2_FOLDER,
    input: "RGB scaled to [-1, 1]",
    fineTuneBlocks: settings.fineTuneBlocks,
    augmentedCopies: settings.augmentedCopies,
    epochs: settings.transferEpochs,
  };
}

/** The seed a run trains with: `trainSeed` for a seed replicate, else the context's. */
export function trainSeedOf(
  context: LabContext,
  options: Pick<Study002RunOptions, "trainSeed">,
): number {
  return options.trainSeed ?? context.seed;
}

/** The run id of a run (from its name, parameters and its training seed); `params` when the caller has them already. */
export function idOf(
  context: LabContext,
  data: Pick<Study002Data, "plan">,
  spec: Study002RunSpec,
  settings: Study002Settings,
  trainSeed: number,
  params: Record<string, string | number | boolean> = study002RunParams(
    context.profile,
    spec,
    settings,
    study002RunImages(data, spec, context.profile, context.seed, settings)
      .target,
  ),
): string {
  return runId(study002RunName(spec, settings), params, trainSeed);
}

/**
 * A run's tags: study, profile, model, split, set-up, balancing, v3's half
 * with the other half's run id (of the same training seed), and for a seed
 * replicate the seed that made its data (`splitSeed`).
 */
export function runTags(
  context: LabContext,
  data: Pick<Study002Data, "plan">,
  spec: Study002RunSpec,
  settings: Study002Settings,
  trainSeed: number,
): Record<string, string> {
  const setup = settings.setups[spec.setup];
  const tags: Record<string, string> = {
    study: "002",
    profile: context.profile.name,
    split: setup.split,
    model: setup.model,
    setup: spec.setup,
    balance: spec.balance,
    standIn: setup.model === "baseline"
      ? STUDY_002_STAND_IN
      : STUDY_002_TRANSFER_STAND_IN,
  };
  if (spec.half) {
    tags.half = spec.half;
    tags.pairedRun = idOf(
      context,
      data,
      {
        ...spec,
        half: spec.half === "A" ? "B" : "A",
      },
      settings,
      trainSeed,
    );
  }
  if (trainSeed !== context.seed) tags.splitSeed = String(context.seed);
  return tags;
}

/** The set-up, split, half, balancing and label of a run, as its result describes it. */
export function describe(spec: Study002RunSpec, settings: Study002Settings) {
  const setup = settings.setups[spec.setup];
  return {
    model: setup.model,
    split: setup.split,
    setup: spec.setup,
    half: spec.half,
    balance: spec.balance,
    label: study002RunLabel(spec),
  };
}

/** A run's split sizes as its record states them (training images with the balancing copies). */
export function splitSizes(data: Study002Data, images: RunImages) {
  return {
    train: images.train.length + images.topUps.length,
    validation: images.validation.length,
    test: data.plan.test.length,
  };
}

/** The run id and split sizes a set-up's run has with `trainSeed` (what a job checks before training). */
export function study002RunIdentity(
  context: LabContext,
  data: Study002Data,
  spec: Study002RunSpec,
  settings: Study002Settings,
  trainSeed = context.seed,
): { runId: string; splits: Record<string, number> } {
  const images = study002RunImages(
    data,
    spec,
    context.profile,
    context.seed,
    settings,
  );
  return {
    runId: idOf(
      context,
      data,
      spec,
      settings,
      trainSeed,
      study002RunParams(context.profile, spec, settings, images.target),
    ),
    splits: splitSizes(data, images),
  };
}
