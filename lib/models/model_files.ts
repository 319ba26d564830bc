/**
 * Saving and loading TensorFlow.js layers models on the local file system
 * under Deno (tfjs's own `file://` handler needs Node). A model folder holds
 * `model.json` and one weights file whose name carries a hash of its
 * content (`weights.<hash>.bin`); the weights land first and `model.json`
 * last, both atomically, so a reader never pairs a `model.json` with
 * half-written or mismatched weights.
 *
 * {@linkcode loadModel} loads every model this workspace saves without the
 * caller importing anything else: this module imports the modules that
 * register the workspace's own serialisable classes with TF.js
 * (`SeededDropout`, from `seeded_dropout.ts`; `SquareFrame`, from
 * `square_frame.ts`). `leanL2` needs no
 * registration: it saves as TF.js' own `L1L2`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic.ts";
import { reluSixInOnePass } from "./relu6_layers.ts";
// Registers SeededDropout (tf.serialization.registerClass), which saved
// models name; a class added with registerClass belongs here too.
import "./seeded_dropout.ts";
import "./square_frame.ts";

function joinBuffers(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((sum, p) => sum + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out.buffer;
}

/**
 * An IOHandler that saves to and loads from the folder `dir`.
 *
 * @example
 * ```ts
 * await model.save(modelFolder("reports/runs/x/model"));
 * const again = await tf.loadLayersModel(modelFolder("reports/runs/x/model"));
 * ```
 */
export function modelFolder(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error(
          `Cannot save a binary model topology to ${dir}; only layers models are supported`,
        );
      }
      const weights = new Uint8Array(
        artifacts.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(artifacts.weightData),
      );
      const hash = createHash("sha256").update(weights).digest("hex").slice(
        0,
        12,
      );
      const weightsName = `weights.${hash}.bin`;
      await writeFileAtomic(join(dir, weightsName), weights);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON[
          "modelTopology"
        ],
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{
          paths: [weightsName],
          weights: artifacts.weightSpecs ?? [],
        }],
      };
      if (artifacts.trainingConfig) {
        modelJson.trainingConfig = artifacts.trainingConfig;
      }
      if (artifacts.userDefinedMetadata) {
        modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      }
      await writeJsonAtomic(join(dir, "model.json"), modelJson);
      for await (const entry of Deno.readDir(dir)) {
        if (
          entry.isFile && /^weights\..*\.bin$/.test(entry.name) &&
          entry.name !== weightsName
        ) {
          await Deno.remove(join(dir, entry.name)).catch(() => {});
        }
      }
      return {
        modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts),
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = join(dir, "model.json");
      let text: string;
      try {
        text = await Deno.readTextFile(jsonPath);
      } catch (error) {
        throw new Error(
          `Cannot read model file ${jsonPath} (${error}); save a model there first or check the path`,
        );
      }
      const modelJson = JSON.parse(text) as tf.io.ModelJSON;
      return await tf.io.getModelArtifactsForJSON(
        modelJson,
        async (manifest) => {
          const specs: tf.io.WeightsManifestEntry[] = [];
          const parts: Uint8Array[] = [];
          for (const group of manifest) {
            for (const path of group.paths) {
              parts.push(await Deno.readFile(join(dir, path)));
            }
            specs.push(...group.weights);
          }
          return [specs, joinBuffers(parts)];
        },
      );
    },
  };
}

/** Saves `model` into the folder `dir` (created if missing). */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await model.save(modelFolder(dir));
}

/**
 * Loads a layers model saved with {@linkcode saveModel} (or any tfjs
 * layers-model folder); its ReLU6 layers (MobileNetV2's) compute in one
 * pass, with the same values (`relu6_layers.ts`).
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const model = await tf.loadLayersModel(modelFolder(dir));
  reluSixInOnePass(model);
  return model;
}
