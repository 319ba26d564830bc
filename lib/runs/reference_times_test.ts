import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import type { ReferenceEntry } from "./reference.ts";
import { referenceTimes } from "./reference_times.ts";
import { formatHoursMinutes } from "../train/progress.ts";

const epyc = {
  cpu: "AMD EPYC",
  cpuFlags: "avx avx2 fma avx512f",
  cores: 2,
  memoryBytes: 2 ** 34,
  os: "linux x86_64",
};

function entry(
  id: string,
  study: string | undefined,
  seconds: number,
  finishedAt: string,
  backend = "tensorflow on CPU (2 cores)",
  machine = epyc,
): ReferenceEntry {
  return {
    id,
    name: id,
    study,
    backend,
    machine,
    machineFrom: "run record",
    finishedAt,
    durationSeconds: seconds,
  };
}

Deno.test("reference times: seconds summed per study and in total, with the machines, backends and finishing dates", () => {
  const { studies, total } = referenceTimes([
    entry("b", "004", 388, "2026-11-29T10:00:00Z"),
    entry("a", "000", 1_583.5, "2026-11-30T16:00:00Z"),
    entry("c", "004", 1_360, "2026-11-30T09:00:00Z"),
    entry("d", undefined, 2, "2026-11-30T12:00:00Z", "webgpu on NVIDIA H200", {
      ...epyc,
      cores: 16,
    }),
  ]);
  assertEquals(studies.map((s) => [s.study, s.runs, s.seconds]), [
    ["000", 1, 1_583.5],
    ["004", 2, 1_748],
    ["none", 1, 2],
  ]);
  assertEquals(studies[1].firstFinished, "2026-11-29T10:00:00Z");
  assertEquals(studies[1].lastFinished, "2026-11-30T09:00:00Z");
  assertEquals(total.study, "all");
  assertEquals(total.runs, 4);
  assertEquals(total.seconds, 3_333.5);
  assertEquals(total.backends, [
    "tensorflow on CPU (2 cores)",
    "webgpu on NVIDIA H200",
  ]);
  assertEquals(total.machines.length, 2);
  assertEquals(studies[0].machines, [
    "AMD EPYC (avx avx2 fma avx512f), 2 cores, 16.0 GiB, linux x86_64",
  ]);
});

Deno.test("reference times: an empty set is an error that says how to make one", () => {
  assertThrows(() => referenceTimes([]), /deno task reference save/);
});

Deno.test("hours and minutes for tables", () => {
  assertEquals(formatHoursMinutes(44_005), "12 h 13 min");
  assertEquals(formatHoursMinutes(29), "0 h 00 min");
  assertEquals(formatHoursMinutes(3_599), "1 h 00 min");
});
