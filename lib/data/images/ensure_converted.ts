/**
 * A converted folder that callers can trust: {@link ensureConverted} reuses
 * `outDir` only when its manifest (`conversion.json`) says it was made from
 * the installed input with the options asked for; a folder without one (no
 * finished conversion, or one made before manifests), from other input
 * bytes, or damaged is converted again; one made with other options (a
 * user's `--limit-per-class` run) is refused with a message that says what
 * differs and how to fix it, so a smoke conversion is never trained on as
 * if it were the full one.
 *
 * @example
 * ```ts
 * const { manifest } = await ensureConverted({
 *   dataset: "fashion-product-images",
 *   inDir: "data/raw/fashion-product-images",
 *   outDir: "data/processed/fashion-product-images",
 *   inputFingerprint: (await readFingerprint("fashion-product-images")).sha256,
 * });
 * manifest.outputs.fingerprint; // what runs on these arrays record
 * ```
 *
 * @module
 */
import {
  checkConversion,
  type ConversionManifest,
  describeDifferences,
} from "./conversion_manifest.ts";
import { ConversionInputError } from "./convert.ts";
import {
  conversionOptions,
  convertDataset,
  type ConvertDatasetOptions,
} from "./convert_dataset.ts";

/** Options of {@link ensureConverted}. */
export interface EnsureConvertedOptions extends ConvertDatasetOptions {
  /** Fingerprint of the installed input (its `FINGERPRINT.json` sha256). */
  inputFingerprint: string;
  /** Told why a conversion runs (default: `console.error`). */
  onNotice?: (message: string) => void;
}

/** What {@link ensureConverted} found or made. */
export interface EnsuredConversion {
  /** The folder's manifest. */
  manifest: ConversionManifest;
  /** Whether it converted now (false: the folder was reused). */
  converted: boolean;
}

/**
 * Reuses `outDir` when its manifest matches the input and options (see the
 * module docs), else converts into it.
 *
 * @throws {ConversionInputError} when `outDir` was made with other
 * options, naming the folder, the options and the fix.
 */
export async function ensureConverted(
  options: EnsureConvertedOptions,
): Promise<EnsuredConversion> {
  const expected = conversionOptions(options);
  const check = await checkConversion(options.outDir, {
    dataset: options.dataset,
    inputFingerprint: options.inputFingerprint,
    options: expected,
  });
  if (check.status === "ok") {
    return { manifest: check.manifest, converted: false };
  }
  if (check.status === "other-options") {
    const flags = check.differences.map((d) => d.flag).filter((f) =>
      f !== undefined
    );
    throw new ConversionInputError(
      `${options.outDir} was converted with other options than expected here: ${
        describeDifferences(check.differences)
      }. Its arrays are not used. Delete the folder (rm -r '${options.outDir}') to have it converted again, or convert it again${
        flags.length > 0 ? ` without ${flags.join(", ")}` : ""
      }: deno task convert --dataset ${options.dataset}`,
    );
  }
  (options.onNotice ?? console.error)(
    `${check.why}: converting ${options.dataset} into ${options.outDir}`,
  );
  const report = await convertDataset(options);
  return { manifest: report.manifest, converted: true };
}
