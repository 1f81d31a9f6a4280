import { Command, CommanderError } from 'commander';
import { approveCommand } from './commands/approve';
import { bakeCommand } from './commands/bake';
import { cancelCommand } from './commands/cancel';
import { checkCommand } from './commands/check';
import { codecServerCommand } from './commands/codec-server';
import { deployCommand } from './commands/deploy';
import { housekeepingCommand } from './commands/housekeeping';
import { imagesCommand } from './commands/images';
import { logsCommand } from './commands/logs';
import { reapCommand } from './commands/reap';
import { reportCommand } from './commands/report';
import { sandboxCommand } from './commands/sandbox';
import { statusCommand } from './commands/status';
import { workerVersionCommand } from './commands/worker-version';
import { CommandContext } from './context';
import type { CliDeps } from './deps';
import { CliError, ErrorCode, Fault, toCliError } from './errors';
import { EXIT_CODES_HELP, ExitCode } from './exit-codes';
import { globalOptions, type GlobalOptions } from './options';

export type { CliDeps } from './deps';
export { defaultDeps } from './deps';
export { ExitCode } from './exit-codes';

const CLI_VERSION = '0.1.0';

/**
 * Runs `hybrid-deploy <argv…>` in-process and resolves to its exit code (see {@link ExitCode}).
 * Never calls `process.exit` and never writes to the process's streams directly: commands
 * return results that the run's renderer prints through `deps.stdout`/`deps.stderr`, Temporal
 * comes through `deps.connect` (or the environment's Temporal config), so tests run it as it
 * runs in CI.
 */
export async function exec(argv: string[], deps: CliDeps): Promise<number> {
  // The renderer reads the global options (--json, --debug) once they are parsed, even when
  // parsing fails part-way: commander sets each option as it reads it.
  const ctx = new CommandContext(deps, () => program.opts<GlobalOptions>());
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    const cliError = error instanceof CommanderError ? fromCommander(error) : toCliError(error);
    if (cliError === undefined) return ExitCode.OK; // --help, --version
    ctx.renderer.error(cliError);
    return cliError.exitCode;
  } finally {
    await ctx.close();
  }
}

function buildProgram(ctx: CommandContext): Command {
  const program = new Command('hybrid-deploy')
    .description('Immutable, partial and mutable EC2 deploys as durable Temporal workflows')
    .version(CLI_VERSION, '-V, --cli-version', 'print the CLI version')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (s) => ctx.deps.stdout(s),
      writeErr: (s) => ctx.deps.stderr(s),
      // exec prints errors itself, with a code and whose fault it is.
      outputError: () => undefined,
    })
    .showHelpAfterError(false)
    .addHelpText(
      'after',
      `\n${EXIT_CODES_HELP}\n` +
        'Settings: defaults < the spec file < the environment < flags. Task queue: --task-queue, else HYBRID_DEPLOY_TASK_QUEUE.\n' +
        'Temporal settings: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE; links use TEMPORAL_UI_URL.',
    );
  // --json and --debug belong to the program, so every command has them and they may come anywhere on the line.
  for (const option of globalOptions()) program.addOption(option);
  for (const command of [deployCommand(ctx), checkCommand(ctx), bakeCommand(ctx), statusCommand(ctx), cancelCommand(ctx), approveCommand(ctx), logsCommand(ctx), reportCommand(ctx), reapCommand(ctx), imagesCommand(ctx), housekeepingCommand(ctx), sandboxCommand(ctx), workerVersionCommand(ctx), codecServerCommand(ctx)]) {
    // Subcommands made with `new Command` inherit nothing: give each the program's error and output handling.
    command.copyInheritedSettings(program);
    // The emulator exits with its own code; every other command with the table's.
    if (command.name() !== 'sandbox') command.addHelpText('after', `\n${EXIT_CODES_HELP}`);
    program.addCommand(command);
  }
  return program;
}

/** commander's own errors (unknown flag, missing argument…) are the user's; help and version are success. */
function fromCommander(error: CommanderError): CliError | undefined {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return undefined;
  const message = error.code === 'commander.help' ? 'no command given (deploy, check, bake, status, approve, cancel, logs, report, reap, images, housekeeping, sandbox or worker-version; see --help)' : error.message.replace(/^error:\s*/, '');
  return new CliError(ErrorCode.INVALID_INPUT, message, { exitCode: ExitCode.INVALID_INPUT, fault: Fault.USER, cause: error });
}
