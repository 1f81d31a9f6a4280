import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { decodeUserMetadata } from '@temporalio/common/lib/internal-non-workflow';
import { tsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { XMLParser } from 'fast-xml-parser';
import { deployArgs, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every activity of a history with the summary the Web UI shows on it, and its times. */
async function activitiesOf(client: Client, workflowId: string, runId: string) {
  const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  const converter = client.options.loadedDataConverter;
  const scheduled = new Map<string, { activityId: string; type: string; summary?: string; scheduledMs: number; startedMs?: number; closedMs?: number }>();
  const children: { workflowId: string; runId?: string; summary?: string }[] = [];
  for (const event of events) {
    const a = event.activityTaskScheduledEventAttributes;
    if (a) scheduled.set(String(event.eventId), { activityId: a.activityId!, type: a.activityType!.name!, summary: await summaryOf(converter, event), scheduledMs: tsToMs(event.eventTime) });
    const started = event.activityTaskStartedEventAttributes;
    if (started) scheduled.get(String(started.scheduledEventId))!.startedMs = tsToMs(event.eventTime);
    const closed = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskCanceledEventAttributes ?? event.activityTaskTimedOutEventAttributes;
    if (closed) scheduled.get(String(closed.scheduledEventId))!.closedMs = tsToMs(event.eventTime);
    const initiated = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (initiated) children.push({ workflowId: initiated.workflowId!, summary: await summaryOf(converter, event) });
    const childStarted = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (childStarted) children.find((c) => c.workflowId === childStarted.workflowId && !c.runId)!.runId = childStarted.runId!;
  }
  return { activities: [...scheduled.values()], children, startMs: tsToMs(events[0].eventTime), closeMs: tsToMs(events[events.length - 1].eventTime) };
}

async function summaryOf(converter: Client['options']['loadedDataConverter'], event: HistoryEvent): Promise<string | undefined> {
  return (await decodeUserMetadata(converter, event.userMetadata)).staticSummary as string | undefined;
}

/** The Web UI's "current details": the workflow's built-in metadata query (answered by replay once it closed). */
async function currentDetails(client: Client, workflowId: string, runId: string): Promise<string> {
  const metadata = (await client.workflow.getHandle(workflowId, runId).query<{ currentDetails?: string }>('__temporal_workflow_metadata')) ?? {};
  return metadata.currentDetails ?? '';
}

/**
 * Every deploy tells its story: what the Web UI shows about a finished deploy (its summary and
 * details, a summary on every activity and child workflow, the per-region current details), what
 * a GitHub Actions job gets (groups, annotations, a job summary), and the timeline report drawn
 * from its history — read back from the real Temporal server after real deploys.
 */
describe('every deploy tells its story', () => {
  let world: DeployWorld;
  let work: string;
  const env = `story-${Math.random().toString(36).slice(2, 8)}`;
  const ci = { GITHUB_SERVER_URL: 'https://github.example', GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '4242', TEMPORAL_UI_URL: 'http://ui.test' };
  let immutable: { workflowId: string; runId: string };

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
    work = mkdtempSync(join(tmpdir(), 'hd-story-'));
  });
  afterAll(async () => {
    await world?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('in GitHub Actions: a group per phase, no annotation, and a job summary with every region, the timeline and the Web UI link', async () => {
    const summaryFile = join(work, 'step-summary.md');
    const run = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0' }), { ...ci, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile });
    expect({ code: run.code, err: run.code ? run.stderr : '' }).toEqual({ code: 0, err: '' });
    const { workflowId, runId } = JSON.parse(run.stdout);
    immutable = { workflowId, runId };
    expect(run.stderr).toContain(`::group::baking · immutable deploy of example-app 1.0.0 to ${env}\n`);
    expect(run.stderr).toContain(`::group::launching · immutable deploy of example-app 1.0.0 to ${env}\n`);
    expect(run.stderr.match(/^::group::/gm)?.length).toBe(run.stderr.match(/^::endgroup::$/gm)?.length);
    expect(run.stderr).not.toContain('::error');
    const summary = readFileSync(summaryFile, 'utf8');
    expect(summary).toMatch(new RegExp(`^### ✅ immutable deploy of example-app 1\\.0\\.0 to ${env}: succeeded in `, 'm'));
    expect(summary).toMatch(/^\| us-east-1 \| live \| ami-[0-9a-f]+ \| i-[0-9a-f]+, i-[0-9a-f]+ \| {2}\|$/m);
    expect(summary).toMatch(/^\| us-west-2 \| live \| ami-[0-9a-f]+ \| i-[0-9a-f]+, i-[0-9a-f]+ \| {2}\|$/m);
    expect(summary).toContain('#### Where the time went');
    expect(summary).toMatch(/^\| us-west-2 \| (★ \*\*)?copy ami-[0-9a-f]+ us-east-1 → us-west-2(\*\*)? \| \+[\d.]+s \| [\d.]+m?s \| 1 \| completed \|$/m);
    // The critical path runs through the bake, which every region waits for.
    expect(summary).toMatch(/^\| us-east-1 \| ★ \*\*stop builder i-[0-9a-f]+, make image /m);
    expect(summary).toContain(`[Open ${workflowId} in the Temporal Web UI](http://ui.test/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}/history)`);
  });

  it('in GitHub Actions: a failed deploy gets an ::error:: annotation with its cause and what was undone, and a job summary that says so', async () => {
    const summaryFile = join(work, 'step-summary-failed.md');
    const broken = world.brokenArtifact('2.0.0');
    const spec = world.spec((s) => {
      s.service.healthCheck.timeoutSeconds = 5;
    });
    const run = await world.cli(deployArgs(world, { procedure: 'partial', env, version: '2.0.0', artifact: broken, spec }), { ...ci, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile });
    expect(run.code).toBe(1);
    const annotation = run.stderr.split('\n').find((line) => line.startsWith('::error '));
    expect(annotation).toMatch(new RegExp(`^::error title=partial deploy of example-app 2\\.0\\.0 to ${env} failed::error \\[DEPLOY_FAILED\\]: the deploy failed .*%0Acause: .*smoke test.*%0Acompensation:%0A {2}- ok: .*%0Aui: http://ui\\.test/`));
    const summary = readFileSync(summaryFile, 'utf8');
    expect(summary).toMatch(new RegExp(`^### ❌ partial deploy of example-app 2\\.0\\.0 to ${env}: failed in `, 'm'));
    expect(summary).toMatch(/^\*\*Cause:\*\* .*smoke test/m);
    expect(summary).toMatch(/^\| us-east-1 \| (failed at "smoke test|stopped|its steps succeeded)/m);
    expect(summary).toContain('**Undone (compensation):**');
    expect(summary).toMatch(/^- ok: terminate the new fleet in us-(east-1|west-2)$/m);
    expect(await world.servedVersion('us-east-1')).toBe('1.0.0');
  });

  it('the Web UI: the deploy has its summary and details, every activity a summary, the current details every region', async () => {
    const handle = world.client.workflow.getHandle(immutable.workflowId, immutable.runId);
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(`immutable example-app 1.0.0 → ${env}`);
    const details = await description.staticDetails();
    expect(details).toContain('| regions | us-east-1 (bake), us-west-2 |');
    expect(details).toMatch(/\| spec digest \| `sha256:[0-9a-f]{64}` \|/);
    expect(details).toMatch(/\| artifact \| `file:\/\/\/.*example-app-1\.0\.0\.tar\.gz` \|/);
    expect(details).toContain('| triggered by | [GitHub Actions run 4242 of acme/shop](https://github.example/acme/shop/actions/runs/4242) |');

    const { activities } = await activitiesOf(world.client, immutable.workflowId, immutable.runId);
    expect(activities.length).toBeGreaterThan(10);
    expect(activities.filter((a) => !a.summary)).toEqual([]);
    expect(activities.map((a) => a.summary)).toEqual(expect.arrayContaining([expect.stringMatching(/^launch 2 × t3\.micro in us-west-2 from ami-/), expect.stringMatching(/^copy ami-\S+ us-east-1 → us-west-2$/)]));
    const current = await currentDetails(world.client, immutable.workflowId, immutable.runId);
    expect(current).toContain('phase **done**');
    for (const region of ['us-east-1', 'us-west-2']) expect(current).toMatch(new RegExp(`^\\| ${region} \\| done \\|`, 'm'));
  });

  it('the Web UI: a mutable deploy started by a person names them; every child and every activity of every child has a summary', async () => {
    const run = await world.cli(deployArgs(world, { procedure: 'mutable', env, version: '3.0.0', extra: ['--batch-size', '1', '--min-healthy', '1'] }));
    expect({ code: run.code, err: run.code ? run.stderr : '' }).toEqual({ code: 0, err: '' });
    const { workflowId, runId } = JSON.parse(run.stdout);
    const description = await world.client.workflow.getHandle(workflowId, runId).describe();
    expect(await description.staticSummary()).toBe(`mutable example-app 3.0.0 → ${env}`);
    expect(await description.staticDetails()).toMatch(/\| triggered by \| [^|]+@[^|]+ \|/);
    expect(await description.staticDetails()).toContain('| rollout | batchSize 1, minHealthy 1 |');

    const parent = await activitiesOf(world.client, workflowId, runId);
    expect(parent.activities.filter((a) => !a.summary)).toEqual([]);
    expect(parent.children.map((c) => c.summary).sort()).toEqual([
      'rolling sync us-east-1: 3.0.0 on 2 instance(s) in 2 batch(es) of 1',
      'rolling sync us-west-2: 3.0.0 on 2 instance(s) in 2 batch(es) of 1',
    ]);
    for (const child of parent.children) {
      const { activities } = await activitiesOf(world.client, child.workflowId, child.runId!);
      expect(activities.length).toBeGreaterThan(0);
      expect(activities.filter((a) => !a.summary)).toEqual([]);
    }
    const current = await currentDetails(world.client, workflowId, runId);
    for (const region of ['us-east-1', 'us-west-2']) expect(current).toMatch(new RegExp(`^\\| ${region} \\| done`, 'm'));
  });

  it('report draws an SVG whose bars are the history\'s activity times, the critical path marked and the total given', async () => {
    const file = join(work, 'immutable.svg');
    const run = await world.cli(['report', 'example-app', env, '--run', immutable.runId, '--out', file, '--json']);
    expect({ code: run.code, err: run.code ? run.stderr : '' }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ format: 'svg', out: file, workflowId: immutable.workflowId, runId: immutable.runId });
    const svg = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(file, 'utf8')).svg;
    const { activities, startMs, closeMs } = await activitiesOf(world.client, immutable.workflowId, immutable.runId);
    expect(Number(svg['data-start-ms'])).toBe(startMs);
    expect(Number(svg['data-end-ms'])).toBe(closeMs);
    const left = Number(svg['data-plot-left']);
    const pxPerMs = (Number(svg['data-plot-right']) - left) / (closeMs - startMs);
    const rects: Record<string, string>[] = svg.rect;
    for (const activity of activities) {
      const bar = rects.find((r) => r['data-bar-id'] === `${immutable.workflowId}#${activity.activityId}` && r.class.startsWith('bar '));
      expect(bar).toBeDefined();
      // The bar runs from the (last) attempt's start to the close, on the chart's scale.
      expect(Number(bar!.x)).toBeCloseTo(left + (activity.startedMs! - startMs) * pxPerMs, 1);
      expect(Number(bar!.width)).toBeCloseTo(Math.max(1, (activity.closedMs! - activity.startedMs!) * pxPerMs), 1);
    }
    const critical = rects.filter((r) => /\bbar\b.*\bcritical\b/.test(r.class) && r['data-bar-id']);
    expect(critical.length).toBeGreaterThan(3);
    // The last activity to close is on the critical path.
    const last = activities.reduce((a, b) => (b.closedMs! > a.closedMs! ? b : a));
    expect(critical.map((r) => r['data-bar-id'])).toContain(`${immutable.workflowId}#${last.activityId}`);
    const subtitle = (svg.text as ({ class: string; '#text': string } | string)[]).find((t) => typeof t === 'object' && t.class === 'subtitle') as { '#text': string };
    expect(subtitle['#text']).toMatch(/^total [\d.]+m?s · completed · critical path [\d.]+m?s over \d+ steps/);
  });

  it('report draws a mutable deploy with its children\'s steps, as Markdown too', async () => {
    const run = await world.cli(['report', 'example-app', env, '--format', 'md']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^\\*\\*mutable example-app 3\\.0\\.0 → ${env}\\*\\*: total \\*\\*[\\d.]+m?s\\*\\* \\(completed\\)`, 'm'));
    for (const region of ['us-east-1', 'us-west-2']) {
      expect(run.stdout).toMatch(new RegExp(`^\\| ${region} \\| (★ \\*\\*)?rolling sync ${region}: 3\\.0\\.0 on 2 instance`, 'm'));
      expect(run.stdout).toMatch(new RegExp(`^\\| ${region} \\| (★ \\*\\*)?(place|sync) 3\\.0\\.0`, 'm'));
    }
  });
});
