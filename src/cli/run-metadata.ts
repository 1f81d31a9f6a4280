import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { clipSummary, redactUrl, type DeployRequest } from '../contracts';

/** Who or what started a run: a CI run (with its page) or a person at a machine. */
export interface Trigger {
  /** `GitHub Actions run 123 of org/repo`, `alice@laptop`. */
  text: string;
  url?: string;
}

/** What the Web UI shows about a run before it has done anything: Temporal's static user metadata. */
export interface RunMetadata {
  /** One line, at most 200 bytes: `immutable shop 1.4.2 → prod`. */
  staticSummary: string;
  /** Markdown: the request, where it came from and who started it. */
  staticDetails: string;
}

/**
 * The CI run that runs this CLI (GitHub Actions sets `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`
 * and `GITHUB_RUN_ID`), else the OS user and host.
 */
export function triggerOf(env: NodeJS.ProcessEnv): Trigger {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
  if (server && repository && runId) {
    return { text: `GitHub Actions run ${runId} of ${repository}`, url: redactUrl(`${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}`) };
  }
  let user = env.USER || env.LOGNAME || 'unknown user';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the environment's word will do.
  }
  return { text: `${user}@${hostname()}` };
}

/** `immutable shop 1.4.2 → prod`; a bake that follows the release: `bake shop (live release) → prod`. */
export function runSummary(request: DeployRequest): string {
  const version = request.liveRelease ? '(live release)' : request.version;
  return clipSummary(`${request.procedure} ${request.spec.app} ${version} → ${request.env}`);
}

/** The static summary and details of a run started by `trigger` (a schedule adds how it runs). */
export function runMetadata(request: DeployRequest, trigger: Trigger, schedule?: { scheduleId: string; cron: string; timezone: string }): RunMetadata {
  const { spec } = request;
  const rows: [string, string][] = [
    ['procedure', request.procedure],
    ['app', spec.app],
    ['version', request.liveRelease ? `the release live in ${request.env} when the bake runs (fleet version tag, else the newest image in the catalog)` : request.version],
    ['environment', request.env],
    ['regions', spec.regions.map((region, i) => (i === 0 && (request.procedure === 'immutable' || request.procedure === 'bake') ? `${region} (bake)` : region)).join(', ')],
    ['artifact', `\`${redactUrl(request.artifact.url)}\``],
    ['artifact sha256', request.artifact.sha256 ? `\`${request.artifact.sha256}\`` : request.artifact.sha256Sidecar ? 'the `.sha256` published beside the artifact' : 'not checked'],
    ['spec digest', `\`sha256:${specDigest(request)}\``],
  ];
  if (request.rollout) rows.push(['rollout', Object.entries(request.rollout).map(([k, v]) => `${k} ${v}`).join(', ')]);
  if (schedule) rows.push(['schedule', `\`${schedule.scheduleId}\`: \`${schedule.cron}\` (${schedule.timezone})`]);
  rows.push([schedule ? 'schedule set up by' : 'triggered by', trigger.url ? `[${trigger.text}](${trigger.url})` : trigger.text]);
  const details = [`**${runSummary(request)}**`, '', '| | |', '|---|---|', ...rows.map(([key, value]) => `| ${key} | ${value.replace(/\|/g, '\\|')} |`)].join('\n');
  return { staticSummary: runSummary(request), staticDetails: details };
}

/**
 * The sha256 of the validated spec as the workflow receives it: two runs with the same digest
 * ran the same spec, whatever file it was read from.
 */
export function specDigest(request: DeployRequest): string {
  return createHash('sha256').update(JSON.stringify(request.spec)).digest('hex');
}
