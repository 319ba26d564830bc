/**
 * Deterministic run ids: the same name, parameters and seed always give the
 * same id (no timestamps), so rerunning an experiment finds its own folder,
 * and any change of a parameter gives a new one.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.keys(v).sort().map((
          k,
        ) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    if (typeof v === "number" && !Number.isFinite(v)) {
      throw new Error(`Run parameters must be finite numbers, got ${v}`);
    }
    return v;
  });
}

/** The first 10 hex digits of the SHA-256 of the parameters' canonical JSON. */
export function paramsHash(params: unknown): string {
  return createHash("sha256").update(canonicalJson(params)).digest("hex")
    .slice(0, 10);
}

/** A name reduced to lowercase letters, digits and dashes. */
export function slug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(
    /^-+|-+$/g,
    "",
  );
  if (!s) {
    throw new Error(
      `Run name "${name}" has no letters or digits; give the run a descriptive name`,
    );
  }
  return s.slice(0, 60);
}

/**
 * The id of a run.
 *
 * @example
 * ```ts
 * runId("Primary classification", { kernelSize: 3, filters: 64 }, 42);
 * // "primary-classification-<10 hex digits>-s42"
 * ```
 */
export function runId(name: string, params: unknown, seed: number): string {
  if (!Number.isInteger(seed)) {
    throw new Error(`Run seed must be an integer, got ${seed}`);
  }
  return `${slug(name)}-${paramsHash(params)}-s${seed}`;
}

/** A run id without its seed: the same run (name and parameters) at any seed. */
export function seedGroup(id: string): string {
  return id.replace(/-s\d+$/, "");
}
