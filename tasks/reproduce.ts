/**
 * `deno task reproduce [--profile P] [--mirror DIR] [--backend B]`: the whole
 * pipeline in one command: install and verify the data (from a mirror, or
 * downloaded), convert the product photos, run every notebook at the profile
 * (default `course`), and build the report.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { getProfile } from "../lib/profiles.ts";
import { acquireDatasets } from "../lib/data/acquire.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    profile: { type: "string" },
    mirror: { type: "string" },
    backend: { type: "string" },
  },
});
const profile = getProfile(values.profile);
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

console.log(`reproduce: profile ${profile.name}`);
console.log(
  `[1/3] data (${
    values.mirror ?? Deno.env.get("FASHION_MIRROR") ?? "download"
  })`,
);
await acquireDatasets(
  [
    "fashion-mnist",
    "fashion-product-images",
    "clothing-dataset-small",
    "fashion-shop-samples",
    "mobilenet-v2-0.35-224-notop",
  ],
  { mirror: values.mirror, log: (line) => console.log(`  ${line}`) },
);

async function step(label: string, args: string[]): Promise<void> {
  console.log(`${label} (${elapsed()})`);
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    env: values.mirror ? { FASHION_MIRROR: values.mirror } : {},
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) {
    console.error(
      `reproduce: ${label} failed; fix the error above and run the same command again (finished runs are reused)`,
    );
    Deno.exit(1);
  }
}

const backendArgs = values.backend ? ["--backend", values.backend] : [];
await step("[2/3] notebooks", [
  "tasks/notebooks.ts",
  "--profile",
  profile.name,
  ...backendArgs,
]);
await step("[3/3] report", ["tasks/report.ts"]);
console.log(
  `reproduce: done in ${elapsed()}; open ${join("reports", "index.html")}`,
);
