/**
 * The exit codes of `hybrid-deploy`, stable for CI scripts. Every command returns one of these
 * (except `sandbox`, which returns the emulator's own exit code). A deploy's outcome maps to the
 * same code wherever it is reported: `deploy --wait`, `bake --wait` and `status`.
 *
 * | code | name | meaning |
 * |---|---|---|
 * | 0 | `OK` | success: the deploy was started (with `--wait`: it succeeded); `status`: the latest deploy succeeded; the cancellation was requested (with `--wait`: the deploy closed as cancelled) |
 * | 1 | `DEPLOY_FAILED` | the deploy failed (and was compensated: see the compensation report); for `cancel --wait`, the deploy closed some other way than cancelled (it finished first); for `check`, the preflight found problems (each listed) |
 * | 2 | `INVALID_INPUT` | invalid input: bad flags, a bad spec, a broken Temporal profile, no such deploy to show or cancel. Nothing was started and, for bad flags or specs, no AWS or Temporal call was made |
 * | 3 | `CONFLICT` | a deploy of the same app and environment is already running; its run id is printed |
 * | 4 | `SYSTEM_ERROR` | a system error: Temporal unreachable, the sandbox not built, anything unexpected (`--debug` shows the stack) |
 * | 5 | `DEPLOY_STOPPED` | the deploy was stopped before it finished: cancelled (what it created was undone), terminated or timed out (nothing was undone: run `reap`) |
 * | 6 | `DEPLOY_RUNNING` | `status`: the latest deploy is still running |
 */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** The deploy failed (and was compensated); `check` found problems. */
  DEPLOY_FAILED: 1,
  /** Invalid input (flags, spec, unknown deploy); nothing was started. */
  INVALID_INPUT: 2,
  /** A deploy of the same app/env is already running. */
  CONFLICT: 3,
  /** Temporal unreachable or another system fault; not the user's input. */
  SYSTEM_ERROR: 4,
  /** The deploy was cancelled, terminated or timed out before it finished. */
  DEPLOY_STOPPED: 5,
  /** `status`: the deploy has not finished yet. */
  DEPLOY_RUNNING: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit-code table of `--help`, one line. */
export const EXIT_CODES_HELP =
  'Exit codes: 0 ok (status: succeeded), 1 deploy failed, 2 invalid input or no such deploy, 3 a deploy of the app/env is already running, ' +
  '4 system error, 5 deploy cancelled, terminated or timed out, 6 (status) deploy still running.';
