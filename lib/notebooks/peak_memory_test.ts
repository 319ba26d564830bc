import assert from "node:assert/strict";
import {
  formatGigabytes,
  peakNote,
  peakResidentBytes,
  processTree,
  watchPeakMemory,
} from "./peak_memory.ts";

const hasProc = (() => {
  try {
    Deno.statSync("/proc/self/status");
    return true;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "watchPeakMemory sees a child's child allocate 300 MB and free it",
  ignore: !hasProc,
  async fn() {
    // A shell (the watched root) starts Python, which holds 300 MB for a
    // moment and exits: the watch must attribute the peak to the grandchild.
    const child = new Deno.Command("sh", {
      args: [
        "-c",
        "python3 -c 'import time; b = bytearray(300_000_000); time.sleep(1.5)'",
      ],
    }).spawn();
    const watch = watchPeakMemory(child.pid, 100);
    assert((await child.status).success);
    const peak = watch.stop();
    if (peak === null) throw new Error("no peak seen");
    assert(peak.bytes > 300e6, `peak ${peak.bytes} bytes`);
    assert(peak.bytes < 1e9, `peak ${peak.bytes} bytes`);
    assert(peak.process.includes("bytearray(300_00"), peak.process);
  },
});

Deno.test({
  name: "processTree and peakResidentBytes read this process",
  ignore: !hasProc,
  fn() {
    assert.equal(processTree(Deno.pid)[0], Deno.pid);
    const bytes = peakResidentBytes(Deno.pid);
    assert(bytes !== null && bytes > 10e6, `${bytes}`);
    assert.equal(peakResidentBytes(2 ** 22 + 7), null);
  },
});

Deno.test("formatGigabytes and peakNote", () => {
  assert.equal(formatGigabytes(2_147_483_648), "2.1 GB");
  assert.equal(peakNote(null), "");
  assert.equal(
    peakNote({ bytes: 8.8e9, process: "deno" }),
    ", peak memory 8.8 GB",
  );
});
