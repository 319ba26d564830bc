/**
 * `deno task plan`'s command line for the tasks that hand over to it
 * (`reproduce --plan`, `notebooks --plan`, and `reproduce`'s time left):
 * the same profile, notebooks folder, backend and mirror.
 *
 * @module
 */

/** What the plan is asked for. */
export interface PlanRequest {
  /** The profile's name. */
  profile: string;
  /** The notebooks folder. */
  notebooks: string;
  /** The backend, when one was named. */
  backend?: string;
  /** The dataset mirror, when one was named. */
  mirror?: string;
  /** One JSON line per notebook and one for the total. */
  json?: boolean;
  /** Only these notebooks (numbers or names). */
  only?: string[];
}

/** The arguments of `deno run` for `tasks/plan.ts` with `request`. */
export function planCommandArgs(request: PlanRequest): string[] {
  return [
    "run",
    "-A",
    "tasks/plan.ts",
    "--profile",
    request.profile,
    "--notebooks",
    request.notebooks,
    ...(request.backend ? ["--backend", request.backend] : []),
    ...(request.mirror ? ["--mirror", request.mirror] : []),
    ...(request.json ? ["--json"] : []),
    ...(request.only ?? []),
  ];
}

/** Runs the plan with its output on this terminal; resolves to its exit code. */
export async function printPlan(request: PlanRequest): Promise<number> {
  const status = await new Deno.Command(Deno.execPath(), {
    args: planCommandArgs(request),
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  return status.code;
}
