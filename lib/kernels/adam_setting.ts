/**
 * Which Adam a backend's optimizer uses, from an environment variable
 * (`FASHION_WEBGPU_ADAM`, `FASHION_TENSORFLOW_ADAM`): `fused` (unset: the
 * default) or `generic` (`tf.train.adam`, for comparisons).
 *
 * @module
 */

/** Reads `variable` (or `setting`); throws on anything but fused, generic or unset. */
export function adamSetting(
  variable: string,
  setting = Deno.env.get(variable),
): "fused" | "generic" {
  const text = (setting ?? "").trim().toLowerCase();
  if (text === "" || text === "fused") return "fused";
  if (text === "generic") return "generic";
  throw new Error(
    `${variable}: unknown setting "${setting}"; use fused or generic`,
  );
}
