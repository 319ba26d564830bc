/**
 * The work of each notebook at a profile, from the same definitions the
 * notebooks run: the model specs and search spaces of each study, the
 * profile's candidates (`profileCandidates`), its search strategy
 * (`halvingSchedule`), its seeds (`seedReplicates`), and the split sizes
 * the studies' own loaders give at that profile (the data must be
 * installed; the product photos are converted on first use, as the
 * notebooks do).
 *
 * A search's rungs are planned per candidate with the share of candidates
 * that reach each rung (which ones do is known only after training), so a
 * rung's cost is that of an average candidate.
 *
 * @module
 */
import { join } from "node:path";
import type { Profile } from "../profiles.ts";
import { buildStudyCnn, type StudyCnnOptions } from "../models/study_cnn.ts";
import { buildFashionMnistCnn } from "../models/fashion_mnist_cnn.ts";
import { buildPretrainedClassifier } from "../models/pretrained_classifier.ts";
import { buildTransferModel, loadMobileNetV2Base } from "../models/transfer.ts";
import { buildBaselineCnn } from "../models/baseline_cnn.ts";
import { datasetDir } from "../data/acquire/fingerprint.ts";
import {
  listStudy002Images,
  planStudy002Splits,
  STUDY_002_DATASET,
  STUDY_002_IMAGE_SIZE,
} from "../studies/s002/data.ts";
import {
  study002RunSpecs,
  study002Settings,
} from "../studies/s002/settings.ts";
import { study002RunImages } from "../studies/s002/run_identity.ts";
import { buildMultiOutputCnn } from "../models/multi_output.ts";
import { readStudy003Catalogue } from "../studies/s003/labels.ts";
import { planStudy003Splits, STUDY_003_INPUT } from "../studies/s003/data.ts";
import { tuningCandidates } from "../studies/s003/tuning.ts";
import {
  halvingSchedule,
  type Params,
  searchStrategy,
} from "../train/search.ts";
import { canonicalJson } from "../runs/run_id.ts";
import { categoryModels } from "../studies/s000/catalog.ts";
import {
  type LevelData,
  loadLevel,
  loadPrimary,
  shopArrays,
} from "../studies/s000/data.ts";
import { decideGlasses } from "../studies/s000/glasses.ts";
import {
  PRIMARY_VARIANTS,
  type PrimaryVariant,
  primaryVariant,
  ROBUST_PRIMARY,
} from "../studies/s000/primary_variants.ts";
import {
  HEAD_EPOCHS,
  variantCopyCount,
  withTrainCap,
} from "../studies/s000/variant_training.ts";
import {
  cnnOptions,
  PRIMARY_PREFERRED,
  PRIMARY_SPACE,
  profileCandidates,
} from "../studies/s000/search.ts";
import { SHOE_ORIENTATION_VARIANTS } from "../studies/s000/shoe_orientation.ts";
import { modelSearchSpecs } from "../studies/s000/model_searches.ts";
import {
  PRIMARY_BEST,
  STUDY_000_BEST,
  type StudyModelSpec,
} from "../studies/s000/specs.ts";
import { loadShoes001, STUDY_001_GRID } from "../studies/s001/mod.ts";
import {
  chosenEpochCount,
  fashionMnistSplits,
  followsStudyOnAllTraining,
  STUDY_004_SELECTION_NAME,
} from "../studies/s004/mod.ts";
import type { ModelProbe, PlannedRun } from "./planned_work.ts";

/** What a notebook planner needs. */
export interface PlanContext {
  /** The profile planned. */
  profile: Profile;
  /** The run seed. */
  seed: number;
  /** Runs root where finished runs are looked up (study 004's chosen epoch count). */
  runsRoot: string;
}

/** Plans one notebook's work. */
export type NotebookPlanner = (context: PlanContext) => Promise<PlannedRun[]>;

const FLOAT = 4;

function studyCnnProbe(
  options: Partial<StudyCnnOptions>,
  classes: number,
): ModelProbe {
  const o = { ...options, classes };
  return {
    key: `study-cnn ${canonicalJson(o)}`,
    family: "study-cnn",
    build: () => buildStudyCnn({ ...o, seed: 1 }),
  };
}

interface Sizes {
  train: number;
  validation: number;
  test: number;
  classes: number;
  imageBytes: number;
}

function sizes(data: LevelData): Sizes {
  const [h, w, c] = data.train.shape;
  return {
    train: data.train.labels.length,
    validation: data.validation.labels.length,
    test: data.test.labels.length,
    classes: data.classNames.length,
    imageBytes: h * w * c * FLOAT,
  };
}

/** One model trained with the profile's epochs and early stopping. */
function fitRun(
  notebook: string,
  name: string,
  model: ModelProbe,
  s: Sizes,
  profile: Profile,
  count = 1,
  epochs = profile.epochs,
): PlannedRun {
  return {
    notebook,
    name,
    kind: "fit",
    model,
    count,
    train: s.train,
    validation: s.validation,
    test: s.test,
    maxEpochs: epochs,
    earlyStopping: profile.patience !== null,
    imageBytes: s.imageBytes,
  };
}

function predictRun(
  notebook: string,
  name: string,
  model: ModelProbe,
  images: number,
  imageBytes: number,
  count = 1,
): PlannedRun {
  return {
    notebook,
    name,
    kind: "predict",
    model,
    count,
    train: 0,
    validation: 0,
    test: images,
    maxEpochs: 0,
    earlyStopping: false,
    imageBytes,
  };
}

/**
 * A search's trials over `probes`: exhaustive (each to the profile's epochs
 * with early stopping) or by the profile's successive halving (each rung's
 * further epochs, by the share of candidates that reach it).
 */
function trialRuns(
  notebook: string,
  name: string,
  probes: ModelProbe[],
  s: Sizes,
  profile: Profile,
): PlannedRun[] {
  const strategy = searchStrategy(profile);
  const n = probes.length;
  if (strategy.kind === "exhaustive") {
    return probes.map((probe) =>
      fitRun(notebook, `${name} trials`, probe, { ...s, test: 0 }, profile)
    );
  }
  const out: PlannedRun[] = [];
  let before = 0;
  for (const rung of halvingSchedule(n, strategy)) {
    for (const probe of probes) {
      out.push({
        ...fitRun(
          notebook,
          `${name} trials, rung ${rung.rung} (${rung.trials} of ${n})`,
          probe,
          { ...s, test: 0 },
          profile,
          rung.trials / n,
          rung.epochs - before,
        ),
        earlyStopping: false,
      });
    }
    before = rung.epochs;
  }
  return out;
}

/**
 * A study CNN search over `candidates`: its trials, then the winner's test
 * predictions, and with `winnerSeeds` the winner's further seeds.
 */
function searchRuns(
  notebook: string,
  name: string,
  candidates: Params[],
  base: Partial<StudyCnnOptions>,
  s: Sizes,
  profile: Profile,
  winnerSeeds = 1,
): PlannedRun[] {
  const out: PlannedRun[] = [];
  const n = candidates.length;
  const probes = candidates.map((p) =>
    studyCnnProbe(cnnOptions(base, p), s.classes)
  );
  out.push(...trialRuns(notebook, name, probes, s, profile));
  // The winner's test predictions (an average candidate's cost).
  for (const probe of probes) {
    out.push(
      predictRun(notebook, `${name} test`, probe, s.test, s.imageBytes, 1 / n),
    );
  }
  out.push(...winnerSeedRuns(notebook, name, probes, s, profile, winnerSeeds));
  return out;
}

/**
 * A search winner's further seeds (`seeds` - 1 of them, each trained with
 * the full budget and early stopping, then tested), at an average
 * candidate's cost: the winner is not known before the search.
 */
function winnerSeedRuns(
  notebook: string,
  name: string,
  probes: ModelProbe[],
  s: Sizes,
  profile: Profile,
  seeds: number,
): PlannedRun[] {
  const further = seeds - 1;
  if (further <= 0) return [];
  return probes.map((probe) =>
    fitRun(
      notebook,
      `${name} winner's seeds`,
      probe,
      s,
      profile,
      further / probes.length,
    )
  );
}

/** How many seeds a study 000 category model trains with (`trainCategoryModels`). */
function seedsOfSpecs(profile: Profile): number {
  return profile.seedReplicates;
}

/** A category model of study 000. */
function specRuns(
  notebook: string,
  spec: StudyModelSpec,
  s: Sizes,
  profile: Profile,
): PlannedRun[] {
  return [
    fitRun(
      notebook,
      spec.name,
      studyCnnProbe(spec.options, s.classes),
      s,
      profile,
      seedsOfSpecs(profile),
    ),
  ];
}

async function levelSizes(
  context: PlanContext,
  category: "Shoes" | "Trousers & Jeans",
  level: "All" | "Gender" | "Male" | "Female",
): Promise<Sizes> {
  const source = await shopArrays();
  return sizes(
    await loadLevel(source, category, level, context.profile, context.seed),
  );
}

async function categoryPlan(
  notebook: string,
  category: "Shoes" | "Trousers & Jeans",
  context: PlanContext,
): Promise<PlannedRun[]> {
  const out: PlannedRun[] = [];
  const cache = new Map<string, Sizes>();
  for (const { level, spec } of categoryModels(category)) {
    if (!cache.has(level)) {
      cache.set(level, await levelSizes(context, category, level));
    }
    out.push(...specRuns(notebook, spec, cache.get(level)!, context.profile));
  }
  // Our per-model searches (model_searches.ts), after the faithful models.
  for (const search of modelSearchSpecs(category)) {
    out.push(...searchRuns(
      notebook,
      search.name,
      profileCandidates(
        search.space,
        context.profile,
        context.seed,
        search.published,
      ),
      { architecture: search.spec.options.architecture },
      cache.get(search.level)!,
      context.profile,
    ));
  }
  return out;
}

const MOBILENET_PROBE_KEY = "mobilenet-v2-0.35 features";

/** The primary variants of notebook 12 (all of them, or `variants`). */
function variantRuns(
  notebook: string,
  s: Sizes,
  profile: Profile,
  variants: readonly PrimaryVariant[] = PRIMARY_VARIANTS,
): PlannedRun[] {
  const out: PlannedRun[] = [];
  const variantProfile = { ...profile, epochs: profile.variantEpochs };
  // A fresh base each time: disposing a calibrated model disposes its base.
  const pretrained = async () => {
    return buildPretrainedClassifier({
      base: await loadMobileNetV2Base(),
      inputShape: [120, 90, 3],
      classes: s.classes,
      seed: 1,
      dropout: 0.5,
      frameObject: false,
    });
  };
  for (const v of variants) {
    if (v.network === "study-cnn") {
      out.push(
        fitRun(
          notebook,
          `Primary variant ${v.id}`,
          studyCnnProbe(PRIMARY_BEST.options, s.classes),
          s,
          variantProfile,
        ),
      );
      continue;
    }
    const copies = variantCopyCount(v, profile);
    out.push(
      predictRun(
        notebook,
        `Primary variant ${v.id}: base features`,
        {
          key: MOBILENET_PROBE_KEY,
          family: "mobilenet-features",
          build: async () => (await pretrained()).full,
        },
        s.train * (1 + copies) + s.validation + s.test,
        s.imageBytes,
      ),
      {
        ...fitRun(
          notebook,
          `Primary variant ${v.id}: head`,
          {
            key: "mobilenet-v2-0.35 head",
            family: "dense-head",
            build: async () => (await pretrained()).head,
          },
          { ...s, train: s.train * (1 + copies), test: 0 },
          profile,
          1,
          profile.studyEpochs ? HEAD_EPOCHS : profile.epochs,
        ),
        imageBytes: 1280 * FLOAT,
      },
    );
  }
  return out;
}

const SHOP_PHOTOS = 164;
const STREET_PHOTOS = 666;

/** Every notebook's planner, by the notebook's number. */
export const NOTEBOOK_PLANNERS: Record<string, NotebookPlanner> = {
  // Data, conversion: no training (their few minutes are not estimated).
  "00": () => Promise.resolve([]),
  "01": () => Promise.resolve([]),
  "02": async (context) => {
    const s = await levelSizes(context, "Shoes", "All");
    const spec = STUDY_000_BEST.Shoes.All;
    return SHOE_ORIENTATION_VARIANTS.flatMap((variant) => [
      fitRun(
        "02",
        `${spec.name} (shoe orientation: ${variant})`,
        studyCnnProbe(spec.options, s.classes),
        s,
        context.profile,
      ),
      // The mirrored test images.
      predictRun(
        "02",
        `${spec.name} (${variant}) on mirrored test images`,
        studyCnnProbe(spec.options, s.classes),
        s.test,
        s.imageBytes,
      ),
    ]);
  },
  "03": async (context) => {
    const { profile, seed } = context;
    const s = sizes(await loadPrimary(await shopArrays(), profile, seed));
    const base = { architecture: PRIMARY_BEST.options.architecture };
    const candidates = profileCandidates(
      PRIMARY_SPACE,
      profile,
      seed,
      PRIMARY_PREFERRED,
    );
    const winner = studyCnnProbe(
      cnnOptions(base, PRIMARY_PREFERRED),
      s.classes,
    );
    return [
      ...searchRuns(
        "03",
        PRIMARY_BEST.name,
        candidates,
        base,
        s,
        profile,
        profile.seedReplicates,
      ),
      // The shop and street photo checks, and the framing interventions
      // (four framings of the shop photos).
      predictRun(
        "03",
        "photo checks",
        winner,
        SHOP_PHOTOS + STREET_PHOTOS,
        s.imageBytes,
      ),
      predictRun(
        "03",
        "framing interventions",
        winner,
        4 * SHOP_PHOTOS,
        s.imageBytes,
      ),
    ];
  },
  "04": async (context) => {
    const decision = await decideGlasses();
    if (decision.kind !== "train") return [];
    const train = Object.values(decision.trainCounts).reduce(
      (a, b) => a + b,
      0,
    );
    const s: Sizes = {
      train,
      validation: Math.round(train / 4),
      test: Math.round(train / 4),
      classes: Object.keys(decision.trainCounts).length,
      imageBytes: 120 * 90 * 3 * FLOAT,
    };
    return specRuns("04", GLASSES_SPEC, s, context.profile);
  },
  "05": (context) => categoryPlan("05", "Trousers & Jeans", context),
  "06": async (context) => {
    const { profile, seed } = context;
    const shoes001 = sizes(await loadShoes001(await shopArrays(), context));
    return [
      ...await categoryPlan("06", "Shoes", context),
      ...searchRuns(
        "06",
        "Shoes_Combined_001",
        profileCandidates(STUDY_001_GRID, profile, seed),
        { architecture: "dense" },
        shoes001,
        profile,
        profile.seedReplicates,
      ),
    ];
  },
  // Combined vs hierarchical, and every model re-tested: predictions of the
  // category models on their test sets.
  "07": async (context) => await retestRuns("07", context, 2),
  "08": async (context) => await retestRuns("08", context, 1),
  "12": async (context) => {
    const { profile, seed } = context;
    const s = sizes(await loadPrimary(await shopArrays(), profile, seed));
    const runs = variantRuns("12", s, profile);
    // Each variant checked on the shop and street photos.
    const checks = PRIMARY_VARIANTS.map((v) =>
      predictRun(
        "12",
        `Primary variant ${v.id} photo checks`,
        v.network === "study-cnn"
          ? studyCnnProbe(PRIMARY_BEST.options, s.classes)
          : runs.find((r) => r.name.startsWith(`Primary variant ${v.id}:`))!
            .model,
        SHOP_PHOTOS + STREET_PHOTOS,
        s.imageBytes,
      )
    );
    // The robust option again with the profile's other seeds, each checked.
    const others = profile.variantSeeds - 1;
    const robust = primaryVariant(ROBUST_PRIMARY);
    const seedRuns = others > 0
      ? variantRuns("12", s, profile, [robust]).map((r) => ({
        ...r,
        name: `${r.name} (${others} more seeds)`,
        count: r.count * others,
      }))
      : [];
    // Checked with the whole model, as above (a pretrained variant's first
    // run is its base features' forward pass, through the whole model).
    const seedChecks = seedRuns.slice(0, 1).map((r) => ({
      ...predictRun(
        "12",
        `Primary variant ${robust.id} photo checks (${others} more seeds)`,
        r.model,
        SHOP_PHOTOS + STREET_PHOTOS,
        s.imageBytes,
      ),
      count: others,
    }));
    // The data curve: the option at each smaller cap, with every seed.
    const curveRuns: PlannedRun[] = [];
    for (const cap of profile.variantDataCurve) {
      const capped = withTrainCap(profile, cap);
      const sc = sizes(await loadPrimary(await shopArrays(), capped, seed));
      const point = variantRuns("12", sc, capped, [robust]).map((r) => ({
        ...r,
        name:
          `${r.name} (at most ${cap} per class, ${profile.variantSeeds} seeds)`,
        count: r.count * (profile.variantSeeds),
      }));
      curveRuns.push(
        ...point,
        {
          ...predictRun(
            "12",
            `Primary variant ${robust.id} photo checks (at most ${cap} per class)`,
            point[0].model,
            SHOP_PHOTOS + STREET_PHOTOS,
            sc.imageBytes,
          ),
          count: profile.variantSeeds,
        },
      );
    }
    return [...runs, ...checks, ...seedRuns, ...seedChecks, ...curveRuns];
  },
  "10": study003Runs,
  "11": study002Runs,
  "09": async (context) => {
    const { profile, seed } = context;
    const data = await fashionMnistSplits(profile, seed);
    const probe: ModelProbe = {
      key: "fashion-mnist-cnn",
      family: "fashion-mnist-cnn",
      build: () => buildFashionMnistCnn({ seed: 1 }),
    };
    const s: Sizes = {
      train: data.train.labels.length,
      validation: data.validation.labels.length,
      test: data.test.labels.length,
      classes: 10,
      imageBytes: 28 * 28 * FLOAT,
    };
    if (!followsStudyOnAllTraining(profile)) {
      return [fitRun("09", "Fashion-MNIST CNN", probe, s, profile)];
    }
    const selection = fitRun("09", STUDY_004_SELECTION_NAME, probe, s, profile);
    const all = await fashionMnistSplits(profile, seed, "all training");
    const chosen = await chosenEpochsIfRun(context);
    return [
      selection,
      {
        ...fitRun(
          "09",
          "Fashion-MNIST CNN on all training images",
          probe,
          { ...s, train: all.train.labels.length, validation: 0 },
          profile,
          profile.seedReplicates,
          chosen ?? profile.epochs,
        ),
        // Without the selection run's record, its epoch count is unknown:
        // assume early stopping's share of the maximum.
        earlyStopping: chosen === null,
      },
    ];
  },
};

/**
 * Study 002 (notebook 11): the frozen base's features of every test, pool
 * and balancing-copy image once, then each set-up's run: the basic CNN on
 * 224x224 images, the transfer runs on the features (with the profile's
 * fine-tuned blocks).
 */
function study002Runs(context: PlanContext): Promise<PlannedRun[]> {
  const { profile, seed } = context;
  const plan = planStudy002Splits(
    listStudy002Images(datasetDir(STUDY_002_DATASET)),
    profile,
    seed,
  );
  const settings = study002Settings(profile);
  const imageBytes = STUDY_002_IMAGE_SIZE ** 2 * 3 * FLOAT;
  const classes = 3;
  const transfer = async (part: "frozen" | "trainable") =>
    buildTransferModel({
      base: await loadMobileNetV2Base(),
      classes,
      seed: 1,
      fineTuneBlocks: settings.fineTuneBlocks,
    })[part];
  const out: PlannedRun[] = [];
  let copies = 0;
  for (const spec of study002RunSpecs(settings)) {
    const images = study002RunImages({ plan }, spec, profile, seed, settings);
    const setup = settings.setups[spec.setup];
    const sizes: Sizes = {
      train: images.train.length + images.topUps.length,
      validation: images.validation.length,
      test: plan.test.length,
      classes,
      imageBytes,
    };
    if (setup.model === "baseline") {
      out.push(
        fitRun(
          "11",
          `Study 002 ${spec.setup}`,
          {
            key: "study-002-basic-cnn",
            family: "study-002-basic-cnn",
            build: () => buildBaselineCnn({ seed: 1, classes }),
          },
          sizes,
          profile,
          profile.seedReplicates,
        ),
      );
      continue;
    }
    copies += images.topUps.length;
    out.push(
      fitRun(
        "11",
        `Study 002 ${spec.setup}${spec.half ? ` half ${spec.half}` : ""}`,
        {
          key: `study-002-transfer fine-tune ${settings.fineTuneBlocks}`,
          family: "study-002-transfer-head",
          build: () => transfer("trainable"),
        },
        { ...sizes, imageBytes: 7 * 7 * 1280 * FLOAT },
        profile,
        profile.seedReplicates,
        settings.transferEpochs,
      ),
    );
  }
  out.unshift(
    predictRun(
      "11",
      "Study 002 frozen-base features",
      {
        key: `study-002-frozen fine-tune ${settings.fineTuneBlocks}`,
        family: "study-002-frozen-base",
        build: () => transfer("frozen"),
      },
      (plan.test.length + plan.pool.length) * (1 + settings.augmentedCopies) +
        copies,
      imageBytes,
    ),
  );
  return Promise.resolve(out);
}

/**
 * Study 003 (notebook 10): the untuned network, then the tuning search
 * over the profile's candidates (exhaustive or by halving), its winner's
 * test predictions.
 */
async function study003Runs(context: PlanContext): Promise<PlannedRun[]> {
  const { profile, seed } = context;
  const catalogue = await readStudy003Catalogue(
    datasetDir("fashion-product-images"),
  );
  const plan = planStudy003Splits(catalogue.items, profile, seed);
  const heads = ["masterCategory", "subCategory", "gender"] as const;
  const classes = Object.fromEntries(
    heads.map((h) => [h, new Set(catalogue.items.map((i) => i[h])).size]),
  ) as Record<(typeof heads)[number], number>;
  const [h, w, c] = STUDY_003_INPUT;
  const s: Sizes = {
    train: plan.train.length,
    validation: plan.validation.length,
    test: plan.test.length,
    classes: 0,
    imageBytes: h * w * c * FLOAT,
  };
  const probe = (o: {
    batchNorm: "none" | "conv" | "dense" | "both";
    dropout: number;
    filters?: number;
    kernelSize?: number;
    denseSize?: number;
  }): ModelProbe => ({
    key: `multi-output ${canonicalJson(o)}`,
    family: "multi-output",
    build: () =>
      buildMultiOutputCnn({
        ...o,
        classes,
        seed: 1,
        inputShape: STUDY_003_INPUT,
      }),
    outputs: heads.length,
  });
  const out: PlannedRun[] = [
    fitRun(
      "10",
      "Study 003 multi-output network",
      probe({ batchNorm: "none", dropout: 0 }),
      s,
      profile,
      profile.seedReplicates,
    ),
  ];
  const candidates = tuningCandidates(profile, seed);
  const probes = candidates.map((cand) => probe(cand));
  out.push(...trialRuns("10", "Study 003 tuning", probes, s, profile));
  for (const p of probes) {
    out.push(
      predictRun(
        "10",
        "Study 003 tuning test",
        p,
        s.test,
        s.imageBytes,
        1 / probes.length,
      ),
    );
  }
  return out;
}

/** The Glasses model as study 000 published it (kernel 5, 64 filters). */
const GLASSES_SPEC: StudyModelSpec = {
  name: "Glasses&Sunglasses",
  options: { architecture: "dense", kernelSize: 5, filters: 64 },
};

/** Predictions of each category model on its test set, `times` over. */
async function retestRuns(
  notebook: string,
  context: PlanContext,
  times: number,
): Promise<PlannedRun[]> {
  const out: PlannedRun[] = [];
  for (const category of ["Trousers & Jeans", "Shoes"] as const) {
    for (const { level, spec } of categoryModels(category)) {
      const s = await levelSizes(context, category, level);
      out.push(
        predictRun(
          notebook,
          `${spec.name} test predictions`,
          studyCnnProbe(spec.options, s.classes),
          s.test * times,
          s.imageBytes,
        ),
      );
    }
  }
  return out;
}

/** Study 004's chosen epoch count when its selection run is complete under the runs root. */
async function chosenEpochsIfRun(context: PlanContext): Promise<number | null> {
  for (const e of Deno.readDirSync(context.runsRoot)) {
    if (!e.isDirectory || !e.name.startsWith("study-004-epoch-selection")) {
      continue;
    }
    try {
      const dir = join(context.runsRoot, e.name);
      const run = JSON.parse(await Deno.readTextFile(join(dir, "run.json")));
      if (
        run.status !== "complete" ||
        run.tags?.profile !== context.profile.name ||
        run.seed !== context.seed
      ) continue;
      return chosenEpochCount(
        JSON.parse(await Deno.readTextFile(join(dir, "history.json"))),
      );
    } catch {
      continue;
    }
  }
  return null;
}
