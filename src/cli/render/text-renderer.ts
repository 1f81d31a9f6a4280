import type { ReapedResource } from '../../contracts';
import { outcomeWords } from '../outcome';
import type { CommandResult, DeployFinished, ReapFinished, RunState, StatusReport, WorkerDeploymentReport } from '../results';
import { housekeepingLines, housekeepingScheduledLines, imagesLines } from './catalog-lines';
import { compensationLines, describeTarget, resultLines, startedLines, statusLines } from './deploy-lines';
import { approvalRecordedLines, commandLogsLines } from './operations-lines';
import { PlainRenderer } from './plain-renderer';

/** Results as text for people, on stdout. */
export class TextRenderer extends PlainRenderer {
  protected print(result: CommandResult): void {
    for (const line of textOf(result)) this.out(line);
  }
}

function textOf(result: CommandResult): string[] {
  switch (result.kind) {
    case 'deploy-started':
      return startedLines(result, result);
    case 'deploy-finished':
      return finishedLines(result);
    case 'status':
      return statusReportLines(result);
    case 'cancel-requested':
      return [
        `cancellation requested for ${result.workflowId} run ${result.runId}; the workflow now undoes what it created`,
        `  follow it: hybrid-deploy status ${result.app} ${result.env}  or  ${result.uiUrl}`,
      ];
    case 'cancel-finished':
      return [
        `${result.workflowId} run ${result.runId}: ${result.status}${result.error ? ` (${result.error})` : ''}`,
        ...(result.compensation ? compensationLines(result.compensation) : []),
        `  ui: ${result.uiUrl}`,
      ];
    case 'reap-finished':
      return reapLines(result);
    case 'images-listed':
      return imagesLines(result);
    case 'housekeeping-finished':
      return housekeepingLines(result);
    case 'housekeeping-scheduled':
      return housekeepingScheduledLines(result);
    case 'report':
      return result.document !== undefined
        ? [result.document.replace(/\n$/, '')]
        : [`wrote ${result.out} (${result.format}): ${result.steps} steps of ${result.workflowId}, total ${result.totalSeconds}s, critical path ${result.criticalPathSeconds}s`];
    case 'bake-scheduled':
      return [
        `${result.created ? 'created' : 'updated'} schedule ${result.scheduleId}: bake ${result.app} ${result.followsLiveRelease ? `the live release (${result.artifactTemplate})` : result.version} at "${result.cron}" (${result.timezone})`,
        `  note:      ${result.note}`,
        `  next runs: ${result.nextRuns.join(', ')}`,
        `  ui:        ${result.uiUrl}`,
      ];
    case 'worker-version-set':
      return [
        `${result.deploymentName}: ${result.buildId} is current (was ${result.previousBuildId ?? 'unversioned workers'})`,
        '  new deploys run on it; running ones finish on the build that started them',
        ...(result.previousBuildId ? [`  retire ${result.previousBuildId}'s workers once \`hybrid-deploy worker-version describe\` shows it drained`] : []),
      ];
    case 'worker-deployment':
      return workerDeploymentLines(result);
    case 'preflight-checked':
      return [
        `${result.ok ? 'ok' : `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`}: ${result.procedure} of ${result.app} to ${result.env} in ${result.regions.join(', ')}`,
        ...result.problems.map((p) => `  ${p.path}: ${p.message}`),
        ...result.unchecked.map((note) => `  not checked: ${note}`),
      ];
    case 'approval-recorded':
      return approvalRecordedLines(result);
    case 'command-logs':
      return commandLogsLines(result);
  }
}

function workerDeploymentLines(report: WorkerDeploymentReport): string[] {
  const meaning: Record<string, string> = { draining: 'pinned deploys still run on it', drained: 'no deploy runs on it, its workers can be retired' };
  const line = (v: WorkerDeploymentReport['versions'][number]) => {
    const drainage = v.drainage && v.drainage !== v.status ? ` (${v.drainage})` : '';
    return `  ${v.buildId}  ${v.status}${drainage}${v.drainage && meaning[v.drainage] ? `: ${meaning[v.drainage]}` : ''}`;
  };
  return [`${report.deploymentName}: current ${report.current ?? '(unversioned workers)'}${report.ramping ? `, ramping ${report.ramping}` : ''}`, ...report.versions.map(line)];
}

function finishedLines(result: DeployFinished): string[] {
  if (result.outcome === 'succeeded' && result.result) return resultLines(result.result, result.seconds);
  const why = result.outcome === 'failed' ? `: ${result.error}` : '';
  return [`${describeTarget(result)} ${outcomeWords(result.outcome)} after ${result.seconds}s${why}`, ...(result.compensation ? compensationLines(result.compensation) : [])];
}

function statusReportLines(report: StatusReport): string[] {
  return [...runStateLines(report), ...(report.bake ? ['', ...runStateLines(report.bake)] : [])];
}

function runStateLines(state: RunState): string[] {
  const { execution } = state;
  return [
    `${state.workflowId}: ${outcomeWords(state.outcome)}`,
    `  run:        ${state.runId}`,
    `  task queue: ${execution.taskQueue}`,
    `  started:    ${execution.startTime}${execution.closeTime ? `, closed ${execution.closeTime}` : ''}`,
    `  ui:         ${state.uiUrl}`,
    ...statusLines(state),
  ];
}

function reapLines(result: ReapFinished): string[] {
  // A failure is told on stderr (`error [CODE]: the reaper failed: …`); stdout has no result to show.
  if (result.outcome !== 'succeeded') return [];
  const verb = result.dryRun ? 'would remove' : 'removed';
  if (!result.removed?.length) return [`nothing to remove (as of ${result.now})`];
  return result.removed.map((r: ReapedResource) => `${verb} ${r.kind} ${r.id} in ${r.region}${r.name ? ` (${r.name})` : ''}: ${r.reason}`);
}
