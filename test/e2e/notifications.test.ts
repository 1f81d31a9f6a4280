import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { spawnWorker, type WorkerProcess } from '../../harness/durability/worker-process';
import { codecOf } from '../../harness/stack/codec-keys';
import { deployArgs, startDeployWorld, type CliRun, type DeployWorld } from '../helpers/deploy-world';
import { until } from '../helpers/outcomes';
import { testTemporalAddress } from '../helpers/temporal';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const REGION = 'us-east-1';
const UI = 'http://127.0.0.1:8233';
/** The webhooks' secret part, as in a Slack URL's path: it must never be readable without the codec key. */
/** A post-deploy task that fails (exit 3), saying why on stderr. */
const MIGRATION_FAILS = 'echo "migration 42 failed: column exists" >&2; exit 3';
const TOKEN = `T0KEN${Math.random().toString(36).slice(2, 12)}`;

/** Every string in a history, payload bytes decoded as UTF-8 (as the Web UI shows them without a codec). */
function historyText(value: unknown): string {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (v instanceof Uint8Array) out.push(Buffer.from(v).toString('utf8'));
    else if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return out.join('\n');
}

/**
 * The spec's webhooks, end to end: the production worker posts every event of real deploys and
 * bakes to a local HTTP server, as JSON and as Slack messages; a webhook answering 500 is retried,
 * then given up on without failing the deploy; the webhook URLs (their token) appear nowhere in
 * the CLI's output, the workflow history read without the codec key, or the worker's logs.
 */
describe('webhook notifications', () => {
  let world: DeployWorld;
  let worker: WorkerProcess;
  let receiver: WebhookReceiver;
  let workerLog: string;
  let env: string;
  const cliRuns: CliRun[] = [];
  const jsonPath = `/json/${TOKEN}`;
  const slackPath = `/slack/${TOKEN}`;
  const downPath = `/down/${TOKEN}`;

  /** The spec, with the webhooks; `postDeploy` replaces its post-deploy tasks (a failing one fails a deploy at once). */
  const spec = (postDeploy?: string[]) =>
    world.spec((s) => {
      s.regions = [REGION];
      if (postDeploy) s.postDeploy = postDeploy;
      delete s.regionSettings['us-west-2'];
      s.notify = {
        webhooks: [
          { url: `${receiver.base}${jsonPath}`, format: 'json' },
          { url: `${receiver.base}${slackPath}`, format: 'slack' },
          // Down: answers 500 to everything. Subscribed to the first deploy's events only.
          { url: `${receiver.base}${downPath}`, format: 'json', events: ['started', 'succeeded'] },
        ],
      };
    });
  const cli = async (args: string[]) => {
    const run = await world.cli(args);
    cliRuns.push(run);
    return run;
  };
  const statusOf = async (workflow: 'deploy' | 'bake' = 'deploy') => JSON.parse((await cli(['status', 'example-app', env, '--json', ...(workflow === 'bake' ? ['--bake'] : [])])).stdout);
  /** What the JSON and Slack webhooks got for an event of a run. */
  const received = (event: string, runId: string) => {
    const json = receiver.to(jsonPath).filter((r) => r.body.event === event && r.body.runId === runId);
    const slack = receiver.to(slackPath).filter((r) => r.body.text.includes(`run ${runId}`) && r.body.text.startsWith(SLACK_ICON[event]));
    return { json: json.map((r) => r.body), slack: slack.map((r) => r.body.text as string) };
  };
  const SLACK_ICON: Record<string, string> = {
    started: ':rocket:',
    'waiting-for-approval': ':hourglass_flowing_sand:',
    succeeded: ':white_check_mark:',
    failed: ':x:',
    'rolled-back': ':leftwards_arrow_with_hook:',
    baked: ':bread:',
    'bake-failed': ':x:',
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    world = await startDeployWorld({ profile: 'fast', worker: false });
    env = world.uniqueEnv('notify');
    workerLog = join(world.sandbox.dataDir, '..', `worker-notify-${Date.now()}.log`);
    worker = spawnWorker({
      temporalAddress: testTemporalAddress(),
      awsEndpoint: world.sandbox.endpoint,
      taskQueue: world.taskQueue,
      logFile: workerLog,
      env: { HYBRID_DEPLOY_CODEC_KEYS: world.codecKeys, TEMPORAL_UI_URL: UI },
    });
    await worker.ready;
  });
  afterAll(async () => {
    await worker?.stop();
    await world?.close();
    await receiver?.close();
  });

  it('tells a deploy that waits for approval: started, waiting (what waits, until when, how to decide), succeeded; a webhook that answers 500 fails nothing', async () => {
    const deploying = cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec: spec(), extra: ['--require-approval'] }));
    // The waiting notice arrives while the deploy waits; it says what to run.
    const waiting = await until('the waiting-for-approval webhook', async () => receiver.to(jsonPath).find((r) => r.body.event === 'waiting-for-approval')?.body);
    const runId: string = waiting.runId;
    expect(waiting).toMatchObject({
      event: 'waiting-for-approval',
      procedure: 'immutable',
      app: 'example-app',
      env,
      version: '1.0.0',
      workflowId: `deploy/example-app/${env}`,
      regions: [REGION],
      uiUrl: `${UI}/namespaces/default/workflows/${encodeURIComponent(`deploy/example-app/${env}`)}/${runId}/history`,
      approval: {
        deadline: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        waiting: expect.stringMatching(/^2 new instance\(s\) running since \S+ cost money until the deploy is approved or rejected$/),
        approveCommand: `hybrid-deploy approve example-app ${env}`,
      },
    });
    const slackWaiting = await until('the Slack waiting notice', async () => received('waiting-for-approval', runId).slack[0]);
    expect(slackWaiting.split('\n')).toEqual([
      `:hourglass_flowing_sand: *immutable deploy of example-app 1.0.0 to ${env} is waiting for approval*`,
      waiting.approval.waiting,
      `times out at ${waiting.approval.deadline} (then it is undone, as after a failure)`,
      `approve: \`hybrid-deploy approve example-app ${env}\` · reject: \`hybrid-deploy approve example-app ${env} --reject --reason "…"\``,
      `<${waiting.uiUrl}|deploy/example-app/${env}> run ${runId}`,
    ]);
    expect((await cli(['approve', 'example-app', env, '--by', 'alice'])).code).toBe(0);
    const run = await deploying;
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    const instanceIds: string[] = JSON.parse(run.stdout).result.regions[0].instanceIds;

    const started = received('started', runId);
    expect(started.json).toEqual([expect.objectContaining({ event: 'started', procedure: 'immutable', version: '1.0.0', regions: [REGION], runId })]);
    expect(started.json[0].at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(started.slack).toEqual([`:rocket: *immutable deploy of example-app 1.0.0 to ${env} started*\nregions: ${REGION}\n<${waiting.uiUrl}|deploy/example-app/${env}> run ${runId}`]);
    const succeeded = received('succeeded', runId);
    expect(succeeded.json).toEqual([
      expect.objectContaining({ event: 'succeeded', seconds: expect.any(Number), result: [{ region: REGION, imageId: expect.stringMatching(/^ami-/), instanceIds }] }),
    ]);
    expect(succeeded.slack).toHaveLength(1);
    expect(succeeded.slack[0].split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^:white_check_mark: \\*immutable deploy of example-app 1\\.0\\.0 to ${env} succeeded\\* in [\\d.]+s$`)),
      `${REGION}: image ${succeeded.json[0].result[0].imageId}; instances ${instanceIds.join(', ')}`,
      `<${waiting.uiUrl}|deploy/example-app/${env}> run ${runId}`,
    ]);
    // Nothing else was sent to them for this run.
    expect(receiver.to(jsonPath).filter((r) => r.body.runId === runId).map((r) => r.body.event).sort()).toEqual(['started', 'succeeded', 'waiting-for-approval']);
    expect(receiver.to(slackPath).filter((r) => r.body.text.includes(runId))).toHaveLength(3);
    expect([...receiver.to(jsonPath), ...receiver.to(slackPath)].every((r) => r.contentType === 'application/json')).toBe(true);

    // The webhook that is down got each of its events four times (the notify activity's retries), and the deploy succeeded anyway.
    expect(receiver.to(downPath).filter((r) => r.body.runId === runId).map((r) => r.body.event).sort()).toEqual(['started', 'started', 'started', 'started', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect((await statusOf()).status.notificationFailures.sort()).toEqual([
      'started → notify.webhooks[2]: notify.webhooks[2] answered HTTP 500',
      'succeeded → notify.webhooks[2]: notify.webhooks[2] answered HTTP 500',
    ]);
    expect((await cli(['status', 'example-app', env])).stdout).toContain('  notification failed: succeeded → notify.webhooks[2]: notify.webhooks[2] answered HTTP 500');
  });

  it('tells a failed deploy with its cause and the compensation report', async () => {
    const run = await cli(deployArgs(world, { procedure: 'partial', env, version: '2.0.0', spec: spec([MIGRATION_FAILS]) }));
    expect(run.code).toBe(1);
    const { runId } = JSON.parse(run.stdout);
    const { status } = await statusOf();
    expect(status.compensation.length).toBeGreaterThan(0);
    const failed = received('failed', runId);
    expect(failed.json).toEqual([expect.objectContaining({ event: 'failed', procedure: 'partial', version: '2.0.0', error: status.error, compensation: status.compensation })]);
    expect(status.error).toContain('migration 42 failed');
    expect(failed.slack).toHaveLength(1);
    expect(failed.slack[0]).toBe(
      [
        `:x: *partial deploy of example-app 2.0.0 to ${env} failed*`,
        `error: ${status.error.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`,
        'undone:',
        ...status.compensation.map((step: string) => `• ${step}`),
        `<${UI}/namespaces/default/workflows/${encodeURIComponent(`deploy/example-app/${env}`)}/${runId}/history|deploy/example-app/${env}> run ${runId}`,
      ].join('\n'),
    );
    expect(await world.servedVersion(REGION)).toBe('1.0.0');
  });

  it('tells a mutable deploy that failed mid-rollout that it was rolled back', async () => {
    const run = await cli(deployArgs(world, { procedure: 'mutable', env, version: '3.0.0', spec: spec([MIGRATION_FAILS]), extra: ['--batch-size', '1', '--min-healthy', '1'] }));
    expect(run.code).toBe(1);
    const { runId } = JSON.parse(run.stdout);
    const { status } = await statusOf();
    const rolledBack = received('rolled-back', runId);
    // The region's rolling sync rolled its first batch back itself, before failing: the report says so.
    expect(status.compensation).toEqual([]);
    expect(rolledBack.json).toEqual([expect.objectContaining({ event: 'rolled-back', procedure: 'mutable', error: status.error, compensation: [`ok: roll back batch 1/2 in ${REGION}`] })]);
    expect(rolledBack.slack).toHaveLength(1);
    expect(rolledBack.slack[0]).toMatch(new RegExp(`^:leftwards_arrow_with_hook: \\*mutable deploy of example-app 3\\.0\\.0 to ${env} failed and was rolled back\\*\\nerror: [^]*migration 42 failed[^]*\\nundone:\\n• ok: roll back batch 1/2 in ${REGION}\\n<`));
    expect(receiver.to(jsonPath).filter((r) => r.body.runId === runId).map((r) => r.body.event).sort()).toEqual(['rolled-back', 'started']);
    expect(await world.servedVersion(REGION)).toBe('1.0.0');
  });

  it("tells the nightly bake's result, baked or failed, and nothing else about a bake", async () => {
    const { url, sha256 } = world.artifact('1.0.0');
    // Forced: the deploy above baked this version already, and a bake would reuse its image.
    const bake = () => cli(['bake', '--spec', spec(), '--env', env, '--version', '1.0.0', '--artifact', url, '--sha256', sha256, '--force-bake', '--wait', '--json', '--task-queue', world.taskQueue]);
    const ok = await bake();
    expect({ code: ok.code, err: ok.code ? ok.stdout + ok.stderr : '' }).toEqual({ code: 0, err: '' });
    const bakedRun = JSON.parse(ok.stdout).runId;
    const baked = received('baked', bakedRun);
    expect(baked.json).toEqual([expect.objectContaining({ event: 'baked', procedure: 'bake', workflowId: `bake/example-app/${env}`, result: [{ region: REGION, imageId: expect.stringMatching(/^ami-/), instanceIds: [] }] })]);
    expect(baked.slack).toEqual([expect.stringMatching(new RegExp(`^:bread: \\*bake of example-app 1\\.0\\.0 for ${env} succeeded\\* in [\\d.]+s\\n${REGION}: image ami-\\S+; no instances\\n`))]);

    await world.sandbox.control.failNextImage({ message: 'Client.InternalError: disk full' });
    const bad = await bake();
    expect(bad.code).toBe(1);
    const failedRun = JSON.parse(bad.stdout).runId;
    const { status } = (await statusOf()).bake;
    const failed = received('bake-failed', failedRun);
    expect(failed.json).toEqual([expect.objectContaining({ event: 'bake-failed', procedure: 'bake', error: status.error, compensation: status.compensation })]);
    expect(status.error).toContain('disk full');
    expect(failed.slack).toEqual([expect.stringMatching(new RegExp(`^:x: \\*bake of example-app 1\\.0\\.0 for ${env} failed\\*\\nerror: .*disk full`))]);
    // A bake tells its result only: no `started`.
    const bakeEvents = receiver.to(jsonPath).filter((r) => r.body.procedure === 'bake').map((r) => r.body.event).sort();
    expect(bakeEvents).toEqual(['bake-failed', 'baked']);
  });

  it('keeps the webhook URLs secret: not in CLI output, history without the key, or the worker log', async () => {
    expect(receiver.received.length).toBeGreaterThan(0);
    expect(cliRuns.filter((r) => `${r.stdout}${r.stderr}`.includes(TOKEN))).toEqual([]);
    const plain = new Client({ connection: world.client.connection, namespace: 'default' });
    const histories = [];
    for await (const execution of plain.workflow.list({ query: `DeployEnv = '${env}'` })) histories.push(await plain.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory());
    const text = histories.map(historyText).join('\n');
    expect(text.includes(TOKEN)).toBe(false);
    // Three deploys and two bakes, plus a mutable deploy's rolling-sync child.
    expect(histories.length).toBeGreaterThanOrEqual(5);
    // The notify activities are there, readable but for the URL: the story stays in clear.
    expect(text).toContain('notify.webhooks[1]');
    expect(text).toContain('"hybrid-deploy:sealed"');
    // With the key, the same history holds the URL (so the scan above could have found it).
    const decoded = await world.client.workflow.getHandle(`deploy/example-app/${env}`).fetchHistory();
    const started = decoded.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const input = await codecOf(world.codecKeys).codec.decode(started.map((p) => ({ metadata: p.metadata ?? {}, data: p.data ?? undefined })));
    expect(historyText(input).includes(TOKEN)).toBe(true);

    await worker.stop();
    const log = readFileSync(workerLog, 'utf8');
    expect(log).toContain('notify');
    expect(log.includes(TOKEN)).toBe(false);
  });
});
