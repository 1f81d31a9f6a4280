import { existsSync } from 'node:fs';
import { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import type { InputProblem } from '../../request/load';
import { DEFAULT_WORKFLOW_BUNDLE } from '../../workflow-bundle';
import { BUILD_ID_ENV, defaultBuildId, DEPLOYMENT_NAME_ENV, versionProblems, type WorkerVersion } from '../../worker-versioning';
import type { CommandContext } from '../context';
import { CliError, ErrorCode, Fault, invalidInput, temporalError } from '../errors';
import { ExitCode } from '../exit-codes';
import { Flags, readFlags, type RawFlags } from '../options';
import type { CommandOutput, WorkerDeploymentReport, WorkerVersionReport } from '../results';

/** The `worker-version` flags, one value each. */
export interface WorkerVersionFlags {
  deploymentName?: string;
  buildId?: string;
  waitSeconds?: string;
}

const ACTIONS = ['set-current', 'describe'] as const;

/** temporal.api.enums.v1.WorkerDeploymentVersionStatus, by number. */
const VERSION_STATUS = ['unspecified', 'inactive', 'current', 'ramping', 'draining', 'drained', 'created'];
/** temporal.api.enums.v1.VersionDrainageStatus, by number. */
const DRAINAGE_STATUS = ['unspecified', 'draining', 'drained'];
/** gRPC codes of a version no worker has polled yet: NOT_FOUND, FAILED_PRECONDITION. */
const NOT_POLLED_YET = new Set([5, 9]);

/**
 * `hybrid-deploy worker-version set-current|describe`: roll out a new worker build. One command
 * with an action argument (not nested subcommands), so it shares exec's error and output handling.
 */
export function workerVersionCommand(ctx: CommandContext): Command {
  return new Command('worker-version')
    .description(
      'Worker Deployment versions. set-current: route new deploys to a build (its workers must be polling); deploys already ' +
        'running stay on the build that started them. describe: list the builds: current, draining (pinned deploys still run on it) or drained (safe to retire)',
    )
    .argument('<action>', ACTIONS.join(' or '))
    .addOption(Flags.deploymentName())
    .addOption(Flags.buildId())
    .addOption(Flags.waitSeconds())
    .action(async (action: string, raw: RawFlags<WorkerVersionFlags>) => {
      const { flags, problems } = readFlags(raw);
      if (action === 'set-current') return ctx.finish(await runSetCurrent(ctx, setCurrentInput(ctx.env, flags, problems)));
      if (!(ACTIONS as readonly string[]).includes(action)) problems.push({ path: '<action>', message: `${JSON.stringify(action)} is not one of ${ACTIONS.join(', ')}` });
      for (const flag of ['buildId', 'waitSeconds'] as const) {
        if (flags[flag] !== undefined) problems.push({ path: flag === 'buildId' ? '--build-id' : '--wait-seconds', message: 'applies to set-current only' });
      }
      ctx.finish(await runDescribe(ctx, deploymentNameOf(ctx.env, flags, problems)));
    });
}

/** The deployment name (flag, else environment); throws every problem at once (exit 2). */
function deploymentNameOf(env: NodeJS.ProcessEnv, flags: WorkerVersionFlags, problems: InputProblem[]): string {
  const deploymentName = flags.deploymentName ?? env[DEPLOYMENT_NAME_ENV] ?? '';
  problems.push(...versionProblems({ deploymentName, buildId: '-' }, { deploymentName: '--deployment-name', buildId: '--build-id' }));
  if (problems.length > 0) throw invalidInput('not a Worker Deployment', problems);
  return deploymentName;
}

/** What `set-current` makes current, and how long it waits for that build's workers. */
export interface SetCurrentInput extends WorkerVersion {
  waitSeconds: number;
}

/** The version the flags, the environment or this checkout's build name; every problem at once (exit 2). */
export function setCurrentInput(env: NodeJS.ProcessEnv, flags: WorkerVersionFlags, problems: InputProblem[] = []): SetCurrentInput {
  const deploymentName = flags.deploymentName ?? env[DEPLOYMENT_NAME_ENV] ?? '';
  const buildId = flags.buildId ?? env[BUILD_ID_ENV] ?? (existsSync(DEFAULT_WORKFLOW_BUNDLE) ? defaultBuildId(DEFAULT_WORKFLOW_BUNDLE) : '');
  problems.push(...versionProblems({ deploymentName, buildId }, { deploymentName: '--deployment-name', buildId: '--build-id' }));
  const waitSeconds = flags.waitSeconds === undefined ? 60 : Number(flags.waitSeconds);
  if (!(waitSeconds >= 0)) problems.push({ path: '--wait-seconds', message: `${JSON.stringify(flags.waitSeconds)} is not a number of seconds` });
  if (problems.length > 0) throw invalidInput('not a worker version', problems);
  return { deploymentName, buildId, waitSeconds };
}

/**
 * Makes the version current, retrying while its workers have not polled yet: the server refuses
 * a version nobody polls, so a typo cannot route every new deploy to nowhere.
 */
export async function runSetCurrent(ctx: CommandContext, input: SetCurrentInput): Promise<CommandOutput> {
  const { deploymentName, buildId, waitSeconds } = input;
  const { client, namespace } = await ctx.temporal();
  const deadline = Date.now() + waitSeconds * 1000;
  for (let announced = false; ; announced = true) {
    try {
      const response = await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace, deploymentName, buildId, identity: client.options.identity });
      const previousBuildId = response.previousDeploymentVersion?.buildId || null;
      return { exitCode: ExitCode.OK, result: { kind: 'worker-version-set', deploymentName, buildId, previousBuildId, seconds: ctx.elapsedSeconds() } };
    } catch (error) {
      if (!NOT_POLLED_YET.has((error as { code?: number }).code ?? -1)) throw temporalError(`cannot make ${deploymentName}:${buildId} current`, error);
      if (Date.now() >= deadline) {
        throw new CliError(
          ErrorCode.TEMPORAL_ERROR,
          `no worker of ${deploymentName}:${buildId} has polled within ${waitSeconds}s (${(error as Error).message}); ` +
            `start that build's workers first (${DEPLOYMENT_NAME_ENV}=${deploymentName} ${BUILD_ID_ENV}=${buildId} npm run worker)`,
          { exitCode: ExitCode.SYSTEM_ERROR, fault: Fault.USER, cause: error },
        );
      }
      if (!announced) ctx.renderer.progress({ type: 'note', message: `waiting for workers of ${deploymentName}:${buildId} to poll…` });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The deployment's builds as the server reports them: which is current, which still run deploys, which can be retired. */
export async function describeWorkerDeployment(client: Client, namespace: string, deploymentName: string): Promise<WorkerDeploymentReport> {
  const { workerDeploymentInfo: info } = await client.workflowService.describeWorkerDeployment({ namespace, deploymentName });
  const versions = (info?.versionSummaries ?? []).map(
    (v): WorkerVersionReport => ({
      buildId: v.deploymentVersion?.buildId ?? '',
      status: VERSION_STATUS[v.status ?? 0] ?? String(v.status),
      ...(v.drainageInfo?.status ? { drainage: DRAINAGE_STATUS[v.drainageInfo.status] } : {}),
      ...(v.drainageInfo?.lastCheckedTime ? { drainageCheckedAt: optionalTsToDate(v.drainageInfo.lastCheckedTime)?.toISOString() } : {}),
      ...(v.createTime ? { createdAt: optionalTsToDate(v.createTime)?.toISOString() } : {}),
    }),
  );
  const routing = info?.routingConfig;
  return {
    kind: 'worker-deployment',
    deploymentName,
    ...(routing?.currentDeploymentVersion?.buildId ? { current: routing.currentDeploymentVersion.buildId } : {}),
    ...(routing?.rampingDeploymentVersion?.buildId ? { ramping: routing.rampingDeploymentVersion.buildId } : {}),
    versions,
  };
}

/** Exit 0 with the report; 2 when no versioned worker of the deployment has ever polled. */
export async function runDescribe(ctx: CommandContext, deploymentName: string): Promise<CommandOutput> {
  const { client, namespace } = await ctx.temporal();
  try {
    return { exitCode: ExitCode.OK, result: await describeWorkerDeployment(client, namespace, deploymentName) };
  } catch (error) {
    if ((error as { code?: number }).code !== 5) throw temporalError(`cannot describe Worker Deployment ${deploymentName}`, error);
    throw new CliError(ErrorCode.INVALID_INPUT, `no Worker Deployment ${deploymentName} in namespace ${namespace} (no versioned worker of it has polled yet)`, {
      exitCode: ExitCode.INVALID_INPUT,
      fault: Fault.USER,
      cause: error,
    });
  }
}
