/**
 * What every run of a notebook or task is made with: the profile, the
 * TensorFlow.js backend and the seed (a notebook's `lab`), and how a run
 * record names the backend.
 *
 * @module
 */
import type { BackendChoice } from "../backend.ts";
import type { Profile } from "../profiles.ts";
import type { BackendRef } from "./run_json.ts";

/** Profile, backend and seed: what every study's runs take. */
export interface LabContext {
  /** The profile (data caps, epochs, batch size, grid size). */
  profile: Profile;
  /** The backend in use. */
  backend: BackendChoice;
  /** The seed of initialisation, shuffling and augmentation. */
  seed: number;
}

/**
 * The backend as a run record stores it: name, device and package versions.
 *
 * @example
 * ```ts
 * const backend = await selectBackend();
 * backendRef(backend); // { name: "tensorflow", device: "CPU (2 cores), TensorFlow 2.18.1", packages: {...} }
 * ```
 */
export function backendRef(backend: BackendChoice): BackendRef {
  return {
    name: backend.name,
    device: backend.device,
    packages: backend.packages,
  };
}
