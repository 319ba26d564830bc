/**
 * A wrong command line of any task (an unknown option, a missing value, a
 * bad number, a bad profile or backend) ends with exit code 2, one line
 * `<task>: <what is wrong>` and the usage on stderr, no stack trace, and
 * nothing written.
 *
 * The tasks run from a temporary copy of the repository (`lib/`, `tasks/`,
 * `deno.json`, `deno.lock`; `node_modules` linked), with that copy as the
 * working folder, so their default outputs (`data/`, `reports/`, the run
 * folders under `reports/runs/`, which `lib/runs/record.ts` places beside
 * `lib/`) would land in the copy, which must stay unchanged.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface Case {
  /** Script under `tasks/`. */
  script: string;
  /** The name that starts its error line. */
  task: string;
  args: string[];
  /** What the error line must say. */
  says: RegExp;
  env?: Record<string, string>;
}

const UNKNOWN = /unknown option --no-such-flag$/;

const CASES: Case[] = [
  {
    script: "train.ts",
    task: "train",
    args: ["--no-such-flag"],
    says: UNKNOWN,
  },
  {
    script: "train.ts",
    task: "train",
    args: ["--profile", "nope"],
    says: /Unknown profile "nope".*smoke, course, full/,
  },
  {
    script: "train.ts",
    task: "train",
    args: [],
    env: { PROFILE: "huge" },
    says: /Unknown profile "huge" \(from PROFILE\)/,
  },
  {
    script: "train.ts",
    task: "train",
    args: ["--seed", "-1"],
    says: /'--seed' argument is ambiguous/,
  },
  {
    script: "train.ts",
    task: "train",
    args: ["--seed=-1"],
    says: /--seed must be a non-negative integer, not "-1"/,
  },
  {
    script: "train.ts",
    task: "train",
    args: ["--seed", "4.5"],
    says: /--seed must be a non-negative integer/,
  },
  {
    script: "train.ts",
    task: "train",
    args: ["--seed"],
    says: /'--seed <value>' argument missing/,
  },
  {
    script: "train.ts",
    task: "train",
    args: ["--backend", "tpu"],
    says: /Unknown backend "tpu"/,
  },
  {
    script: "train.ts",
    task: "train",
    args: ["--mirror", "/nonexistent/mirror"],
    says: /--mirror \/nonexistent\/mirror: no such folder/,
  },
  {
    script: "train.ts",
    task: "train",
    args: ["stray"],
    says: /Unexpected argument 'stray'/,
  },
  {
    script: "convert.ts",
    task: "convert",
    args: ["--no-such-flag"],
    says: UNKNOWN,
  },
  {
    script: "convert.ts",
    task: "convert",
    args: ["--dataset", "fashion-product-images", "--limit-per-class", "0"],
    says: /--limit-per-class must be a positive integer, not "0"/,
  },
  {
    script: "convert.ts",
    task: "convert",
    args: ["--dataset", "fashion-product-images", "--width", "wide"],
    says: /--width must be a positive integer, not "wide"/,
  },
  {
    script: "convert.ts",
    task: "convert",
    args: ["--dataset", "fashion-product-images", "--phash-threshold", "65"],
    says: /--phash-threshold must be an integer from 0 to 64/,
  },
  {
    script: "convert.ts",
    task: "convert",
    args: ["--dataset", "mnist"],
    says: /--dataset must be one of fashion-product-images/,
  },
  {
    script: "convert.ts",
    task: "convert",
    args: [],
    says: /--dataset is required/,
  },
  {
    script: "report.ts",
    task: "report",
    args: ["--no-such-flag"],
    says: UNKNOWN,
  },
  {
    script: "report.ts",
    task: "report",
    args: ["--out"],
    says: /'--out <value>' argument missing/,
  },
  {
    script: "notebooks.ts",
    task: "notebooks",
    args: ["--no-such-flag"],
    says: UNKNOWN,
  },
  {
    script: "notebooks.ts",
    task: "notebooks",
    args: ["--profile", "nope"],
    says: /Unknown profile "nope"/,
  },
  {
    script: "notebooks.ts",
    task: "notebooks",
    args: ["--profile", "smoke", "--dir", "no-such-folder"],
    says: /--dir no-such-folder: no such folder/,
  },
  {
    script: "reproduce.ts",
    task: "reproduce",
    args: ["--no-such-flag"],
    says: UNKNOWN,
  },
  {
    script: "reproduce.ts",
    task: "reproduce",
    args: ["--profile", "nope"],
    says: /Unknown profile "nope"/,
  },
  {
    script: "reproduce.ts",
    task: "reproduce",
    args: ["--profile", "smoke", "--mirror", "/nonexistent/mirror"],
    says: /--mirror \/nonexistent\/mirror: no such folder/,
  },
  { script: "data.ts", task: "data", args: ["--no-such-flag"], says: UNKNOWN },
  { script: "data.ts", task: "data", args: [], says: /No dataset id given/ },
  {
    script: "data.ts",
    task: "data",
    args: ["--mirror", "/nonexistent/mirror", "fashion-mnist"],
    says: /--mirror \/nonexistent\/mirror: no such folder/,
  },
  {
    script: "bench/throughput.ts",
    task: "bench",
    args: ["--no-such-flag"],
    says: UNKNOWN,
  },
  {
    script: "bench/throughput.ts",
    task: "bench",
    args: ["--batch", "0"],
    says: /--batch must be a positive integer, not "0"/,
  },
  {
    script: "bench/throughput.ts",
    task: "bench",
    args: ["--phase", "both"],
    says: /--phase must be one of train, predict/,
  },
  {
    script: "bench/kernels.ts",
    task: "profile",
    args: ["--no-such-flag"],
    says: UNKNOWN,
  },
  {
    script: "bench/kernels.ts",
    task: "profile",
    args: ["--steps", "ten"],
    says: /--steps must be a positive integer/,
  },
  {
    script: "bench/lean_l2.ts",
    task: "bench:l2",
    args: ["--no-such-flag"],
    says: UNKNOWN,
  },
  {
    script: "bench/lean_l2.ts",
    task: "bench:l2",
    args: ["--rounds", "0"],
    says: /--rounds must be a positive integer/,
  },
  {
    script: "bench/convert.ts",
    task: "bench:convert",
    args: ["--no-such-flag"],
    says: UNKNOWN,
  },
  {
    script: "bench/convert.ts",
    task: "bench:convert",
    args: ["--n", "-5"],
    says: /'--n' argument is ambiguous/,
  },
  {
    script: "bench/convert.ts",
    task: "bench:convert",
    args: ["--n=0"],
    says: /--n must be a positive integer/,
  },
  {
    script: "bench/features.ts",
    task: "bench:features",
    args: ["--no-such-flag"],
    says: UNKNOWN,
  },
  {
    script: "bench/features.ts",
    task: "bench:features",
    args: ["--rounds", "0"],
    says: /--rounds must be a positive integer/,
  },
  {
    script: "bench/wasm_primary_cnn.ts",
    task: "bench/wasm_primary_cnn",
    args: ["--kernels", "some"],
    says: /--kernels must be one of all, missing-only/,
  },
  {
    script: "setup.ts",
    task: "setup",
    args: ["--no-such-flag"],
    says: UNKNOWN,
  },
  {
    script: "setup_tensorflow.ts",
    task: "setup_tensorflow",
    args: ["--no-such-flag"],
    says: UNKNOWN,
  },
];

/** Every file and folder under `dir` (relative paths), `node_modules` left out. */
function listing(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    out.push(relative(root, path));
    if (entry.isDirectory) out.push(...listing(path, root));
  }
  return out.sort();
}

/** A copy of the repository's code in a temporary folder. */
async function repositoryCopy(): Promise<string> {
  const copy = await Deno.makeTempDir({ prefix: "args_test_" });
  const cp = await new Deno.Command("cp", {
    args: [
      "-r",
      join(ROOT, "lib"),
      join(ROOT, "tasks"),
      join(ROOT, "deno.json"),
      join(ROOT, "deno.lock"),
      copy,
    ],
  }).output();
  assert.ok(cp.success, new TextDecoder().decode(cp.stderr));
  await Deno.symlink(join(ROOT, "node_modules"), join(copy, "node_modules"));
  return copy;
}

async function runTask(copy: string, c: Pick<Case, "script" | "args" | "env">) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(copy, "tasks", c.script), ...c.args],
    cwd: copy,
    env: { NO_COLOR: "1", ...c.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: out.code,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
  };
}

Deno.test("a wrong command line: exit 2, one line and the usage, no stack trace, nothing written", async (t) => {
  const copy = await repositoryCopy();
  try {
    const before = listing(copy);
    for (const c of CASES) {
      const env = Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v} `);
      await t.step(
        `${env.join("")}${c.script} ${c.args.join(" ")}`,
        async () => {
          const r = await runTask(copy, c);
          const context =
            `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
          assert.equal(r.code, 2, context);
          assert.equal(r.stdout, "", context);
          assert.doesNotMatch(r.stderr, /Uncaught|^\s+at |\berror: /m, context);
          const [first, second] = r.stderr.split("\n");
          assert.ok(first.startsWith(`${c.task}: `), context);
          assert.match(first, c.says, context);
          assert.match(second, /^usage: /, context);
          assert.deepEqual(listing(copy), before, `${c.script} wrote files`);
        },
      );
    }
  } finally {
    await Deno.remove(copy, { recursive: true });
  }
});

Deno.test("--help prints the usage on stdout and exits 0", async () => {
  const copy = await repositoryCopy();
  try {
    for (const script of ["train.ts", "data.ts", "bench/throughput.ts"]) {
      const r = await runTask(copy, { script, args: ["--help"] });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^usage: deno task /);
    }
  } finally {
    await Deno.remove(copy, { recursive: true });
  }
});
