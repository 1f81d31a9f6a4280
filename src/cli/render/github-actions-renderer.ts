import { appendFileSync } from 'node:fs';
import type { CliDeps } from '../deps';
import type { CliError } from '../errors';
import type { CommandResult, DeployFinished } from '../results';
import { renderMarkdown } from '../timeline/markdown';
import { DEPLOY_LANE, formatDuration, type Timeline } from '../timeline/timeline';
import { describeTarget } from './deploy-lines';
import { failureLine } from './plain-renderer';
import type { ProgressEvent, Renderer } from './renderer';

/**
 * For a GitHub Actions job (chosen when `GITHUB_ACTIONS=true`, as the runner sets it): the
 * output of the renderer it wraps (text or `--json`), plus what the runner reads — each phase of
 * a followed deploy in a collapsible `::group::`, an `::error::` annotation with the cause when
 * the command fails, and a Markdown job summary appended to `$GITHUB_STEP_SUMMARY`: per-region
 * result, the timeline (where the time went) and the Web UI link. Workflow commands go to
 * stderr, which the runner reads as it reads stdout, so `--json` stays one document.
 */
export class GitHubActionsRenderer implements Renderer {
  readonly wantsTimeline = true;
  private group?: string;

  constructor(
    private readonly base: Renderer,
    private readonly deps: CliDeps,
  ) {}

  progress(event: ProgressEvent): void {
    if (event.type === 'status' && event.status.phase !== this.group) {
      this.endGroup();
      this.command(`::group::${escapeData(`${event.status.phase} · ${describeTarget(event.status)}`)}`);
      this.group = event.status.phase;
    }
    this.base.progress(event);
  }

  result(result: CommandResult): void {
    this.endGroup();
    this.base.result(result);
    const failure = failureLine(result);
    if (failure) this.annotate(titleOf(result), causeOf(result, failure));
    if (result.kind === 'deploy-finished') this.summarize(deploySummary(result));
  }

  error(error: CliError): void {
    this.endGroup();
    this.base.error(error);
    const problems = error.problems.map((p) => `${p.path}: ${p.message}`);
    this.annotate(`hybrid-deploy: ${error.code}`, [error.message, ...problems].join('\n'));
    this.summarize([`### ❌ hybrid-deploy: ${error.code} (${error.fault} error)`, '', error.message, '', ...problems.map((p) => `- ${p}`), ''].join('\n'));
  }

  private annotate(title: string, message: string): void {
    this.command(`::error title=${escapeProperty(title)}::${escapeData(message)}`);
  }

  /** Appends to the job summary; a summary that cannot be written is said, never fatal. */
  private summarize(markdown: string): void {
    const file = this.deps.env.GITHUB_STEP_SUMMARY;
    if (!file) return;
    try {
      appendFileSync(file, `${markdown}\n`);
    } catch (error) {
      this.command(`::warning::${escapeData(`cannot write the job summary to ${file}: ${(error as Error).message}`)}`);
    }
  }

  private endGroup(): void {
    if (this.group !== undefined) this.command('::endgroup::');
    this.group = undefined;
  }

  private command(line: string): void {
    this.deps.stderr(`${line}\n`);
  }
}

function titleOf(result: CommandResult): string {
  if (result.kind === 'deploy-finished') return `${describeTarget(result)} ${result.outcome}`;
  return `hybrid-deploy ${result.kind.replace(/-.*/, '')}`;
}

/** The cause, then what was undone: the annotation a reviewer sees on the run's page. */
function causeOf(result: CommandResult, failure: string): string {
  if (result.kind !== 'deploy-finished') return 'error' in result && result.error ? `${failure}: ${result.error}` : failure;
  const lines = [`${failure}`, `cause: ${result.error ?? result.outcome}`];
  if (result.compensation) lines.push('compensation:', ...result.compensation.map((step) => `  - ${step}`));
  lines.push(`ui: ${result.uiUrl}`);
  return lines.join('\n');
}

/** The job summary of a finished deploy or bake. */
export function deploySummary(result: DeployFinished): string {
  const ok = result.outcome === 'succeeded';
  const lines = [`### ${ok ? '✅' : '❌'} ${describeTarget(result)}: ${result.outcome} in ${formatDuration(result.seconds * 1000)}`, ''];
  if (!ok) lines.push(`**Cause:** ${result.error ?? result.outcome}`, '');
  lines.push('| region | result | image | instances | retired |', '|---|---|---|---|---|');
  for (const row of regionRows(result)) lines.push(`| ${row.join(' | ')} |`);
  lines.push('');
  if (result.compensation) lines.push('**Undone (compensation):**', '', ...(result.compensation.length ? result.compensation.map((step) => `- ${step}`) : ['- nothing to undo']), '');
  if (result.timeline) lines.push('#### Where the time went', '', renderMarkdown(result.timeline));
  lines.push(`[Open ${result.workflowId} in the Temporal Web UI](${result.uiUrl}) · run \`${result.runId}\``, '');
  return lines.join('\n');
}

function regionRows(result: DeployFinished): string[][] {
  if (result.result) {
    return result.result.regions.map((r) => [r.region, 'live', r.imageId ?? '', r.instanceIds.join(', '), r.retiredInstanceIds.join(', ')]);
  }
  const lanes = result.timeline?.lanes.filter((lane) => lane !== DEPLOY_LANE) ?? [];
  return lanes.map((lane) => [lane, laneResult(result.timeline!, lane), '', '', '']);
}

/** How a region of a deploy that did not succeed ended, from its timeline. */
function laneResult(timeline: Timeline, lane: string): string {
  const bars = timeline.bars.filter((bar) => bar.lane === lane);
  const failed = bars.find((bar) => bar.outcome === 'failed' || bar.outcome === 'timed-out');
  if (failed) return `failed at "${failed.label}": ${(failed.failure ?? failed.outcome).replace(/\|/g, '\\|')}`;
  if (bars.some((bar) => bar.outcome === 'cancelled')) return 'stopped (cancelled)';
  return 'its steps succeeded; undone with the rest';
}

/** Workflow command data: `%`, CR and LF escaped, as the runner reads them. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow command properties: also `:` and `,`. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
