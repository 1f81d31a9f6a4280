import { Command, Option } from 'commander';
import { createAwsClients } from '../../aws/clients';
import type { RunKind } from '../../contracts';
import { runPreflight, type PreflightReport } from '../../preflight';
import { DeployArgumentsSchema } from '../../request/arguments';
import type { InputProblem } from '../../request/load';
import type { DeploySpec } from '../../request/schema';
import type { CommandContext } from '../context';
import { CliError, ErrorCode, Fault, invalidInput } from '../errors';
import { ExitCode } from '../exit-codes';
import { readSpec } from '../input/release-flags';
import { Flags, readFlags, requireFlags, type RawFlags } from '../options';
import type { CommandOutput } from '../results';

/** The `check` flags, one value each. */
export interface CheckFlags {
  spec?: string;
  env?: string;
  procedure?: string;
}

/** What `check` can check for: a deploy of each procedure, or a bake. */
const KINDS: RunKind[] = ['immutable', 'partial', 'mutable', 'bake'];

/** `hybrid-deploy check --spec F --env E [--procedure P]` */
export function checkCommand(ctx: CommandContext): Command {
  return new Command('check')
    .description('check, read-only, that AWS has what a deploy of the spec needs (the preflight every deploy runs first); no Temporal needed')
    .addOption(Flags.spec())
    .addOption(Flags.env())
    .addOption(
      new Option('--procedure <procedure>', `what to check for: ${KINDS.join(' | ')} (default immutable: all but the image catalog)`).argParser(
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      ),
    )
    .addHelpText('after', '\ncheck exits 0 when all is well, 1 with every problem listed (its spec field and the fix), 2 on invalid input, 4 when AWS cannot be asked.')
    .action(async (raw: RawFlags<CheckFlags>) => {
      const { flags, problems } = readFlags(raw);
      ctx.finish(await runCheck(ctx, checkInput(flags, problems)));
    });
}

/** The spec, env and procedure, every problem at once (exit 2), before any AWS call. */
export function checkInput(flags: CheckFlags, problems: InputProblem[] = []): { spec: DeploySpec; env: string; procedure: RunKind } {
  requireFlags(flags, ['spec', 'env'], problems);
  if (flags.env !== undefined) {
    const env = DeployArgumentsSchema.shape.env.safeParse(flags.env);
    if (!env.success) problems.push({ path: '--env', message: env.error.issues[0].message });
  }
  const procedure = (flags.procedure ?? 'immutable') as RunKind;
  if (!KINDS.includes(procedure)) problems.push({ path: '--procedure', message: `${JSON.stringify(flags.procedure)} is not one of ${KINDS.join(', ')}` });
  const spec = readSpec(flags.spec, problems);
  if (problems.length > 0 || !spec) throw invalidInput(`${problems.length} problem${problems.length === 1 ? '' : 's'} with the input; nothing was checked`, problems);
  return { spec, env: flags.env!, procedure };
}

/** Exit 0 when the preflight finds nothing, 1 with every problem listed, 4 when AWS cannot be asked. */
export async function runCheck(ctx: CommandContext, input: { spec: DeploySpec; env: string; procedure: RunKind }): Promise<CommandOutput> {
  const { spec, env, procedure } = input;
  // AWS settings as the SDK reads them (credentials, region chain); the endpoint from the CLI's environment.
  const clients = createAwsClients({ endpoint: ctx.env.AWS_ENDPOINT_URL || undefined });
  let report: PreflightReport;
  try {
    report = await runPreflight(clients, { procedure, spec });
  } catch (error) {
    throw new CliError(ErrorCode.AWS_ERROR, `could not check: ${(error as Error).message}`, { exitCode: ExitCode.SYSTEM_ERROR, fault: Fault.SYSTEM, cause: error });
  } finally {
    clients.destroy();
  }
  const ok = report.problems.length === 0;
  return {
    exitCode: ok ? ExitCode.OK : ExitCode.DEPLOY_FAILED,
    result: { kind: 'preflight-checked', ok, app: spec.app, env, procedure, regions: spec.regions, ...report },
  };
}
