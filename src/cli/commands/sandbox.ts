import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { InputProblem } from '../../request/load';
import { findPackageRoot } from '../../package-root';
import type { CommandContext } from '../context';
import { CliError, ErrorCode, Fault, invalidInput } from '../errors';
import { ExitCode } from '../exit-codes';
import { Flags, readFlags, type RawFlags } from '../options';

/** The `sandbox` flags, one value each. */
export interface SandboxOptions {
  port?: string;
  profile?: string;
  timeScale?: string;
  config?: string;
  dataDir?: string;
  keepData?: boolean;
}

/** The built emulator, relative to the package root. `src/` never imports the sandbox: it runs it. */
export const SANDBOX_ENTRY = join('dist', 'sandbox', 'cli.js');

/** `hybrid-deploy sandbox …`: runs the local AWS emulator in the foreground. */
export function sandboxCommand(ctx: CommandContext): Command {
  return new Command('sandbox')
    .description('run the local AWS emulator (EC2, SSM, ELBv2 subset) in the foreground; Ctrl-C stops it')
    .addOption(Flags.port())
    .addOption(Flags.profile())
    .addOption(Flags.timeScale())
    .addOption(Flags.config())
    .addOption(Flags.dataDir())
    .addOption(Flags.keepData())
    .action(async (raw: RawFlags<SandboxOptions>) => {
      const { flags, problems } = readFlags(raw);
      if (ctx.global.json) problems.push({ path: '--json', message: 'does not apply to sandbox: it runs in the foreground and logs as it goes' });
      // The emulator prints its own output; there is no result to render.
      ctx.finish({ exitCode: await runSandbox(ctx, flags, sandboxEntry(), problems) });
    });
}

/** The emulator's flags, checked here so a typo fails fast with exit 2. */
export function sandboxArgs(options: SandboxOptions, problems: InputProblem[] = []): string[] {
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
export async function runSandbox(ctx: CommandContext, options: SandboxOptions, entry = sandboxEntry(), problems: InputProblem[] = []): Promise<number> {
  const args = sandboxArgs(options, problems);
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
