/**
 * A one-node Slurm cluster on this machine, for tests: `munged`,
 * `slurmctld` and `slurmd` (Debian's `munge` and `slurm-wlm`) started
 * directly, in the foreground, as children of the test process, with a
 * munge key, a `slurm.conf` and every state, spool, log and pid file in a
 * temporary folder (`ProctrackType=proctrack/linuxproc`,
 * `TaskPlugin=task/none`, no accounting: runs as root without systemd or
 * cgroups). The client commands (`sbatch`, `squeue`, `scancel`,
 * `scontrol`) reach it through `SLURM_CONF`, which {@linkcode SlurmCluster.env}
 * holds. {@linkcode SlurmCluster.stop} cancels every job, stops the three
 * daemons and any job step process they left, removes the folder (read
 * {@linkcode SlurmCluster.logs} before), and is safe to call twice.
 *
 * @example
 * ```ts
 * const cluster = await startSlurmCluster();
 * try {
 *   // spawn sbatch with { env: cluster.env } ...
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 *
 * @module
 */
import { join } from "node:path";

/** The binaries the cluster needs, each with the Debian package that has it. */
export const SLURM_BINARIES: Record<string, string> = {
  munged: "munge",
  slurmctld: "slurmctld (slurm-wlm)",
  slurmd: "slurmd (slurm-wlm)",
  sbatch: "slurm-client (slurm-wlm)",
  squeue: "slurm-client (slurm-wlm)",
  scancel: "slurm-client (slurm-wlm)",
  scontrol: "slurm-client (slurm-wlm)",
};

/** Where a binary is on `PATH` or in the sbin folders, or null. */
export function findBinary(name: string): string | null {
  const dirs = [
    ...(Deno.env.get("PATH") ?? "").split(":"),
    "/usr/sbin",
    "/sbin",
    "/usr/local/sbin",
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      const path = join(dir, name);
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Why a cluster cannot be started here (missing binaries, with their
 * Debian packages; not root), or null when it can.
 */
export function slurmMissing(): string | null {
  const missing = Object.keys(SLURM_BINARIES).filter((b) => !findBinary(b));
  if (missing.length) {
    return `missing ${
      missing.join(", ")
    } (Debian: apt-get install slurm-wlm munge)`;
  }
  if (Deno.uid() !== 0) {
    return "the one-node cluster runs slurmd as root, and this is not root";
  }
  return null;
}

/** A running one-node cluster. */
export interface SlurmCluster {
  /** The temporary folder holding its configuration, state and logs. */
  dir: string;
  /** `slurm.conf`. */
  conf: string;
  /** The node's name (and the partition's only node). */
  node: string;
  /** The partition's name. */
  partition: string;
  /** CPUs the node offers. */
  cpus: number;
  /** Environment for the client commands (`SLURM_CONF`). */
  env: Record<string, string>;
  /** Cancels every job, stops the daemons and leftover job steps, removes {@linkcode SlurmCluster.dir}; idempotent. */
  stop(): Promise<void>;
  /** The daemons' logs (for a failing test's message). */
  logs(): string;
}

/** A free TCP port on the loopback interface. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Pids of running `slurmstepd` processes. */
function stepdPids(): Set<number> {
  const pids = new Set<number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const comm = Deno.readTextFileSync(`/proc/${entry.name}/comm`).trim();
      if (comm === "slurmstepd") pids.add(Number(entry.name));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Runs a client command against the cluster; its stdout, or throws with stderr. */
export async function slurmCommand(
  env: Record<string, string>,
  command: string,
  args: string[],
): Promise<string> {
  const out = await new Deno.Command(findBinary(command) ?? command, {
    args,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${command} ${args.join(" ")}: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  return text;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `munged`, `slurmctld` and `slurmd` with a fresh configuration in a
 * temporary folder and waits until the node takes jobs (`sinfo`-free: by
 * `scontrol show node` reporting it idle). On any failure the daemons
 * already started are stopped and the error carries their logs.
 */
export async function startSlurmCluster(
  options: { cpus?: number; timeoutMs?: number } = {},
): Promise<SlurmCluster> {
  const missing = slurmMissing();
  if (missing) throw new Error(`Cannot start a Slurm cluster: ${missing}`);
  const dir = await Deno.makeTempDir({ prefix: "slurm_" });
  await Deno.chmod(dir, 0o755);
  const host = new TextDecoder().decode(
    (await new Deno.Command("hostname", { args: ["-s"], stdout: "piped" })
      .output()).stdout,
  ).trim();
  const cpus = options.cpus ?? navigator.hardwareConcurrency;
  const memInfo = Deno.readTextFileSync("/proc/meminfo");
  const totalMb = Math.floor(
    Number(memInfo.match(/MemTotal:\s+(\d+)/)?.[1] ?? 4_000_000) / 1024,
  );
  for (const sub of ["state", "spool", "munge"]) {
    await Deno.mkdir(join(dir, sub), { mode: 0o700 });
  }
  const key = join(dir, "munge", "munge.key");
  await Deno.writeFile(key, crypto.getRandomValues(new Uint8Array(1024)), {
    mode: 0o400,
  });
  const socket = join(dir, "munge", "munge.socket");
  const conf = join(dir, "slurm.conf");
  const partition = "debug";
  await Deno.writeTextFile(
    conf,
    [
      "ClusterName=fashionlab",
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${freePort()}`,
      `SlurmdPort=${freePort()}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      "CredType=cred/munge",
      `AuthInfo=socket=${socket}`,
      "MpiDefault=none",
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "SchedulerType=sched/backfill",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_CPU",
      "ReturnToService=2",
      "MinJobAge=600",
      "KillWait=5",
      `StateSaveLocation=${join(dir, "state")}`,
      `SlurmdSpoolDir=${join(dir, "spool")}`,
      `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
      `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
      `SlurmctldLogFile=${join(dir, "slurmctld.log")}`,
      `SlurmdLogFile=${join(dir, "slurmd.log")}`,
      "SlurmctldDebug=info",
      "SlurmdDebug=info",
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${totalMb} State=UNKNOWN`,
      `PartitionName=${partition} Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n"),
  );
  const env = { SLURM_CONF: conf };
  const before = stepdPids();
  const children: { name: string; child: Deno.ChildProcess }[] = [];
  const spawn = (name: string, args: string[]) => {
    const log = Deno.openSync(join(dir, `${name}.out`), {
      create: true,
      write: true,
      append: true,
    });
    const child = new Deno.Command(findBinary(name)!, {
      args,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Copy the daemon's own output into its .out file.
    const copy = (stream: ReadableStream<Uint8Array>) =>
      stream.pipeTo(
        new WritableStream({ write: (chunk) => void log.writeSync(chunk) }),
      ).catch(() => {});
    Promise.all([copy(child.stdout), copy(child.stderr)]).finally(() =>
      log.close()
    );
    children.push({ name, child });
    return child;
  };
  let stopped = false;
  const logs = () =>
    ["munged.out", "slurmctld.log", "slurmctld.out", "slurmd.log", "slurmd.out"]
      .map((f) => {
        try {
          return `--- ${f}\n${
            Deno.readTextFileSync(join(dir, f)).split("\n").slice(-25).join(
              "\n",
            )
          }`;
        } catch {
          return `--- ${f}: none`;
        }
      }).join("\n");
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Jobs first, while the controller is there to cancel them.
    await slurmCommand(env, "scancel", ["--full", "--user", "root"]).catch(
      () => {},
    );
    for (let i = 0; i < 20; i++) {
      const queue = await slurmCommand(env, "squeue", ["-h", "-o", "%i"])
        .catch(() => "");
      if (!queue.trim()) break;
      await sleep(500);
    }
    for (const { child } of [...children].reverse()) {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      const gone = await Promise.race([
        child.status.then(() => true),
        sleep(10_000).then(() => false),
      ]);
      if (!gone) {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
        await child.status;
      }
    }
    // Job steps started for this cluster that outlived slurmd.
    for (const pid of stepdPids()) {
      if (before.has(pid)) continue;
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    spawn("munged", [
      "--foreground",
      "--force",
      `--socket=${socket}`,
      `--key-file=${key}`,
      `--pid-file=${join(dir, "munge", "munged.pid")}`,
      `--log-file=${join(dir, "munged.log")}`,
      `--seed-file=${join(dir, "munge", "munged.seed")}`,
    ]);
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (!(await Deno.stat(socket).then(() => true, () => false))) {
      if (Date.now() > deadline) throw new Error("munged did not start");
      await sleep(100);
    }
    spawn("slurmctld", ["-D", "-i", "-f", conf]);
    spawn("slurmd", ["-D", "-f", conf, "-N", host]);
    for (;;) {
      const node = await slurmCommand(env, "scontrol", [
        "-o",
        "show",
        "node",
        host,
      ]).catch(() => "");
      const state = node.match(/State=(\S+)/)?.[1] ?? "";
      if (/^IDLE/.test(state)) break;
      if (Date.now() > deadline) {
        throw new Error(
          `the node did not come up (state "${state || "unknown"}")`,
        );
      }
      await sleep(250);
    }
  } catch (error) {
    const text = logs();
    await stop();
    throw new Error(`Cannot start a Slurm cluster: ${error}\n${text}`);
  }
  return { dir, conf, node: host, partition, cpus, env, stop, logs };
}
