import type { InputProblem } from '../request/load';
import { ExitCode } from './exit-codes';

/** Whose fault an error is: the person's input, or the system (Temporal, the machine, a bug). */
export const Fault = { USER: 'user', SYSTEM: 'system' } as const;
export type Fault = (typeof Fault)[keyof typeof Fault];

/** Stable error codes, for scripts that read `--json` output or grep stderr. */
export const ErrorCode = {
  INVALID_INPUT: 'INVALID_INPUT',
  DEPLOY_NOT_FOUND: 'DEPLOY_NOT_FOUND',
  DEPLOY_NOT_RUNNING: 'DEPLOY_NOT_RUNNING',
  DEPLOY_CONFLICT: 'DEPLOY_CONFLICT',
  DEPLOY_FAILED: 'DEPLOY_FAILED',
  DEPLOY_CANCELLED: 'DEPLOY_CANCELLED',
  DEPLOY_TERMINATED: 'DEPLOY_TERMINATED',
  DEPLOY_TIMED_OUT: 'DEPLOY_TIMED_OUT',
  CANCEL_TOO_LATE: 'CANCEL_TOO_LATE',
  NOT_WAITING_FOR_APPROVAL: 'NOT_WAITING_FOR_APPROVAL',
  NO_COMMAND_OUTPUT: 'NO_COMMAND_OUTPUT',
  TEMPORAL_CONFIG_INVALID: 'TEMPORAL_CONFIG_INVALID',
  TEMPORAL_UNREACHABLE: 'TEMPORAL_UNREACHABLE',
  TEMPORAL_ERROR: 'TEMPORAL_ERROR',
  SANDBOX_NOT_BUILT: 'SANDBOX_NOT_BUILT',
  AWS_ERROR: 'AWS_ERROR',
  UNEXPECTED: 'UNEXPECTED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface CliErrorOptions {
  exitCode: ExitCode;
  fault: Fault;
  /** Every problem with the input, each with the path of the field or flag. */
  problems?: InputProblem[];
  /** Extra fields for the `--json` document (e.g. the running deploy's run id). */
  data?: Record<string, unknown>;
  cause?: unknown;
}

/** An error the CLI expects and explains: a stable code, whose fault it is, and an exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly fault: Fault;
  readonly problems: InputProblem[];
  readonly data: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: CliErrorOptions,
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode;
    this.fault = options.fault;
    this.problems = options.problems ?? [];
    this.data = options.data ?? {};
  }
}

/** Bad input: every problem at once; nothing was started. */
export function invalidInput(message: string, problems: InputProblem[] = []): CliError {
  return new CliError(ErrorCode.INVALID_INPUT, message, { exitCode: ExitCode.INVALID_INPUT, fault: Fault.USER, problems });
}

/** Anything the CLI did not expect becomes a system error (exit 4). */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(ErrorCode.UNEXPECTED, `unexpected error: ${message}`, { exitCode: ExitCode.SYSTEM_ERROR, fault: Fault.SYSTEM, cause: error });
}

/** A Temporal call that failed for a reason other than the user's input (exit 4). */
export function temporalError(what: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  return new CliError(ErrorCode.TEMPORAL_ERROR, `${what}: ${(error as Error)?.message ?? String(error)}`, {
    exitCode: ExitCode.SYSTEM_ERROR,
    fault: Fault.SYSTEM,
    cause: error,
  });
}

/** One problem line: `  <path>: <message>`. */
export function formatProblem(problem: InputProblem): string {
  return `  ${problem.path ? `${problem.path}: ` : ''}${problem.message}`;
}

/**
 * The human rendering, for stderr: `error [CODE] (user|system): message`, the problems one a
 * line, and the stack (and causes) only with `--debug`.
 */
export function formatError(error: CliError, debug: boolean): string {
  const who = error.fault === Fault.USER ? 'user error' : 'system error';
  const lines = [`error [${error.code}] (${who}): ${error.message}`, ...error.problems.map(formatProblem)];
  if (debug) {
    const cause = error.code === ErrorCode.UNEXPECTED || error.code === ErrorCode.TEMPORAL_ERROR ? error.cause : error;
    for (let current: unknown = cause, depth = 0; current instanceof Error && depth < 10; current = current.cause, depth++) {
      lines.push(depth === 0 ? (current.stack ?? String(current)) : `caused by: ${current.stack ?? String(current)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The `--json` rendering of an error: one document. */
export function errorDocument(error: CliError): Record<string, unknown> {
  return {
    ...error.data,
    error: error.message,
    code: error.code,
    fault: error.fault,
    ...(error.problems.length ? { problems: error.problems } : {}),
  };
}
