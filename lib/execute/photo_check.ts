/**
 * A trained model checked on photos it never saw, from outside its data
 * (the fashion shop's own photos, street photos): the saved model of a
 * complete run predicts every photo, and the result is recorded as its own
 * run record, so the report and the notebooks read it like any other.
 *
 * The record (no training, no model of its own) holds the per-class
 * accuracy with n and a 95% Wilson interval, the confusion matrix and
 * scikit-learn's classification report (`metrics.json`), the prediction of
 * every photo with its file id (`predictions.json`, `photos.json`), and the
 * misclassified photos as small PNG thumbnails with true and predicted
 * class and the model's confidence (`misclassified.json`, at most
 * `maxGallery` of them, the most confident mistakes first), so the report
 * can show them without reading the dataset. Its run id follows from the
 * checked run's id and the photos' fingerprint: the same check is reused,
 * a retrained model or changed photos make a new one.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { convertImages, stackImages } from "../data/images/convert.ts";
import type { LabelledArrays } from "../data/labelled_arrays.ts";
import { wilsonInterval } from "../eval/intervals.ts";
import { loadModel } from "../models/model_files.ts";
import { predictClasses } from "../train/predict.ts";
import { classifierMetrics } from "../runs/classifier_metrics.ts";
import type {
  ClassResult,
  GalleryEntry,
  PhotoCheckMetrics,
} from "../runs/photo_check_metrics.ts";
import { backendRef, type LabContext } from "../runs/lab_context.ts";
import {
  completeRunMetrics,
  DEFAULT_RUNS_ROOT,
  readRun,
  RunRecord,
} from "../runs/record.ts";
import { runId } from "../runs/run_id.ts";
import type { DatasetRef } from "../runs/run_json.ts";
import { toTensors } from "./classifier_run.ts";
import { arrayImages, pngBase64, rgbPixels } from "./gallery.ts";

/** Photos to check a model on, labelled with the model's class indices. */
export interface PhotoSet {
  /** The catalog dataset and its fingerprint (from the data step). */
  dataset: DatasetRef;
  /** One line on what the photos are, for the record and the report. */
  description: string;
  /** Each photo's file name, in the order of `arrays`. */
  ids: string[];
  /** The photos, converted like the model's training images. */
  arrays: LabelledArrays;
  /** The model's class names; `arrays.labels` index into them. */
  classNames: string[];
}

/** A photo file and its class name, for {@linkcode convertPhotoSet}. */
export interface PhotoFile {
  /** File name (the photo's id in the record). */
  id: string;
  /** Path to the file. */
  path: string;
  /** Its class, one of the model's class names. */
  className: string;
}

/**
 * Converts photo files with the pipeline every training image went through
 * (fitted into 90 x 120 on white) into a {@link PhotoSet} labelled with
 * `classNames`' indices.
 *
 * @throws naming every photo that could not be converted (with the reason),
 * or whose class the model does not have.
 */
export async function convertPhotoSet(
  files: readonly PhotoFile[],
  classNames: readonly string[],
  dataset: DatasetRef,
  description: string,
): Promise<PhotoSet> {
  const unknown = files.filter((f) => !classNames.includes(f.className));
  if (unknown.length) {
    throw new Error(
      `The model's classes (${classNames.join(", ")}) lack ${
        [...new Set(unknown.map((u) => u.className))].join(", ")
      } of the ${dataset.id} photos`,
    );
  }
  const { converted, report } = await convertImages(
    files.map((f) => ({ id: f.id, path: f.path, label: f.className })),
  );
  if (report.skipped.length) {
    throw new Error(
      `Cannot convert ${dataset.id} photos: ${
        report.skipped.map((s) => `${s.path} (${s.reason}: ${s.message})`)
          .join("; ")
      }`,
    );
  }
  return {
    dataset,
    description,
    ids: converted.map((c) => c.item.id),
    arrays: {
      images: stackImages(converted),
      shape: [120, 90, 3],
      labels: converted.map((c) => classNames.indexOf(c.item.label!)),
    },
    classNames: [...classNames],
  };
}

/** What {@linkcode checkOnPhotos} does. */
export interface PhotoCheckSpec {
  /** The run folder whose `model/` is checked (a complete run). */
  modelRunDir: string;
  /** The photos. */
  photos: PhotoSet;
  /** Run name, e.g. `Primary_Classification on fashion-shop-samples`. */
  name: string;
  /** Profile, backend and seed (the seed only names the run). */
  context: LabContext;
  /** Extra tags (for example `study`, `model`). */
  tags?: Record<string, string>;
  /** Runs root; default `reports/runs`. */
  runsRoot?: string;
  /** Thumbnails of misclassified photos kept in the record; default 48. */
  maxGallery?: number;
}

/** What {@linkcode checkOnPhotos} returns. */
export interface PhotoCheckResult {
  /** The check's run id. */
  runId: string;
  /** Its folder. */
  dir: string;
  /** Its metrics. */
  metrics: PhotoCheckMetrics;
  /** True when a complete check with the same id existed and was reused. */
  reused: boolean;
}

/** Per-class accuracies with 95% Wilson intervals. */
export function perClassResults(
  trueLabels: readonly number[],
  predicted: readonly number[],
  classNames: readonly string[],
): ClassResult[] {
  return classNames.map((className, k) => {
    const mine = trueLabels.flatMap((t, i) => t === k ? [i] : []);
    const correct = mine.filter((i) => predicted[i] === k).length;
    return {
      className,
      n: mine.length,
      correct,
      accuracy: mine.length ? correct / mine.length : null,
      wilson95: mine.length ? wilsonInterval(correct, mine.length) : null,
    };
  });
}

/**
 * Checks a run's saved model on `photos` and records the check as a run
 * (see the module docs); a complete check with the same id is reused.
 *
 * @throws when the run is not complete or has no saved model, or when its
 * class names differ from the photos'.
 */
export async function checkOnPhotos(
  spec: PhotoCheckSpec,
): Promise<PhotoCheckResult> {
  const checked = await readRun(spec.modelRunDir);
  if (checked?.status !== "complete") {
    throw new Error(
      `${spec.modelRunDir} is not a complete run; train it first (its notebook or task)`,
    );
  }
  if (!checked.files.includes("model/model.json")) {
    throw new Error(
      `${spec.modelRunDir} has no saved model (model/model.json) to check`,
    );
  }
  const { photos } = spec;
  const params = {
    modelRunId: checked.id,
    photos: photos.dataset.id,
    photosFingerprint: photos.dataset.fingerprint,
    n: photos.ids.length,
  };
  const id = runId(spec.name, params, spec.context.seed);
  const root = spec.runsRoot ?? DEFAULT_RUNS_ROOT;
  const dir = join(root, id);
  const done = await completeRunMetrics<PhotoCheckMetrics>(dir, photos.dataset);
  if (done) return { runId: id, dir, metrics: done, reused: true };

  const run = await RunRecord.start({
    name: spec.name,
    params,
    seed: spec.context.seed,
    dataset: photos.dataset,
    splits: { test: photos.ids.length },
    backend: backendRef(spec.context.backend),
    tags: {
      profile: spec.context.profile.name,
      check: "photos",
      photos: photos.dataset.id,
      ...spec.tags,
    },
  }, { root });
  try {
    const model = await loadModel(join(spec.modelRunDir, "model"));
    const { x, y } = toTensors(photos.arrays, photos.classNames.length);
    let predicted: number[];
    let probabilities: number[][];
    try {
      [{ predicted, probabilities }] = await predictClasses(model, x);
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
    const trueLabels = Array.from(photos.arrays.labels);
    const wrong = trueLabels.flatMap((t, i) => t === predicted[i] ? [] : [i])
      .sort((a, b) =>
        probabilities[b][predicted[b]] - probabilities[a][predicted[a]] ||
        a - b
      );
    const metrics: PhotoCheckMetrics = {
      ...classifierMetrics(trueLabels, predicted, photos.classNames, null),
      modelRunId: checked.id,
      perClass: perClassResults(trueLabels, predicted, photos.classNames),
      misclassified: wrong.map((i) => ({
        id: photos.ids[i],
        trueClass: photos.classNames[trueLabels[i]],
        predicted: photos.classNames[predicted[i]],
        confidence: probabilities[i][predicted[i]],
      })),
    };
    const [height, width] = photos.arrays.shape;
    const images = arrayImages(photos.arrays);
    const gallery: GalleryEntry[] = [];
    for (const [k, i] of wrong.slice(0, spec.maxGallery ?? 48).entries()) {
      gallery.push({
        ...metrics.misclassified[k],
        png: await pngBase64(rgbPixels(images.image(i)), width, height),
      });
    }
    await run.writePredictions({
      classNames: photos.classNames,
      trueLabels,
      predictedLabels: predicted,
      probabilities,
    });
    await run.writeJson("photos.json", {
      description: photos.description,
      ids: photos.ids,
    });
    await run.writeJson("misclassified.json", gallery);
    await run.writeMetrics(metrics as unknown as Record<string, unknown>);
    await run.complete();
    return { runId: id, dir: run.dir, metrics, reused: false };
  } catch (error) {
    await run.fail(error);
    throw error;
  }
}
