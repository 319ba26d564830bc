/**
 * Dataset files made from files of upstream archives rather than copied
 * (the catalog's `ArchiveDerivation`s): the steps that built the mirror's
 * copies, redone byte for byte so the results match the mirror's checksums.
 *
 * - {@linkcode csvRowsForFiles}: a CSV keeping only the rows of files that
 *   are present (the product images' `styles.csv`).
 * - {@linkcode cutNestedTfjsModel}: a nested model cut out of a TF.js layers
 *   export (the MobileNetV2 base inside a Teachable Machine model), written
 *   with {@linkcode pythonJsonDumps} as the mirror's was.
 *
 * @module
 */

/**
 * The CSV `text` with its header and only the rows whose id (the first
 * column) is in `ids`, sorted by numeric id, every line ending `\r\n`.
 *
 * @throws when a kept id has no row, naming the ids (the CSV is not the
 * one the files belong to).
 */
export function csvRowsForFiles(
  text: string,
  ids: ReadonlySet<string>,
  source: string,
): string {
  const lines = text.split(/\r?\n/).filter((line) => line !== "");
  if (lines.length === 0) throw new Error(`${source} is empty`);
  const [header, ...rows] = lines;
  const kept = new Map<string, string>();
  for (const row of rows) {
    const id = row.slice(0, row.indexOf(","));
    if (ids.has(id) && !kept.has(id)) kept.set(id, row);
  }
  const missing = [...ids].filter((id) => !kept.has(id));
  if (missing.length > 0) {
    throw new Error(
      `${source} has no row for ${missing.length} of the ${ids.size} files (ids ${
        missing.slice(0, 5).join(", ")
      }${missing.length > 5 ? ", ..." : ""})`,
    );
  }
  const sorted = [...kept].sort(([a], [b]) => Number(a) - Number(b));
  return [header, ...sorted.map(([, row]) => row)].map((l) => `${l}\r\n`)
    .join("");
}

/** A JSON number kept as its source text (so `1.0` and `1` stay apart). */
class RawNumber {
  constructor(readonly raw: string) {}
}

/**
 * A JSON value; numbers parsed from text are {@link RawNumber}s (JavaScript
 * numbers are written as integers when whole, else as Python floats).
 */
export type JsonValue =
  | null
  | boolean
  | string
  | number
  | RawNumber
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * Parses JSON keeping every number's source text. Objects keep their key
 * order; a key that JavaScript would reorder (an array index like `"0"`)
 * is refused.
 */
function parseJsonKeepingNumbers(text: string, source: string): JsonValue {
  type Reviver = (
    this: unknown,
    key: string,
    value: unknown,
    context?: { source?: string },
  ) => unknown;
  const reviver: Reviver = (_key, value, context) => {
    if (typeof value === "number") {
      if (context?.source === undefined) {
        throw new Error(
          "this JavaScript engine gives no number source text to JSON.parse revivers",
        );
      }
      return new RawNumber(context.source);
    }
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const index = Object.keys(value).find((k) => /^(0|[1-9]\d*)$/.test(k));
      if (index !== undefined) {
        throw new Error(
          `${source}: key "${index}" would lose its place in the object`,
        );
      }
    }
    return value;
  };
  return JSON.parse(text, reviver as Parameters<typeof JSON.parse>[1]);
}

/**
 * `repr()` of a Python float: the shortest digits that round-trip, in fixed
 * notation when the decimal exponent is in [-4, 16), else as `1e-05`,
 * `1.5e+16` (two exponent digits at least); whole numbers end in `.0`.
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const sign = value < 0 ? "-" : "";
  const [mantissa, exponent] = Math.abs(value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const point = Number(exponent) + 1; // value = 0.<digits> x 10^point
  if (point <= -4 || point > 16) {
    const e = point - 1;
    const rest = digits.slice(1);
    return `${sign}${digits[0]}${rest ? `.${rest}` : ""}e${e < 0 ? "-" : "+"}${
      String(Math.abs(e)).padStart(2, "0")
    }`;
  }
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point < digits.length) {
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
}

/** A JSON string as Python's `json.dumps` writes it (`ensure_ascii`). */
function pythonJsonString(text: string): string {
  return JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * `value` as Python's `json.dumps(value)` writes it with its defaults:
 * `", "` and `": "` separators, non-ASCII escaped, integers as written and
 * other numbers as Python floats.
 */
export function pythonJsonDumps(value: JsonValue): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return pythonJsonString(value);
  if (typeof value === "number") {
    return Number.isSafeInteger(value) ? String(value) : pythonFloatRepr(value);
  }
  if (value instanceof RawNumber) {
    return /^-?\d+$/.test(value.raw)
      ? value.raw
      : pythonFloatRepr(Number(value.raw));
  }
  if (Array.isArray(value)) {
    return `[${value.map(pythonJsonDumps).join(", ")}]`;
  }
  return `{${
    Object.entries(value).map(([k, v]) =>
      `${pythonJsonString(k)}: ${pythonJsonDumps(v)}`
    ).join(", ")
  }}`;
}

type JsonObject = { [key: string]: JsonValue };

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  v !== null && v !== undefined && typeof v === "object" &&
  !Array.isArray(v) && !(v instanceof RawNumber);

/** Finds the layer of class `Model` (or `Functional`) named `name`, at any depth. */
function findNestedModel(
  topology: JsonValue,
  name: string,
): JsonObject | undefined {
  if (!isObject(topology)) return undefined;
  const config = topology.config;
  if (
    (topology.class_name === "Model" ||
      topology.class_name === "Functional") &&
    isObject(config) && config.name === name
  ) return topology;
  const layers = isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layers)) return undefined;
  for (const layer of layers) {
    const found = findNestedModel(layer, name);
    if (found) return found;
  }
  return undefined;
}

/** The weights' element counts times byte width, for slicing `weights.bin`. */
function byteLength(entry: JsonObject, source: string): number {
  const shape = entry.shape;
  const bytesPer: Record<string, number> = {
    float32: 4,
    int32: 4,
    bool: 1,
    uint8: 1,
  };
  const width = bytesPer[String(entry.dtype)];
  if (!Array.isArray(shape) || width === undefined) {
    throw new Error(
      `${source}: weight ${entry.name} has an unsupported shape or dtype ${entry.dtype}`,
    );
  }
  return shape.reduce<number>(
    (n, d) => n * Number(d instanceof RawNumber ? d.raw : d),
    width,
  );
}

/** A model cut out of a TF.js layers export: its `model.json` text and `weights.bin` bytes. */
export interface CutModel {
  /** The new `model.json`. */
  modelJson: string;
  /** The new `weights.bin`. */
  weights: Uint8Array;
}

/**
 * Cuts the model named `model` out of a TF.js layers export
 * (`modelJsonText`, with the single weights file `weightsBin`): the new
 * `model.json` is `{format, generatedBy, convertedBy: null,
 * modelTopology: {class_name, config, keras_version, backend},
 * weightsManifest: [{paths: ["weights.bin"], weights}]}` with the nested
 * model's topology and only the weights of its layers (in the export's
 * order), written by {@linkcode pythonJsonDumps}; the new `weights.bin`
 * holds those weights' bytes.
 *
 * @throws naming `source` when the model is not in the export, the export
 * has several weight files, or `weights.bin` is not as long as its manifest.
 */
export function cutNestedTfjsModel(
  modelJsonText: string,
  weightsBin: Uint8Array,
  model: string,
  generatedBy: string,
  source: string,
): CutModel {
  const exported = parseJsonKeepingNumbers(modelJsonText, source);
  if (!isObject(exported) || !isObject(exported.modelTopology)) {
    throw new Error(`${source} is not a TF.js layers model (no modelTopology)`);
  }
  const topology = exported.modelTopology;
  const nested = findNestedModel(topology, model);
  if (!nested || !isObject(nested.config)) {
    throw new Error(`${source} holds no nested model named ${model}`);
  }
  const layerNames = new Set(
    (Array.isArray(nested.config.layers) ? nested.config.layers : [])
      .flatMap((layer) =>
        isObject(layer) && typeof layer.name === "string" ? [layer.name] : []
      ),
  );
  const groups = Array.isArray(exported.weightsManifest)
    ? exported.weightsManifest.filter(isObject)
    : [];
  if (groups.length !== 1) {
    throw new Error(
      `${source}: expected one weights group, found ${groups.length}`,
    );
  }
  const entries = Array.isArray(groups[0].weights)
    ? groups[0].weights.filter(isObject)
    : [];
  const kept: JsonObject[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const length = byteLength(entry, source);
    const layer = String(entry.name).split("/")[0];
    if (layerNames.has(layer)) {
      kept.push(entry);
      parts.push(weightsBin.subarray(offset, offset + length));
    }
    offset += length;
  }
  if (offset !== weightsBin.length) {
    throw new Error(
      `${source}: the manifest describes ${offset} bytes of weights, weights.bin has ${weightsBin.length}`,
    );
  }
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    weights.set(part, at);
    at += part.length;
  }
  const cut: JsonObject = {
    format: "layers-model",
    generatedBy,
    convertedBy: null,
    modelTopology: {
      class_name: nested.class_name,
      config: nested.config,
      keras_version: topology.keras_version ?? null,
      backend: topology.backend ?? null,
    },
    weightsManifest: [{ paths: ["weights.bin"], weights: kept }],
  };
  return { modelJson: pythonJsonDumps(cut), weights };
}
