/**
 * The machine a run computed on: CPU model, the instruction-set extensions
 * that change TensorFlow's CPU kernels (AVX2, AVX-512), cores, memory and
 * operating system. The same commit, seed and backend can give other
 * results on another CPU (its kernels' arithmetic differs), so every run
 * record and every reference set names its machine, and the reference
 * check (`reference_check.ts`) expects identical numbers only on the same
 * one.
 *
 * @module
 */
import { cpus, totalmem } from "node:os";

/** What {@linkcode machineInfo} reports. */
export interface MachineInfo {
  /** CPU model as the operating system names it, e.g. `AMD EPYC`. */
  cpu: string;
  /** The vector extensions among AVX, AVX2, FMA, AVX-512F the CPU has, e.g. `avx2 avx512f fma`. */
  cpuFlags: string;
  /** Logical cores the process may use. */
  cores: number;
  /** Physical memory in bytes. */
  memoryBytes: number;
  /** Operating system and architecture, e.g. `linux x86_64`. */
  os: string;
}

/** The vector extensions whose presence changes the CPU kernels' arithmetic. */
const KERNEL_FLAGS = ["avx", "avx2", "fma", "avx512f"];

function cpuFlagsFromProc(): string {
  try {
    const text = Deno.readTextFileSync("/proc/cpuinfo");
    const line = text.split("\n").find((l) => /^flags\s*:/.test(l));
    if (!line) return "";
    const flags = new Set(line.split(":")[1].trim().split(/\s+/));
    return KERNEL_FLAGS.filter((f) => flags.has(f)).join(" ");
  } catch {
    return "";
  }
}

/**
 * Describes this machine. Reads `/proc/cpuinfo` for the vector extensions
 * where it exists (Linux); elsewhere `cpuFlags` is empty.
 */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: (list[0]?.model ?? "unknown").trim() || "unknown",
    cpuFlags: cpuFlagsFromProc(),
    cores: navigator.hardwareConcurrency ?? list.length,
    memoryBytes: totalmem(),
    os: `${Deno.build.os} ${Deno.build.arch}`,
  };
}

/** One line for people: `AMD EPYC (avx avx2 fma avx512f), 2 cores, 23.4 GiB, linux x86_64`. */
export function describeMachine(m: MachineInfo): string {
  const gib = (m.memoryBytes / 2 ** 30).toFixed(1);
  return `${m.cpu}${m.cpuFlags ? ` (${m.cpuFlags})` : ""}, ${m.cores} core${
    m.cores === 1 ? "" : "s"
  }, ${gib} GiB, ${m.os}`;
}

/**
 * Whether two machines compute alike: the same CPU model, vector
 * extensions and core count (TensorFlow splits work by cores, which can
 * change the order of a sum).
 */
export function sameMachine(a: MachineInfo, b: MachineInfo): boolean {
  return a.cpu === b.cpu && a.cpuFlags === b.cpuFlags && a.cores === b.cores;
}
