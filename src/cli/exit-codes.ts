/**
 * The exit codes of `hybrid-deploy`, stable for CI scripts. Every command returns one of these
 * (except `sandbox`, which returns the emulator's own exit code).
 *
 * | code | name | meaning |
 * |---|---|---|
 * | 0 | `OK` | success: the deploy was started (or, with `--wait`, finished); the status was shown; the cancellation was requested (with `--wait`, the deploy closed as cancelled) |
 * | 1 | `DEPLOY_FAILED` | the deploy failed (and was compensated: see the compensation report), was cancelled, terminated or timed out; for `cancel --wait`, the deploy closed some other way than cancelled (it finished first) |
 * | 2 | `INVALID_INPUT` | invalid input: bad flags, a bad spec, a broken Temporal profile, no such deploy to show or cancel. For `deploy`, nothing was started and no AWS or Temporal call was made |
 * | 3 | `CONFLICT` | a deploy of the same app and environment is already running; its run id is printed |
 * | 4 | `SYSTEM_ERROR` | a system error: Temporal unreachable, the sandbox not built, anything unexpected (`--debug` shows the stack) |
 */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** The deploy failed (and was compensated), or was cancelled, terminated or timed out. */
  DEPLOY_FAILED: 1,
  /** Invalid input (flags, spec, unknown deploy); for `deploy`, nothing was started. */
  INVALID_INPUT: 2,
  /** A deploy of the same app/env is already running. */
  CONFLICT: 3,
  /** Temporal unreachable or another system fault; not the user's input. */
  SYSTEM_ERROR: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
