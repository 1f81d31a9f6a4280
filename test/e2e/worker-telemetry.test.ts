import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnWorker, type WorkerProcess } from '../../harness/durability/worker-process';
import { freePort } from '../../harness/stack/free-port';
import { deployArgs, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';
import { until } from '../helpers/outcomes';
import { parsePrometheusText, samplesOf, total, type Sample } from '../helpers/prometheus';
import { testTemporalAddress } from '../helpers/temporal';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { dashboardQueries } from '../helpers/grafana-dashboard';
import { SDK_MAX_ATTEMPTS } from '../../src/contracts';

const REGION = 'us-east-1';

/** A production worker with its metrics and probes on free ports, its stdout (the JSON log) in a file of its own. */
interface ObservedWorker {
  process: WorkerProcess;
  metricsUrl: string;
  healthUrl: string;
  stdoutFile: string;
}

/** The JSON log lines of a worker's stdout, parsed (every line must be one JSON object). */
function logLines(file: string): Record<string, any>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, any>;
      } catch {
        throw new Error(`a worker log line is not JSON: ${line}`);
      }
    });
}

/**
 * How an operator sees the production worker (`node dist/src/worker.js`): Prometheus metrics of the
 * deploys it runs, of their steps and of its AWS calls beside the SDK's own; JSON log lines that
 * name the workflow, run, activity and region; workflow logs and metrics that a replay (a second
 * worker taking over a deploy) does not repeat; health probes.
 */
describe('the worker, as an operator sees it', () => {
  let world: DeployWorld;
  let receiver: WebhookReceiver;
  const workers: ObservedWorker[] = [];
  let env: string;
  let workflowId: string;
  const scrapes: Sample[][] = [];

  const startWorker = async (name: string): Promise<ObservedWorker> => {
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    const stdoutFile = join(world.sandbox.dataDir, '..', `${name}-stdout-${Date.now()}.log`);
    const process = spawnWorker({
      temporalAddress: testTemporalAddress(),
      awsEndpoint: world.sandbox.endpoint,
      taskQueue: world.taskQueue,
      logFile: join(world.sandbox.dataDir, '..', `${name}-${Date.now()}.log`),
      stdoutFile,
      env: { HYBRID_DEPLOY_CODEC_KEYS: world.codecKeys, HYBRID_DEPLOY_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`, HYBRID_DEPLOY_HEALTH_ADDRESS: `127.0.0.1:${healthPort}` },
    });
    const worker = { process, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, healthUrl: `http://127.0.0.1:${healthPort}`, stdoutFile };
    workers.push(worker);
    await process.ready;
    return worker;
  };
  const scrape = async (worker: ObservedWorker): Promise<Sample[]> => {
    const response = await fetch(worker.metricsUrl);
    expect(response.status).toBe(200);
    const samples = parsePrometheusText(await response.text());
    scrapes.push(samples);
    return samples;
  };
  const statusJson = async () => JSON.parse((await world.cli(['status', 'example-app', env, '--json'])).stdout);
  /** The deploy's own log lines in a worker's stdout. */
  const deployLines = (worker: ObservedWorker) => logLines(worker.stdoutFile).filter((l) => l.workflowId === workflowId);

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    world = await startDeployWorld({ profile: 'fast', worker: false });
    env = world.uniqueEnv('ops');
    workflowId = `deploy/example-app/${env}`;
  });
  afterAll(async () => {
    for (const worker of workers) await worker.process.stop();
    await world?.close();
    await receiver?.close();
  });

  it('answers its probes: alive, and ready once it polls Temporal', async () => {
    const worker = await startWorker('probed');
    const live = await fetch(`${worker.healthUrl}/livez`);
    expect({ status: live.status, body: await live.json() }).toEqual({ status: 200, body: { status: 'alive' } });
    const ready = await fetch(`${worker.healthUrl}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { status: 'ready', state: 'RUNNING' } });
    expect((await fetch(`${worker.healthUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${worker.healthUrl}/readyz`, { method: 'POST' })).status).toBe(405);
    await worker.process.stop();
    workers.pop();
  });

  it('counts the steps it ran and its AWS calls, throttles, retries and rate-limiter waits; logs JSON naming workflow, run, activity and region', async () => {
    const first = await startWorker('first');
    // AWS throttles every SDK attempt of the first launch: the SDK gives up, the activity retries.
    await world.sandbox.control.resetCalls();
    await world.sandbox.control.throttle({ action: 'ec2:RunInstances', next: SDK_MAX_ATTEMPTS });
    const spec = world.spec((s) => {
      s.regions = [REGION];
      delete s.regionSettings['us-west-2'];
      s.notify = { webhooks: [{ url: `${receiver.base}/hooks/deploys`, format: 'json' }] };
    });
    const deploying = world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec, extra: ['--require-approval'] }));
    await until('the deploy to wait for approval', async () => ((await statusJson()).status?.approval?.state === 'waiting' ? true : undefined));
    const samples = await scrape(first);

    // Steps, by activity and region, with the procedure and result; the SDK adds where they ran.
    const step = { procedure: 'immutable', region: REGION, result: 'ok', namespace: 'default', taskQueue: world.taskQueue, workflowType: 'fullyImmutableDeploy' };
    for (const activity of ['resolveBaseImage', 'launchInstances', 'syncCode', 'bakeAmi', 'runOnInstances', 'smokeTest']) {
      expect({ activity, counted: total(samples, 'hybrid_deploy_step_duration_seconds_count', { ...step, activity }) > 0 }).toEqual({ activity, counted: true });
    }
    // Launches: the builder, then the fleet. Nothing went live yet (the gate holds traffic).
    expect(total(samples, 'hybrid_deploy_step_duration_seconds_count', { ...step, activity: 'launchInstances' })).toBe(2);
    expect(samplesOf(samples, 'hybrid_deploy_step_duration_seconds_count', { activity: 'shiftTraffic' })).toEqual([]);
    const launchBuckets = samplesOf(samples, 'hybrid_deploy_step_duration_seconds_bucket', { ...step, activity: 'launchInstances' });
    expect(launchBuckets.find((b) => b.labels.le === '+Inf')?.value).toBe(2);

    // AWS: every call counted once, its attempts apart. The SDK makes SDK_MAX_ATTEMPTS attempts a
    // call (see contracts/retry-policy.ts): the first launch was throttled on each, so that call
    // failed `throttled` after its retries, and the activity's next attempt launched.
    const launches = { service: 'ec2', operation: 'RunInstances', region: REGION };
    expect(total(samples, 'hybrid_deploy_aws_throttles_total', launches)).toBe(SDK_MAX_ATTEMPTS);
    expect(total(samples, 'hybrid_deploy_aws_retries_total', launches)).toBe(SDK_MAX_ATTEMPTS - 1);
    expect(total(samples, 'hybrid_deploy_aws_calls_total', { ...launches, outcome: 'throttled' })).toBe(1);
    const launchCalls = total(samples, 'hybrid_deploy_aws_calls_total', launches);
    expect(total(samples, 'hybrid_deploy_aws_calls_total', { ...launches, outcome: 'ok' })).toBe(launchCalls - 1);
    // The sandbox saw every attempt: the calls plus the retries.
    const attempts = (await world.sandbox.control.calls())['ec2:RunInstances'];
    expect(attempts).toBe(launchCalls + SDK_MAX_ATTEMPTS - 1);
    expect(total(samples, 'hybrid_deploy_aws_calls_total', { service: 'ssm', operation: 'SendCommand', region: REGION, outcome: 'ok' })).toBeGreaterThan(0);
    expect(total(samples, 'hybrid_deploy_aws_call_duration_seconds_count', { service: 'ec2', operation: 'RunInstances' })).toBe(launchCalls);
    // The worker's own rate limiter: every attempt takes a token, and every token taken is a wait recorded (most of zero seconds).
    expect(total(samples, 'hybrid_deploy_rate_limiter_wait_seconds_count', { service: 'ec2', bucket: 'RunInstances', region: REGION })).toBe(attempts);
    // The SDK's own metrics are there too.
    expect(total(samples, 'temporal_activity_execution_latency_count', { activity_type: 'bakeAmi', task_queue: world.taskQueue })).toBe(1);
    expect(samplesOf(samples, 'temporal_worker_task_slots_available', { task_queue: world.taskQueue }).length).toBeGreaterThan(0);

    // Logs: one JSON object a line; an activity's lines name its workflow, run, activity and region; a workflow's its workflow and run.
    const lines = await until('the first worker to log the wait', async () => (deployLines(first).some((l) => l.phase === 'waiting-for-approval') ? deployLines(first) : undefined));
    const runId = (await statusJson()).runId;
    const activityLines = lines.filter((l) => l.sdkComponent === 'activity');
    expect(activityLines.length).toBeGreaterThan(6);
    // `notify` is the one activity that acts in no region (it posts to a webhook).
    for (const line of activityLines) {
      expect({ msg: line.msg, workflowId: line.workflowId, runId: line.runId, activity: typeof line.activity, region: line.activity === 'notify' ? REGION : line.region }).toEqual({
        msg: line.msg, workflowId, runId, activity: 'string', region: REGION,
      });
    }
    expect([...new Set(activityLines.map((l) => l.activity))]).toEqual(
      expect.arrayContaining(['preflight', 'resolveBaseImage', 'launchInstances', 'syncCode', 'bakeAmi', 'terminateInstances', 'findFleet', 'runOnInstances', 'smokeTest', 'notify']),
    );
    const workflowLines = lines.filter((l) => l.sdkComponent === 'workflow');
    expect(workflowLines.every((l) => l.runId === runId && typeof l.level === 'string' && typeof l.time === 'number')).toBe(true);
    expect(workflowLines.map((l) => l.msg)).toContain('run started');

    // A second worker takes the deploy over (the first dies at the gate): it replays the history,
    // which logs nothing again and counts nothing again; then it approves, and finishes.
    await first.process.kill9();
    const second = await startWorker('second');
    const approved = await world.cli(['approve', 'example-app', env, '--by', 'ops-oncall']);
    expect({ code: approved.code, err: approved.stderr }).toEqual({ code: 0, err: '' });
    const run = await deploying;
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });

    const after = await scrape(second);
    const deploy = { procedure: 'immutable', result: 'succeeded', workflowType: 'fullyImmutableDeploy', taskQueue: world.taskQueue };
    expect(total(after, 'hybrid_deploy_deploys_total', deploy)).toBe(1);
    expect(total(after, 'hybrid_deploy_deploy_duration_seconds_count', deploy)).toBe(1);
    expect(total(after, 'hybrid_deploy_approval_wait_seconds_count', { procedure: 'immutable', decision: 'approved' })).toBe(1);
    expect(total(after, 'hybrid_deploy_step_duration_seconds_count', { ...step, activity: 'shiftTraffic' })).toBe(1);
    // Replayed steps were not counted again: the launches stayed with the first worker.
    expect(samplesOf(after, 'hybrid_deploy_step_duration_seconds_count', { activity: 'launchInstances' })).toEqual([]);
    expect(total(samples, 'hybrid_deploy_notifications_total', { event: 'started', format: 'json', result: 'delivered' })).toBe(1);
    expect(total(after, 'hybrid_deploy_notifications_total', { event: 'succeeded', format: 'json', result: 'delivered' })).toBe(1);
    expect(samplesOf(after, 'hybrid_deploy_notifications_total', { event: 'started' })).toEqual([]);

    const secondLines = await until('the second worker to log the end', async () => (deployLines(second).some((l) => l.msg === 'run ended') ? deployLines(second) : undefined));
    const firstPhases = lines.filter((l) => l.msg === 'phase').map((l) => l.phase);
    const secondPhases = secondLines.filter((l) => l.msg === 'phase').map((l) => l.phase);
    expect(firstPhases).toEqual(expect.arrayContaining(['baking', 'launching', 'waiting-for-approval']));
    expect(secondPhases).toEqual(expect.arrayContaining(['promoting', 'done']));
    // Each phase logged once, by whichever worker ran it: the replay logged none of the first worker's again.
    expect(secondPhases.filter((phase) => firstPhases.includes(phase))).toEqual([]);
    expect(secondLines.filter((l) => l.msg === 'run started')).toEqual([]);
    expect(secondLines.filter((l) => l.msg === 'approval gate closed')).toEqual([expect.objectContaining({ outcome: 'approved', by: 'ops-oncall', runId })]);
    expect(logLines(second.stdoutFile).every((l) => typeof l.msg === 'string' && typeof l.level === 'string')).toBe(true);
  });

  it("serves every metric the shipped Grafana dashboard queries, with the labels it groups and filters by", async () => {
    expect(scrapes.length).toBeGreaterThanOrEqual(2);
    const seen = scrapes.flat();
    const missing: string[] = [];
    for (const { panel, metrics, labels } of dashboardQueries()) {
      for (const metric of metrics) {
        const series = samplesOf(seen, metric);
        if (series.length === 0) {
          missing.push(`${panel}: ${metric}`);
          continue;
        }
        for (const label of labels) {
          if (label === 'le' && !metric.endsWith('_bucket')) continue;
          if (!series.some((s) => label in s.labels)) missing.push(`${panel}: ${metric} has no label ${label}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('refuses a bad metrics address at start, naming the variable', async () => {
    const log = join(world.sandbox.dataDir, '..', `bad-address-${Date.now()}.log`);
    const bad = spawnWorker({ temporalAddress: testTemporalAddress(), awsEndpoint: world.sandbox.endpoint, taskQueue: world.taskQueue, logFile: log, env: { HYBRID_DEPLOY_METRICS_ADDRESS: 'metrics-host' } });
    expect(await bad.exited).toEqual({ code: 1, signal: null });
    const said = 'HYBRID_DEPLOY_METRICS_ADDRESS: "metrics-host" is not host:port (e.g. 127.0.0.1:9464 or 0.0.0.0:8080), or off';
    // The log file is flushed after the exit: wait for its last words.
    await until('the worker to say why it stopped', async () => (existsSync(log) && readFileSync(log, 'utf8').includes('exited (1)') ? true : undefined));
    expect(readFileSync(log, 'utf8')).toContain(said);
  });
});
