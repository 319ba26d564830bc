/**
 * The command line of every task, checked before the task does anything.
 *
 * Each task makes one {@linkcode TaskArgs} with its name and usage line,
 * parses with it (`node:util` `parseArgs`, strict) and checks its values
 * with the same object. A wrong command line (an unknown option, an option
 * without its value, a stray argument, a number that is not one, a profile
 * or backend that does not exist) prints one line `<task>: <what is wrong>`
 * and the usage on stderr and exits with code 2: no stack trace, and nothing
 * written, since the task has not started. `--help` (or `-h`) prints the
 * usage on stdout and exits 0.
 *
 * @example
 * ```ts
 * const cli = new TaskArgs("train", "usage: deno task train [--seed N]");
 * const { values } = cli.parse({
 *   options: { seed: { type: "string", default: "42" } },
 * });
 * const seed = cli.integer("seed", values.seed, { min: 0 });
 * ```
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { getProfile, type Profile } from "../lib/profiles.ts";

/** What {@linkcode TaskArgs.parse} takes: the options, and whether the task takes positional arguments. */
export interface TaskArgsConfig {
  /** The task's options, as `parseArgs` takes them. */
  options: ParseArgsOptionsConfig;
  /** Whether the task takes positional arguments (default false). */
  allowPositionals?: boolean;
}

/** An error message on one line: parseArgs' own messages run over three. */
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim();

/** A task's command line: parsing and checking, and the usage error. */
export class TaskArgs {
  /**
   * @param task The task's name, which starts every error line (`train`).
   * @param usage The usage, printed after an error and for `--help`.
   * @param args The arguments (default `Deno.args`).
   */
  constructor(
    readonly task: string,
    readonly usage: string,
    readonly args: readonly string[] = Deno.args,
  ) {}

  /** Prints `<task>: <message>` and the usage on stderr and exits with code 2. */
  fail(message: string): never {
    console.error(`${this.task}: ${oneLine(message)}\n${this.usage}`);
    Deno.exit(2);
  }

  /**
   * Parses the arguments strictly; a wrong command line {@linkcode fail}s,
   * and `--help` / `-h` (unless the task has its own `help` option) prints
   * the usage and exits 0.
   */
  parse<const T extends TaskArgsConfig>(
    config: T,
  ): ReturnType<typeof parseArgs<T & { strict: true }>> {
    const ownHelp = "help" in config.options;
    const options = ownHelp ? config.options : {
      ...config.options,
      help: { type: "boolean", short: "h" } as const,
    };
    let parsed;
    try {
      parsed = parseArgs({
        args: [...this.args],
        options,
        allowPositionals: config.allowPositionals ?? false,
        strict: true,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const unknown = (error as { code?: string }).code ===
          "ERR_PARSE_ARGS_UNKNOWN_OPTION" && message.match(/'([^']+)'/)?.[1];
      this.fail(unknown ? `unknown option ${unknown}` : message);
    }
    if (!ownHelp) {
      const values = parsed.values as Record<string, unknown>;
      if (values.help) {
        console.log(this.usage);
        Deno.exit(0);
      }
      delete values.help;
    }
    return parsed as ReturnType<typeof parseArgs<T & { strict: true }>>;
  }

  /**
   * The value of `--<name>` as an integer within `min`..`max` (both
   * optional), or undefined when the option was not given.
   */
  integer(
    name: string,
    text: string,
    range?: { min?: number; max?: number },
  ): number;
  integer(
    name: string,
    text: string | undefined,
    range?: { min?: number; max?: number },
  ): number | undefined;
  integer(
    name: string,
    text: string | undefined,
    range: { min?: number; max?: number } = {},
  ): number | undefined {
    if (text === undefined) return undefined;
    const value = /^\s*[-+]?\d+\s*$/.test(text) ? Number(text) : NaN;
    const { min, max } = range;
    if (
      !Number.isSafeInteger(value) || (min !== undefined && value < min) ||
      (max !== undefined && value > max)
    ) {
      const what = min === 1 && max === undefined
        ? "a positive integer"
        : min === 0 && max === undefined
        ? "a non-negative integer"
        : min !== undefined && max !== undefined
        ? `an integer from ${min} to ${max}`
        : min !== undefined
        ? `an integer of at least ${min}`
        : max !== undefined
        ? `an integer of at most ${max}`
        : "an integer";
      this.fail(`--${name} must be ${what}, not "${text}"`);
    }
    return value;
  }

  /** The value of `--<name>` as a positive integer (undefined when not given). */
  positiveInt(name: string, text: string): number;
  positiveInt(name: string, text: string | undefined): number | undefined;
  positiveInt(name: string, text: string | undefined): number | undefined {
    return this.integer(name, text, { min: 1 });
  }

  /**
   * The value of `--<name>` as a finite number, at least `min` (default: any),
   * or undefined when the option was not given.
   */
  number(name: string, text: string, range?: { min?: number }): number;
  number(
    name: string,
    text: string | undefined,
    range?: { min?: number },
  ): number | undefined;
  number(
    name: string,
    text: string | undefined,
    range: { min?: number } = {},
  ): number | undefined {
    if (text === undefined) return undefined;
    const value = text.trim() === "" ? NaN : Number(text);
    if (
      !Number.isFinite(value) ||
      (range.min !== undefined && value < range.min)
    ) {
      this.fail(
        `--${name} must be a number${
          range.min === undefined ? "" : ` of at least ${range.min}`
        }, not "${text}"`,
      );
    }
    return value;
  }

  /** The value of `--<name>` when it is one of `choices` (undefined when not given). */
  oneOf<const C extends string>(
    name: string,
    text: string,
    choices: readonly C[],
  ): C;
  oneOf<const C extends string>(
    name: string,
    text: string | undefined,
    choices: readonly C[],
  ): C | undefined;
  oneOf<const C extends string>(
    name: string,
    text: string | undefined,
    choices: readonly C[],
  ): C | undefined {
    if (text === undefined) return undefined;
    if (!(choices as readonly string[]).includes(text)) {
      this.fail(
        `--${name} must be one of ${choices.join(", ")}, not "${text}"`,
      );
    }
    return text as C;
  }

  /** The value of `--<name>` when it names an existing folder (undefined when not given). */
  directory(name: string, text: string): string;
  directory(name: string, text: string | undefined): string | undefined;
  directory(name: string, text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    let isDirectory = false;
    try {
      isDirectory = Deno.statSync(text).isDirectory;
    } catch {
      // missing or unreadable: said below
    }
    if (!isDirectory) this.fail(`--${name} ${text}: no such folder`);
    return text;
  }

  /** The profile named by `--profile`, else by `PROFILE`, else `course` ({@linkcode getProfile}). */
  profile(name: string | undefined): Profile {
    return this.check(() => getProfile(name));
  }

  /**
   * Runs a check of the command line (e.g. `resolveBackendRequest`); an
   * error it throws {@linkcode fail}s with the error's message.
   */
  check<R>(fn: () => R): R {
    try {
      return fn();
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
    }
  }
}
