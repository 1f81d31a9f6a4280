import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { CommandContext } from '../context';
import { CliError, ErrorCode, Fault, invalidInput } from '../errors';
import { ExitCode } from '../exit-codes';
import { findPackageRoot } from '../../package-root';

export interface SandboxOptions {
  port?: string;
  profile?: string;
  timeScale?: string;
  config?: string;
  dataDir?: string;
  keepData?: boolean;
  debug?: boolean;
}

/** The built emulator, relative to the package root. `src/` never imports the sandbox: it runs it. */
export const SANDBOX_ENTRY = join('dist', 'sandbox', 'cli.js');

/** `hybrid-deploy sandbox …`: runs the local AWS emulator in the foreground. */
export function sandboxCommand(ctx: CommandContext): Command {
  return new Command('sandbox')
    .description('run the local AWS emulator (EC2, SSM, ELBv2 subset) in the foreground; Ctrl-C stops it')
    .option('--port <n>', 'port to listen on')
    .option('--profile <name>', 'latency profile (instant, fast, realistic)')
    .option('--time-scale <x>', 'multiply every modelled delay by x')
    .option('--config <file>', 'sandbox config file')
    .option('--data-dir <dir>', 'where the sandbox keeps its state and instance roots')
    .option('--keep-data', 'keep the data dir on stop')
    .option('--debug', 'show stack traces')
    .action(async (options: SandboxOptions) => {
      ctx.exitCode = await runSandbox(ctx, options);
    });
}

/** The emulator's flags, checked here so a typo fails fast with exit 2. */
export function sandboxArgs(options: SandboxOptions): string[] {
  const problems = [];
  if (options.port !== undefined && !(/^\d{1,5}$/.test(options.port) && Number(options.port) <= 65535)) {
    problems.push({ path: '--port', message: `${JSON.stringify(options.port)} is not a port (0-65535)` });
  }
  if (options.timeScale !== undefined && !(Number(options.timeScale) > 0 && Number.isFinite(Number(options.timeScale)))) {
    problems.push({ path: '--time-scale', message: `${JSON.stringify(options.timeScale)} is not a positive number` });
  }
  if (problems.length) throw invalidInput('invalid sandbox flags', problems);
  const args: string[] = [];
  const pass = (flag: string, value: string | undefined) => value !== undefined && args.push(flag, value);
  pass('--port', options.port);
  pass('--profile', options.profile);
  pass('--time-scale', options.timeScale);
  pass('--config', options.config);
  pass('--data-dir', options.dataDir);
  if (options.keepData) args.push('--keep-data');
  return args;
}

/** `<package root>/dist/sandbox/cli.js`, or undefined outside a hybrid-deploy checkout. */
export function sandboxEntry(): string | undefined {
  const root = findPackageRoot();
  return root ? join(root, SANDBOX_ENTRY) : undefined;
}

/**
 * Runs the emulator as a child (stdio inherited) and resolves to its exit code. SIGINT and
 * SIGTERM are passed on, so the emulator stops its instances before exiting; it tolerates the
 * second SIGINT a terminal's Ctrl-C also delivers to it directly.
 */
export async function runSandbox(ctx: CommandContext, options: SandboxOptions, entry = sandboxEntry()): Promise<number> {
  const args = sandboxArgs(options);
  if (!entry || !existsSync(entry)) {
    throw new CliError(ErrorCode.SANDBOX_NOT_BUILT, `the sandbox is not built (${entry ?? SANDBOX_ENTRY} is missing): run npm run build first`, {
      exitCode: ExitCode.SYSTEM_ERROR,
      fault: Fault.SYSTEM,
    });
  }
  const child = spawn(process.execPath, [entry, ...args], { stdio: 'inherit', env: ctx.env });
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (error) =>
        reject(new CliError(ErrorCode.UNEXPECTED, `cannot start the sandbox: ${error.message}`, { exitCode: ExitCode.SYSTEM_ERROR, fault: Fault.SYSTEM, cause: error })),
      );
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : ExitCode.SYSTEM_ERROR)));
    });
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
