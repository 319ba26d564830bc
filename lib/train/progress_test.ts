import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import {
  formatDuration,
  formatProgress,
  type JupyterDisplay,
  jupyterProgress,
  type ProgressState,
  terminalProgress,
} from "./progress.ts";

const state = (batch: number, epoch = 0): ProgressState => ({
  epoch,
  epochs: 2,
  batch,
  batches: 4,
  metrics: { loss: 1.23456 },
  elapsedSeconds: 65,
  etaSeconds: batch === 0 ? null : 3725,
});

Deno.test("progress line shows epoch, bar, metrics, elapsed and ETA", () => {
  assertEquals(formatDuration(42), "42s");
  assertEquals(formatDuration(185), "3m05s");
  assertEquals(formatDuration(3725), "1h02m");
  assertEquals(
    formatProgress(state(2), 8),
    "epoch 1/2 [####....] 2/4 loss 1.2346 | 1m05s elapsed, ETA 1h02m",
  );
  assert(formatProgress(state(0)).endsWith("ETA ?"));
});

Deno.test("terminal progress rewrites one line on a TTY and prints plain lines to a pipe", async () => {
  const tty: string[] = [];
  const onTty = terminalProgress({
    write: (t) => tty.push(t),
    isTerminal: true,
  }, 0);
  await onTty.update(state(1));
  await onTty.update(state(2));
  await onTty.epochEnd(state(4));
  assertEquals(tty.length, 3);
  assert(tty.every((t) => t.startsWith("\r")));
  assert(tty[2].endsWith("\n") && !tty[0].includes("\n"));

  const piped: string[] = [];
  const onPipe = terminalProgress({
    write: (t) => piped.push(t),
    isTerminal: false,
  }, 0);
  await onPipe.update(state(1));
  await onPipe.epochEnd(state(4));
  await onPipe.done("finished 1 epochs");
  assertEquals(piped.length, 2);
  assert(piped.every((t) => !t.includes("\r") && t.endsWith("\n")));
});

Deno.test("notebook progress updates one display id in place", async () => {
  const calls: {
    bundle: Record<string, string>;
    options: Parameters<JupyterDisplay>[1];
  }[] = [];
  const display: JupyterDisplay = (bundle, options) => {
    calls.push({ bundle, options });
  };
  const progress = jupyterProgress(display, 0);
  await progress.update(state(1));
  await progress.epochEnd(state(4));
  await progress.update(state(1, 1));
  await progress.done("finished 2 epochs");
  assertEquals(calls.map((c) => c.options.update), [false, true, true, true]);
  assert(
    calls.every((c) =>
      c.options.raw && c.options.display_id === calls[0].options.display_id
    ),
  );
  assert(calls[3].bundle["text/html"].includes("<progress"));
  assert(calls[3].bundle["text/plain"].includes("finished 2 epochs"));
  assert(calls[3].bundle["text/plain"].includes("epoch 1/2"));
});
