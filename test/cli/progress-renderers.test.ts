import type { CliDeps } from '../../src/cli/deps';
import { LiveRenderer } from '../../src/cli/render/live-renderer';
import { selectRenderer } from '../../src/cli/render/select-renderer';
import { TextRenderer } from '../../src/cli/render/text-renderer';
import type { DeployStatus } from '../../src/workflows/messages';
import { progressText } from '../../src/cli/pending-activities';
import { atMost } from '../../src/aws/wait';
import { runCli, VALID_SPEC } from './run-cli';

/** A deps whose writes are kept; `terminal` makes stderr a TTY of that width. */
function capture(terminal?: { columns: number }, env: NodeJS.ProcessEnv = {}) {
  const out = { stdout: '', stderr: '' };
  const deps: CliDeps = { stdout: (s) => (out.stdout += s), stderr: (s) => (out.stderr += s), env, ...(terminal ? { terminal } : {}) };
  return { deps, out };
}

const T0 = Date.parse('2030-01-01T00:00:00Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

/** A copy under way in us-west-2 since t=60 s, us-east-1 done. */
function copying(): DeployStatus {
  return {
    procedure: 'immutable', app: 'shop', env: 'prod', version: '1.4.2', phase: 'copying', startedAt: iso(0), phaseStartedAt: iso(60_000),
    regions: {
      'us-east-1': { phase: 'done', phaseStartedAt: iso(60_000), imageId: 'ami-1' },
      'us-west-2': { phase: 'copying', phaseStartedAt: iso(60_000), step: 'copy ami-1 us-east-1 → us-west-2', stepStartedAt: iso(60_000) },
    },
  };
}
const waitingForImage = [{ activityType: 'copyAmi', attempt: 1, region: 'us-west-2', waiting: 'image ami-2 in us-west-2 to be available', progress: 'pending' }];

describe('progress a person can follow', () => {
  it('in a log: a line per change, then at least one line every 30 s while a region works, with its sub-step and elapsed time', () => {
    const { deps, out } = capture();
    const renderer = new TextRenderer(deps, { debug: false });
    // Polls every 2 s from t=62 s to t=130 s; nothing changes after the first.
    for (let t = 62_000; t <= 130_000; t += 2_000) renderer.progress({ type: 'status', elapsedSeconds: (t - 60_000) / 1000, at: T0 + t, status: copying(), pending: waitingForImage });
    const lines = out.stderr.trim().split('\n');
    expect(lines).toEqual([
      '[2.0s] phase copying',
      '[2.0s]   us-east-1: done',
      '[2.0s]   us-west-2: copying · copy ami-1 us-east-1 → us-west-2 · waiting for image ami-2 to be available (pending) · 2.0s',
      '[32.0s]   us-west-2: copying · copy ami-1 us-east-1 → us-west-2 · waiting for image ami-2 to be available (pending) · 32.0s',
      '[1m02s]   us-west-2: copying · copy ami-1 us-east-1 → us-west-2 · waiting for image ami-2 to be available (pending) · 1m02s',
    ]);
  });

  it('in a log: a workflow that does not answer is said every 30 s, not every poll', () => {
    const { deps, out } = capture();
    const renderer = new TextRenderer(deps, { debug: false });
    for (let t = 0; t <= 64_000; t += 2_000) renderer.progress({ type: 'unanswered', elapsedSeconds: t / 1000, at: T0 + t, reason: 'no worker answered' });
    expect(out.stderr.trim().split('\n')).toEqual(['[30.0s] no progress report: no worker answered', '[1m00s] no progress report: no worker answered']);
  });

  it('at a terminal: the block of regions is redrawn in place, lines cut to the width, and stays when the run ends', () => {
    const { deps, out } = capture({ columns: 60 });
    const renderer = new LiveRenderer(deps, { debug: false });
    renderer.progress({ type: 'status', elapsedSeconds: 2, at: T0 + 62_000, status: copying(), pending: waitingForImage });
    renderer.progress({ type: 'status', elapsedSeconds: 4, at: T0 + 64_000, status: copying(), pending: waitingForImage });
    renderer.progress({ type: 'note', message: 'a note' });
    renderer.result({ kind: 'cancel-requested', workflowId: 'deploy/shop/prod', runId: 'r', uiUrl: 'u', app: 'shop', env: 'prod', cancelRequested: true, seconds: 1 });
    const frames = out.stderr.split('\x1b[3F\x1b[J');
    expect(frames).toHaveLength(3);
    expect(frames[0]).toBe(
      ['immutable deploy of shop 1.4.2 to prod · phase copying (fo…', '  us-east-1: done', '  us-west-2: copying · copy ami-1 us-east-1 → us-west-2 · …', ''].join('\n'),
    );
    expect(frames[1]).toMatch(/^immutable deploy of shop 1\.4\.2 to prod · phase copying \(fo…\n {2}us-east-1: done\n {2}us-west-2: copying · copy/);
    // The note prints where the block was, then the block again below it; the result leaves it there.
    expect(frames[2]).toMatch(/^a note\nimmutable deploy of shop 1\.4\.2 to prod/);
    for (const line of out.stderr.split('\n')) expect(line.replace(/\x1b\[\d+F\x1b\[J/g, '').length).toBeLessThanOrEqual(59);
    expect(out.stdout).toContain('cancellation requested for deploy/shop/prod');
  });

  it('chooses the renderer from the environment: a terminal outside CI draws in place; CI and pipes get lines', () => {
    expect(selectRenderer({}, capture({ columns: 80 }).deps)).toBeInstanceOf(LiveRenderer);
    expect(selectRenderer({}, capture({ columns: 80 }, { CI: 'true' }).deps)).not.toBeInstanceOf(LiveRenderer);
    expect(selectRenderer({}, capture().deps)).not.toBeInstanceOf(LiveRenderer);
  });

  it('in GitHub Actions, an input error is an ::error:: annotation listing each problem, and a job summary', async () => {
    const summary = require('node:path').join(require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'gha-')), 'summary.md');
    const run = await runCli(['bake', '--spec', VALID_SPEC, '--env', 'prod', '--artifact', 's3://b/{app}/{version}.tar.gz'], { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('::error title=hybrid-deploy%3A INVALID_INPUT::the bake input has 1 problem; nothing was started%0A--artifact: "s3://b/{app}/{version}.tar.gz" has {app}: only {version} is filled in\n');
    expect(require('node:fs').readFileSync(summary, 'utf8')).toContain('### ❌ hybrid-deploy: INVALID_INPUT (user error)');
  });
});

describe("a wait's progress in a few words", () => {
  it('counts a launch by state, samples a long list of targets, and keeps a single state as it is', () => {
    expect(progressText({ running: 1, of: 2, pending: 1 })).toBe('1/2 running, 1 pending');
    expect(progressText({ running: 0, of: 3, visible: 'not yet' })).toBe('0/3 running, not yet visible');
    expect(progressText({ pending: 2, total: 4 })).toBe('2/4 pending');
    expect(progressText({ state: 'pending' })).toBe('pending');
    const targets = atMost(Array.from({ length: 1000 }, (_, i) => `i-${i}: draining`), 2);
    expect(targets).toEqual(['i-0: draining', 'i-1: draining', '… and 998 more']);
    expect(progressText(targets)).toBe('i-0: draining, i-1: draining, … and 998 more');
  });
});
