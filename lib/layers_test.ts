/**
 * The layering of `lib/`, checked on the code's own imports: every import
 * points down the layers below, no module re-exports with `export *`, and
 * there is no import circle (type-only imports included).
 *
 * Layers, bottom to top (a module may import its own folder and any lower
 * layer, never a sibling folder of its own layer or anything above):
 *
 * | layer | folders                                                   |
 * | ----- | --------------------------------------------------------- |
 * | 0     | `io/`, `random.ts`, `profiles.ts`, `published/`, `eval/`  |
 * | 1     | `data/`                                                   |
 * | 2     | `native/`, `kernels/`                                     |
 * | 3     | `backend.ts`                                              |
 * | 4     | `models/`                                                 |
 * | 5     | `train/`                                                  |
 * | 6     | `runs/`                                                   |
 * | 7     | `execute/`                                                |
 * | 8     | `studies/` (a study may import an earlier-numbered study) |
 * | 9     | `report/`                                                 |
 * | 10    | `notebooks/`, `bench/`                                    |
 * | 11    | `testing/` (imported by tests only)                       |
 *
 * The report reads run records only: it may import `runs/`, `eval/`,
 * `published/`, `io/` and `random.ts`, and nothing that trains.
 *
 * `tasks/` and the notebooks sit on top; nothing in `lib/` imports them.
 * Test files (`*_test.ts`) and `testdata/` are leaves and may import
 * anything.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const LIB = fileURLToPath(new URL(".", import.meta.url));

const LAYERS: Record<string, number> = {
  "io": 0,
  "random.ts": 0,
  "profiles.ts": 0,
  "published": 0,
  "eval": 0,
  "data": 1,
  "native": 2,
  "kernels": 2,
  "backend.ts": 3,
  "models": 4,
  "train": 5,
  "runs": 6,
  "execute": 7,
  "studies": 8,
  "report": 9,
  "notebooks": 10,
  "bench": 10,
  "plan": 11,
  "testing": 12,
};

/** Folders that may import only these lower ones (instead of every lower layer). */
const ONLY_FROM: Record<string, string[]> = {
  report: ["runs", "eval", "published", "io", "random.ts"],
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...sourceFiles(path));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?["'](\.{1,2}\/[^"']+)["']|import\s*\(\s*["'](\.{1,2}\/[^"']+)["']/g;

/** Relative imports of a file, as absolute paths (static, type-only and dynamic). */
function importsOf(file: string): string[] {
  const source = Deno.readTextFileSync(file);
  return [...source.matchAll(IMPORT)].map((m) =>
    resolve(dirname(file), m[1] ?? m[2])
  );
}

/** The top-level unit of a path inside `lib/` (`studies/s000` for studies). */
function unitOf(path: string): string {
  const parts = relative(LIB, path).split("/");
  return parts[0] === "studies" && parts.length > 2
    ? `studies/${parts[1]}`
    : parts[0];
}

function layerOf(unit: string): number {
  const layer = LAYERS[unit.split("/")[0]];
  if (layer === undefined) {
    throw new Error(
      `lib/${unit} has no layer: add it to LAYERS in lib/layers_test.ts`,
    );
  }
  return layer;
}

const isLeaf = (file: string) =>
  file.endsWith("_test.ts") || file.includes("/testdata/");
const modules = sourceFiles(LIB).filter((f) => !isLeaf(f));

Deno.test("every import in lib/ points down the layers", () => {
  const upward: string[] = [];
  for (const file of modules) {
    const from = unitOf(file);
    for (const target of importsOf(file)) {
      if (!target.startsWith(LIB)) {
        upward.push(`${relative(LIB, file)} imports outside lib/: ${target}`);
        continue;
      }
      const to = unitOf(target);
      if (from === to) continue;
      const only = ONLY_FROM[from];
      const ok = only
        ? only.includes(to)
        : from.startsWith("studies/") && to.startsWith("studies/")
        ? to < from
        : layerOf(to) < layerOf(from);
      if (!ok) {
        upward.push(`${relative(LIB, file)} -> ${relative(LIB, target)}`);
      }
    }
  }
  assertEquals(upward, []);
});

Deno.test("no module re-exports with export *", () => {
  const barrels = modules.filter((f) =>
    /^\s*export\s+\*/m.test(Deno.readTextFileSync(f))
  ).map((f) => relative(LIB, f));
  assertEquals(barrels, []);
});

Deno.test("no import circles in lib/ and tasks/ (type-only included)", () => {
  const files = [
    ...modules,
    ...sourceFiles(join(LIB, "../tasks")).filter((f) => !isLeaf(f)),
  ];
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  // Tarjan's strongly connected components.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(relative(LIB, w));
      } while (w !== v);
      if (component.length > 1) circles.push(component.sort());
    }
  };
  for (const file of files) if (!indices.has(file)) visit(file);
  assertEquals(circles, []);
});
