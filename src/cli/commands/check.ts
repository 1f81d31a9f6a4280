import { Command } from 'commander';
import { createAwsClients, type AwsClients } from '../../aws/clients';
import { type RunKind } from '../../contracts';
import { runPreflight, type PreflightReport } from '../../preflight';
import { DeployArgumentsSchema } from '../../request/arguments';
import { InvalidInputError, loadDeploySpec, type InputProblem } from '../../request/load';
import type { DeploySpec } from '../../request/schema';
import type { CommandContext } from '../context';
import { CliError, ErrorCode, Fault, formatProblem, invalidInput } from '../errors';
import { ExitCode } from '../exit-codes';

export interface CheckOptions {
  spec?: string;
  env?: string;
  procedure?: string;
  json?: boolean;
  debug?: boolean;
}

const KINDS: RunKind[] = ['immutable', 'partial', 'mutable', 'bake'];

/** `hybrid-deploy check --spec F --env E [--procedure P] [--json]` */
export function checkCommand(ctx: CommandContext): Command {
  return new Command('check')
    .description("check, read-only, that AWS has what a deploy of the spec needs (the preflight every deploy runs first): exit 0 ok, 1 problems listed")
    .option('--spec <file>', 'the deploy spec (YAML or JSON)')
    .option('--env <env>', 'the environment, e.g. prod')
    .option('--procedure <procedure>', `what to check for: ${KINDS.join(' | ')} (default immutable: everything but the image catalog)`)
    .option('--json', 'print one JSON document on stdout')
    .option('--debug', 'show stack traces')
    .action(async (options: CheckOptions) => {
      ctx.exitCode = await runCheck(ctx, options);
    });
}

/** The spec, env and procedure, every problem at once (exit 2), before any AWS call. */
function checkInput(options: CheckOptions): { spec: DeploySpec; env: string; procedure: RunKind } {
  const problems: InputProblem[] = [];
  if (!options.spec) problems.push({ path: '--spec', message: 'is required' });
  if (!options.env) problems.push({ path: '--env', message: 'is required' });
  else {
    const env = DeployArgumentsSchema.shape.env.safeParse(options.env);
    if (!env.success) problems.push({ path: '--env', message: env.error.issues[0].message });
  }
  const procedure = (options.procedure ?? 'immutable') as RunKind;
  if (!KINDS.includes(procedure)) problems.push({ path: '--procedure', message: `${JSON.stringify(options.procedure)} is not one of ${KINDS.join(', ')}` });
  let spec: DeploySpec | undefined;
  if (options.spec) {
    try {
      spec = loadDeploySpec(options.spec);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.push(...error.problems.map((p) => ({ path: p.path ? `${options.spec}: ${p.path}` : options.spec!, message: p.message })));
    }
  }
  if (problems.length > 0 || !spec) throw invalidInput(`${problems.length} problem${problems.length === 1 ? '' : 's'} with the input; nothing was checked`, problems);
  return { spec, env: options.env!, procedure };
}

/** Exit 0 when the preflight finds nothing, 1 with every problem listed, 4 when AWS cannot be asked. */
export async function runCheck(ctx: CommandContext, options: CheckOptions): Promise<number> {
  const { spec, env, procedure } = checkInput(options);
  // AWS settings as the SDK reads them (credentials, AWS_ENDPOINT_URL…), from the CLI's environment.
  const clients: AwsClients = createAwsClients({ endpoint: ctx.env.AWS_ENDPOINT_URL || undefined });
  let report: PreflightReport;
  try {
    report = await runPreflight(clients, { procedure, spec });
  } catch (error) {
    throw new CliError(ErrorCode.AWS_ERROR, `could not check: ${(error as Error).message}`, { exitCode: ExitCode.SYSTEM_ERROR, fault: Fault.SYSTEM, cause: error });
  } finally {
    clients.destroy();
  }
  const ok = report.problems.length === 0;
  if (options.json) ctx.json({ ok, app: spec.app, env, procedure, regions: spec.regions, ...report });
  else {
    ctx.out(`${ok ? 'ok' : `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`}: ${procedure} deploy of ${spec.app} to ${env} in ${spec.regions.join(', ')}`);
    for (const problem of report.problems) ctx.out(formatProblem(problem));
    for (const note of report.unchecked) ctx.err(`not checked: ${note}`);
    if (ok) ctx.err(`checked: ${report.checked.join('; ')}`);
  }
  return ok ? ExitCode.OK : ExitCode.DEPLOY_FAILED;
}
