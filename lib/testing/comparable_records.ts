/**
 * What must be equal between two trainings of the same runs, whoever ran
 * them (in the process, local workers, Slurm jobs): every record's status,
 * name, parameters, seed, data, metrics, predictions, search record and
 * epoch history, without timings and without whether a trial was reused
 * (that describes the sitting, not the result).
 *
 * @module
 */
import { join } from "node:path";
import { readRunFolders } from "../runs/run_index.ts";

/** The comparable content of one run folder. */
export async function comparableRecord(dir: string) {
  const read = async (name: string) => {
    try {
      return JSON.parse(await Deno.readTextFile(join(dir, name)));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  };
  const run = await read("run.json");
  const history = await read("history.json") as
    | Record<string, number>[]
    | null;
  return {
    status: run.status,
    name: run.name,
    params: run.params,
    seed: run.seed,
    dataset: run.dataset,
    splits: run.splits,
    metrics: await read("metrics.json"),
    predictions: await read("predictions.json"),
    search: JSON.parse(
      JSON.stringify(
        await read("search.json"),
        (key, value) => key === "reused" ? undefined : value,
      ),
    ),
    history: history?.map(({ seconds: _s, ...rest }) => rest) ?? null,
  };
}

/** Every run folder of `root` with its {@linkcode comparableRecord}, by id. */
export async function comparableRecords(
  root: string,
): Promise<Record<string, Awaited<ReturnType<typeof comparableRecord>>>> {
  const out: Record<string, Awaited<ReturnType<typeof comparableRecord>>> = {};
  for (const folder of await readRunFolders(root)) {
    out[folder.name] = await comparableRecord(folder.dir);
  }
  return out;
}
