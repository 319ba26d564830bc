/**
 * The notebooks the report links: every `.ipynb` in the notebooks folder
 * (and its executed copy under `reports/notebooks/`, when there is one),
 * with the studies it records runs for. A notebook belongs to a study when
 * its opening markdown cell or any code cell names it (`Study 002`,
 * `study002`, `STUDY_002_…`, `runStudy002`, `study: "002"`), so new
 * notebooks are found without a list kept by hand.
 *
 * @module
 */
import { join, relative } from "node:path";

/** A notebook as the report links it. */
export interface NotebookLink {
  /** File name, e.g. `09_fashion_mnist.ipynb`. */
  name: string;
  /** Its title (the first markdown heading), or the file name. */
  title: string;
  /** Studies it records runs for, e.g. `["004"]`. */
  studies: string[];
  /** Link to the committed notebook, relative to the report's folder. */
  source: string | null;
  /** Link to the executed copy, relative to the report's folder. */
  executed: string | null;
}

interface NotebookJson {
  cells?: { cell_type?: string; source?: string | string[] }[];
}

/** `Study 002`, `study002`, `STUDY_002_…`, `runStudy002`, `study: "002"`. */
const STUDY = [
  /(?<![a-z])study[ _-]?(\d{3})(?![0-9])/gi,
  /Study(\d{3})(?![0-9])/g,
  /\bstudy:\s*["'](\d{3})["']/g,
];

const text = (source: string | string[] | undefined) =>
  Array.isArray(source) ? source.join("") : source ?? "";

/**
 * The studies a notebook names in its opening markdown cell or its code,
 * sorted, and its title.
 *
 * @example
 * ```ts
 * notebookStudies({ cells: [{ cell_type: "markdown", source: "# 09 · Study 004\n" }] });
 * // { title: "09 · Study 004", studies: ["004"] }
 * ```
 */
export function notebookStudies(
  notebook: NotebookJson,
): { title: string | null; studies: string[] } {
  const cells = notebook.cells ?? [];
  const firstMarkdown = cells.find((c) => c.cell_type === "markdown");
  const scanned = [
    text(firstMarkdown?.source),
    ...cells.filter((c) => c.cell_type === "code").map((c) => text(c.source)),
  ];
  const studies = new Set<string>();
  for (const source of scanned) {
    for (const pattern of STUDY) {
      for (const match of source.matchAll(pattern)) studies.add(match[1]);
    }
  }
  const heading = text(firstMarkdown?.source).match(/^#+\s+(.+)$/m);
  return { title: heading?.[1].trim() ?? null, studies: [...studies].sort() };
}

function ipynbNames(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
      .map((e) => e.name);
  } catch {
    return [];
  }
}

const href = (from: string, to: string) =>
  relative(from, to).split("\\").join("/");

/**
 * Every notebook in `sourceDir` or `executedDir`, sorted by name, with
 * links relative to `reportDir`. The executed copy is read when the source
 * is missing.
 */
export async function findNotebooks(
  sourceDir: string,
  executedDir: string,
  reportDir: string,
): Promise<NotebookLink[]> {
  const sources = new Set(ipynbNames(sourceDir));
  const executed = new Set(ipynbNames(executedDir));
  const links: NotebookLink[] = [];
  for (const name of [...new Set([...sources, ...executed])].sort()) {
    const path = sources.has(name)
      ? join(sourceDir, name)
      : join(executedDir, name);
    let parsed: NotebookJson = {};
    try {
      parsed = JSON.parse(await Deno.readTextFile(path));
    } catch {
      // an unreadable notebook is still linked, without studies
    }
    const { title, studies } = notebookStudies(parsed);
    links.push({
      name,
      title: title ?? name,
      studies,
      source: sources.has(name) ? href(reportDir, join(sourceDir, name)) : null,
      executed: executed.has(name)
        ? href(reportDir, join(executedDir, name))
        : null,
    });
  }
  return links;
}
