import { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { deployWorkflowId, type DeployRequest } from '../../contracts';
import type { CommandContext } from '../context';
import { exitCodeOf, Outcome } from '../outcome';
import { buildDeployRequest, type DeployFlags } from '../input/deploy-request-builder';
import { Flags, readFlags, taskQueueOf, type RawFlags } from '../options';
import type { CommandOutput, DeployTarget, RunLink } from '../results';
import { readTimeline } from '../timeline/read-history';
import type { Timeline } from '../timeline/timeline';
import { waitForDeploy } from '../wait-for-deploy';
import { runMetadata, triggerOf } from '../run-metadata';
import { startDeploy } from '../workflow-start';
import { requireSealedRequest } from '../temporal';

/** What `deploy` and `bake` share once their request is built: follow it or not, and where. */
export interface RunFlags {
  wait?: boolean;
  taskQueue?: string;
}

/** `hybrid-deploy deploy …` */
export function deployCommand(ctx: CommandContext): Command {
  return new Command('deploy')
    .description('start a deploy (validates the spec and flags first; nothing starts on bad input)')
    .addOption(Flags.procedure())
    .addOption(Flags.spec())
    .addOption(Flags.env())
    .addOption(Flags.version())
    .addOption(Flags.artifact())
    .addOption(Flags.sha256())
    .addOption(Flags.forceBake())
    .addOption(Flags.batchSize())
    .addOption(Flags.minHealthy())
    .addOption(Flags.requireApproval())
    .addOption(Flags.wait())
    .addOption(Flags.taskQueue())
    .action(async (raw: RawFlags<DeployFlags & RunFlags>) => {
      // Everything is checked before the first network call: bad input starts nothing.
      const { flags, problems } = readFlags(raw);
      ctx.finish(await runDeploy(ctx, buildDeployRequest(flags, problems), flags));
    });
}

/**
 * Starts the deploy (or bake) and returns its ids; with `--wait`, follows it to the end,
 * reporting progress, and returns how it closed (its exit code tells the outcome).
 */
export async function runDeploy(ctx: CommandContext, request: DeployRequest, flags: RunFlags): Promise<CommandOutput> {
  const target: DeployTarget = { procedure: request.procedure, app: request.spec.app, env: request.env, version: request.version };
  const workflowId = deployWorkflowId(target.app, target.env, target.procedure);
  const { client, namespace } = await ctx.temporal();
  requireSealedRequest(client, request);
  const uiUrl = (runId: string) => ctx.uiUrl(namespace, workflowId, runId);
  const handle = await startDeploy(client, request, taskQueueOf(flags.taskQueue, ctx.env), uiUrl, runMetadata(request, triggerOf(ctx.env)));
  const link: RunLink = { workflowId, runId: handle.firstExecutionRunId, uiUrl: uiUrl(handle.firstExecutionRunId) };
  if (!flags.wait) return { exitCode: 0, result: { kind: 'deploy-started', ...link, ...target, seconds: ctx.elapsedSeconds() } };

  ctx.renderer.progress({ type: 'started', target, link });
  const stop = `hybrid-deploy cancel ${target.app} ${target.env}${target.procedure === 'bake' ? ' --bake' : ''}`;
  ctx.renderer.progress({ type: 'note', message: `waiting for ${workflowId} (Ctrl-C stops waiting, not the run; to stop it: ${stop})` });
  const closed = await waitForDeploy(ctx, client, handle);
  const seconds = ctx.elapsedSeconds();
  const timeline = ctx.renderer.wantsTimeline ? await timelineOf(ctx, client, link) : undefined;
  const drawn = timeline ? { timeline } : {};
  if ('result' in closed) {
    // A bake of the live release learned its version as it ran: the result says which.
    const version = closed.result.version;
    return { exitCode: exitCodeOf(Outcome.SUCCEEDED), result: { kind: 'deploy-finished', ...link, ...target, version, outcome: Outcome.SUCCEEDED, result: closed.result, seconds, ...drawn } };
  }
  const { outcome, message, code, compensation } = closed.failure;
  return {
    exitCode: exitCodeOf(outcome),
    result: { kind: 'deploy-finished', ...link, ...target, outcome, error: message, code, ...(compensation ? { compensation } : {}), seconds, ...drawn },
  };
}

/** The run's timeline, or none (said as a note) when its history cannot be read: a summary is never worth failing for. */
async function timelineOf(ctx: CommandContext, client: Client, link: RunLink): Promise<Timeline | undefined> {
  try {
    return await readTimeline(client, link.workflowId, link.runId);
  } catch (error) {
    ctx.renderer.progress({ type: 'note', message: `no timeline: cannot read the history of ${link.workflowId}: ${(error as Error).message}` });
    return undefined;
  }
}
