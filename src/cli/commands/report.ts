import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { deployWorkflowId } from '../../contracts';
import type { InputProblem } from '../../request/load';
import type { CommandContext } from '../context';
import { describeLatestBake } from '../deploy-status';
import { CliError, ErrorCode, Fault, invalidInput, temporalError } from '../errors';
import { ExitCode } from '../exit-codes';
import { Flags, readFlags, type RawFlags } from '../options';
import type { CommandOutput, ReportFormat } from '../results';
import { checkTarget } from '../target';
import { renderHtml } from '../timeline/html';
import { renderMarkdown } from '../timeline/markdown';
import { readTimeline } from '../timeline/read-history';
import { renderSvg } from '../timeline/svg';
import { criticalMs, type Timeline } from '../timeline/timeline';

/** The `report` flags, one value each. */
export interface ReportFlags {
  run?: string;
  format?: string;
  out?: string;
  bake?: boolean;
}

const FORMATS: Record<ReportFormat, (timeline: Timeline) => string> = { svg: renderSvg, html: renderHtml, md: renderMarkdown };
const EXTENSIONS: Record<string, ReportFormat> = { '.svg': 'svg', '.html': 'html', '.htm': 'html', '.md': 'md' };

/** `hybrid-deploy report <app> <env> [--run ID] [--format svg|html|md] [--out F]` */
export function reportCommand(ctx: CommandContext): Command {
  return new Command('report')
    .description('draw where the time went in a deploy (default: the latest; --bake: the latest bake): every step per region, the critical path, the total')
    .argument('<app>')
    .argument('<env>')
    .addOption(Flags.run())
    .addOption(Flags.format())
    .addOption(Flags.out())
    .addOption(Flags.bake())
    .action(async (app: string, env: string, raw: RawFlags<ReportFlags>) => {
      const { flags, problems } = readFlags(raw);
      ctx.finish(await runReport(ctx, app, env, flags, problems));
    });
}

/** Reads the run's timeline from its history and renders it: to `--out`, else stdout. */
export async function runReport(ctx: CommandContext, app: string, env: string, flags: ReportFlags, problems: InputProblem[] = []): Promise<CommandOutput> {
  const format = formatOf(flags, problems);
  checkTarget(app, env);
  if (problems.length > 0 || !format) throw invalidInput('invalid report flags', problems);
  const { client, namespace } = await ctx.temporal();
  const { workflowId, runId } = await findRun(ctx, app, env, flags);
  let timeline: Timeline;
  try {
    timeline = await readTimeline(client, workflowId, runId);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new CliError(ErrorCode.DEPLOY_NOT_FOUND, `no run ${runId} of ${workflowId}`, { exitCode: ExitCode.INVALID_INPUT, fault: Fault.USER, cause: error });
    }
    throw temporalError(`cannot read the history of ${workflowId} run ${runId}`, error);
  }
  const document = FORMATS[format](timeline);
  const out = flags.out ? resolve(flags.out) : undefined;
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, document);
  }
  return {
    exitCode: ExitCode.OK,
    result: {
      kind: 'report',
      workflowId,
      runId,
      uiUrl: ctx.uiUrl(namespace, workflowId, runId),
      format,
      totalSeconds: round((timeline.endMs - timeline.startMs) / 1000),
      criticalPathSeconds: round(criticalMs(timeline) / 1000),
      steps: timeline.bars.length,
      ...(out ? { out } : { document }),
    },
  };
}

function formatOf(flags: ReportFlags, problems: InputProblem[]): ReportFormat | undefined {
  if (flags.format !== undefined) {
    if (flags.format in FORMATS) return flags.format as ReportFormat;
    problems.push({ path: '--format', message: `${JSON.stringify(flags.format)} is not a report format (svg, html or md)` });
    return undefined;
  }
  return (flags.out && EXTENSIONS[extname(flags.out).toLowerCase()]) || 'svg';
}

/** The run to draw: the one named, else the latest deploy (or bake) of app/env. */
async function findRun(ctx: CommandContext, app: string, env: string, flags: ReportFlags): Promise<{ workflowId: string; runId: string }> {
  const { client } = await ctx.temporal();
  if (flags.bake && !flags.run) {
    const bake = await describeLatestBake(client, app, env);
    if (!bake) throw new CliError(ErrorCode.DEPLOY_NOT_FOUND, `no bake of ${app}/${env} found`, { exitCode: ExitCode.INVALID_INPUT, fault: Fault.USER });
    return { workflowId: bake.workflowId, runId: bake.runId };
  }
  const workflowId = deployWorkflowId(app, env, flags.bake ? 'bake' : 'immutable');
  if (flags.run) return { workflowId, runId: flags.run };
  try {
    return { workflowId, runId: (await client.workflow.getHandle(workflowId).describe()).runId };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new CliError(ErrorCode.DEPLOY_NOT_FOUND, `no deploy of ${app}/${env} found (no workflow ${workflowId})`, { exitCode: ExitCode.INVALID_INPUT, fault: Fault.USER, cause: error });
    }
    throw temporalError(`cannot describe ${workflowId}`, error);
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
