/**
 * Training progress that updates in place: a single rewritten line on a
 * terminal (`\r` on stderr), plain lines when stderr is a file or pipe (CI
 * logs), and one live-updating output in a Deno Jupyter notebook
 * (`Deno.jupyter.display` with a display id and `update: true`).
 * {@linkcode autoProgress} picks the right one.
 *
 * @module
 */

/** A snapshot of training progress. */
export interface ProgressState {
  /** 0-based epoch being trained. */
  epoch: number;
  /** Total epochs. */
  epochs: number;
  /** Batches done in this epoch. */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  /** Running metrics of this epoch (e.g. loss, acc), and at epoch end the validation ones. */
  metrics: Record<string, number>;
  /** Seconds since training (or resuming) started. */
  elapsedSeconds: number;
  /** Estimated seconds left, or null before the first batch. */
  etaSeconds: number | null;
}

/** Receives progress; the training loop calls `update` often and `epochEnd` once per epoch. */
export interface ProgressReporter {
  /** A batch finished. Reporters throttle their own output. */
  update(state: ProgressState): void | Promise<void>;
  /** An epoch finished; `state.metrics` holds the epoch's final metrics. */
  epochEnd(state: ProgressState): void | Promise<void>;
  /** Training finished (normally or by early stopping). */
  done(message: string): void | Promise<void>;
}

/** Formats seconds as hours and minutes for tables, `9 h 33 min`. */
export function formatHoursMinutes(seconds: number): string {
  const m = Math.round(seconds / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** Formats seconds as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${
      String(Math.floor((s % 3600) / 60)).padStart(2, "0")
    }m`;
  }
  if (s >= 60) {
    return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  }
  return `${s}s`;
}

/**
 * One line describing `state`.
 *
 * @example
 * ```ts
 * formatProgress({ epoch: 0, epochs: 5, batch: 10, batches: 40,
 *   metrics: { loss: 0.6931 }, elapsedSeconds: 12, etaSeconds: 228 });
 * // "epoch 1/5 [#####...................] 10/40 loss 0.6931 | 12s elapsed, ETA 3m48s"
 * ```
 */
export function formatProgress(state: ProgressState, width = 20): string {
  const fraction = state.batches > 0 ? state.batch / state.batches : 1;
  const filled = Math.round(fraction * width);
  const bar = "#".repeat(filled) + ".".repeat(width - filled);
  const metrics = Object.entries(state.metrics)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join(" ");
  const eta = state.etaSeconds === null
    ? "ETA ?"
    : `ETA ${formatDuration(state.etaSeconds)}`;
  return `epoch ${
    state.epoch + 1
  }/${state.epochs} [${bar}] ${state.batch}/${state.batches} ${metrics} | ${
    formatDuration(state.elapsedSeconds)
  } elapsed, ${eta}`;
}

/** Where terminal progress goes. */
export interface TextSink {
  /** Writes text as is. */
  write(text: string): void;
  /** Whether the sink is an interactive terminal. */
  isTerminal: boolean;
}

/** stderr as a {@linkcode TextSink}. */
export function stderrSink(): TextSink {
  const encoder = new TextEncoder();
  return {
    write: (text) => {
      Deno.stderr.writeSync(encoder.encode(text));
    },
    isTerminal: Deno.stderr.isTerminal(),
  };
}

/**
 * Progress for a terminal: on a TTY one line rewritten with `\r` (at most
 * every `intervalMs`), on a pipe one plain line per epoch.
 */
export function terminalProgress(
  sink: TextSink = stderrSink(),
  intervalMs = 200,
): ProgressReporter {
  let last = 0;
  return {
    update(state) {
      if (!sink.isTerminal) return;
      const now = performance.now();
      if (now - last < intervalMs) return;
      last = now;
      sink.write(`\r${formatProgress(state)}\x1b[K`);
    },
    epochEnd(state) {
      sink.write(
        sink.isTerminal
          ? `\r${formatProgress(state)}\x1b[K\n`
          : `${formatProgress(state)}\n`,
      );
    },
    done(message) {
      sink.write(`${message}\n`);
    },
  };
}

/** A media bundle for Jupyter (what `Deno.jupyter.display(..., { raw: true })` takes). */
export type MediaBundle = Record<string, string>;

/** The display function of a Jupyter kernel. */
export type JupyterDisplay = (
  bundle: MediaBundle,
  options: { raw: true; display_id?: string; update?: boolean },
) => void | Promise<void>;

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}

function progressBundle(state: ProgressState, log: string[]): MediaBundle {
  const line = formatProgress(state);
  const html = `<div style="font-family:monospace">` +
    `<progress max="${state.batches}" value="${state.batch}" style="width:20em"></progress> ` +
    `${escapeHtml(line)}` +
    (log.length ? `<pre>${escapeHtml(log.join("\n"))}</pre>` : "") +
    `</div>`;
  return { "text/plain": [...log, line].join("\n"), "text/html": html };
}

/**
 * Progress for a Deno Jupyter notebook: one output cell area updated in
 * place (display id), with a progress bar and one line per finished epoch.
 */
export function jupyterProgress(
  display: JupyterDisplay,
  intervalMs = 500,
): ProgressReporter {
  const id = `training-${crypto.randomUUID()}`;
  const epochLines: string[] = [];
  let shown = false;
  let last = 0;
  let latest: ProgressState | null = null;
  const show = async (state: ProgressState) => {
    await display(progressBundle(state, epochLines), {
      raw: true,
      display_id: id,
      update: shown,
    });
    shown = true;
  };
  return {
    async update(state) {
      latest = state;
      const now = performance.now();
      if (shown && now - last < intervalMs) return;
      last = now;
      await show(state);
    },
    async epochEnd(state) {
      latest = state;
      epochLines.push(formatProgress(state));
      await show(state);
    },
    async done(message) {
      epochLines.push(message);
      if (latest) await show(latest);
    },
  };
}

/** The Jupyter display function when running inside `deno jupyter`, else null. */
export function jupyterDisplay(): JupyterDisplay | null {
  try {
    const jupyter = (Deno as unknown as {
      jupyter?: { display: JupyterDisplay };
    }).jupyter;
    return jupyter ? jupyter.display.bind(jupyter) : null;
  } catch {
    return null; // Deno throws when `Deno.jupyter` is read outside a kernel
  }
}

/** Notebook progress inside a Jupyter kernel, terminal progress otherwise. */
export function autoProgress(): ProgressReporter {
  const display = jupyterDisplay();
  return display ? jupyterProgress(display) : terminalProgress();
}

/** A reporter that shows nothing (tests, search trials run quietly). */
export const silentProgress: ProgressReporter = {
  update() {},
  epochEnd() {},
  done() {},
};
