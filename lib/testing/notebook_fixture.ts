/**
 * Notebooks written by tests: nbformat 4 with the Deno kernel, one code cell
 * per source string, no outputs.
 *
 * @module
 */

/** The JSON text of a notebook whose code cells hold `cells`. */
export function notebookJson(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source) => ({
      cell_type: "code",
      metadata: {},
      execution_count: null,
      outputs: [],
      source,
    })),
    metadata: {
      kernelspec: {
        display_name: "Deno",
        language: "typescript",
        name: "deno",
      },
    },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/**
 * A code cell that shows `text` as a Jupyter display, then waits as the
 * workspace's display helpers do (`DISPLAY_SETTLE_MS` in
 * lib/notebooks/display.ts) so the display is not lost on a busy machine.
 */
export function showCell(text: string): string {
  return `await Deno.jupyter.display({ "text/plain": ${
    JSON.stringify(text)
  } }, { raw: true });\nawait new Promise((r) => setTimeout(r, 50));`;
}
