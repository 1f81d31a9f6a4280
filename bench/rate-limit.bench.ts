/**
 * Client-side rate limits against EC2's throttling: N concurrent "deploy-like" call mixes, with
 * and without the worker's limiter, against a sandbox with EC2's token buckets on
 * (reference/facts.md). The clients are the production ones (`createAwsClients`) with the SDK's
 * default retries (standard mode, 3 attempts), as the worker runs them.
 *
 * One deploy, in one region: RunInstances (1 instance, a ClientToken) → POLLS DescribeInstances
 * by id, POLL_MS apart (the wait for `running`) → CreateTags → one unfiltered DescribeInstances
 * (a fleet listing) → TerminateInstances.
 *
 * Figures per run: calls the sandbox saw (every attempt, retries included), throttled attempts
 * (`RequestLimitExceeded`: sandbox calls minus successful commands, cross-checked with the SDK's
 * per-command attempt counts), deploys that failed (a command still throttled after its retries),
 * wall seconds, and the limiter's waits (how many calls waited, total and longest wait).
 */
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { BASE_IMAGE_IDS, startSandbox, type RunningSandbox } from '../sandbox';
import { createAwsClients } from '../src/aws/clients';
import { RateLimiter } from '../src/aws/rate-limit';

const REGION = 'us-east-1';
const POLLS = 8;
const POLL_MS = 100;
const DEPLOY_COUNTS = [8, 20];

interface Outcome {
  ok: boolean;
  attempts: number;
  error?: string;
}

interface RunFigures {
  mode: 'unlimited' | 'limited';
  deploys: number;
  calls: number;
  throttled: number;
  throttledBySdk: number;
  failedDeploys: number;
  wallSeconds: number;
  waitedCalls: number;
  waitMs: number;
  maxWaitMs: number;
  /** Buckets that made calls wait, e.g. `RunInstances: 16 waits, 75.6 s`. */
  waitingBuckets: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one SDK call and records how many attempts it took and how it ended. */
async function send<T extends { $metadata: { attempts?: number } }>(outcomes: Outcome[], call: () => Promise<T>): Promise<T> {
  try {
    const output = await call();
    outcomes.push({ ok: true, attempts: output.$metadata.attempts ?? 1 });
    return output;
  } catch (error) {
    const e = error as Error & { $metadata?: { attempts?: number } };
    outcomes.push({ ok: false, attempts: e.$metadata?.attempts ?? 1, error: e.name });
    throw error;
  }
}

/** One deploy's call mix; returns whether every step succeeded. Leaves no instance running if it can help it. */
async function deploy(ec2: EC2Client, index: number, tag: string, outcomes: Outcome[], launched: string[]): Promise<boolean> {
  let ids: string[] = [];
  try {
    const run = await send(outcomes, () =>
      ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS[REGION], InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, ClientToken: `${tag}-${index}` })),
    );
    ids = (run.Instances ?? []).map((i) => i.InstanceId as string);
    launched.push(...ids);
    for (let i = 0; i < POLLS; i++) {
      await send(outcomes, () => ec2.send(new DescribeInstancesCommand({ InstanceIds: ids })));
      await sleep(POLL_MS);
    }
    await send(outcomes, () => ec2.send(new CreateTagsCommand({ Resources: ids, Tags: [{ Key: 'bench', Value: tag }] })));
    await send(outcomes, () => ec2.send(new DescribeInstancesCommand({})));
    await send(outcomes, () => ec2.send(new TerminateInstancesCommand({ InstanceIds: ids })));
    return true;
  } catch {
    return false;
  }
}

async function runOnce(sandbox: RunningSandbox, mode: 'unlimited' | 'limited', deploys: number): Promise<RunFigures> {
  // Fresh, full buckets and zeroed counters: every run starts from the same account state.
  await sandbox.control.useEc2Buckets(true);
  await sandbox.control.resetCalls();
  const limiter = mode === 'limited' ? new RateLimiter() : undefined;
  const clients = createAwsClients({ endpoint: sandbox.endpoint, rateLimits: limiter ?? false });
  const outcomes: Outcome[] = [];
  const launched: string[] = [];
  const tag = `bench-${mode}-${deploys}`;
  const started = performance.now();
  try {
    const results = await Promise.all(Array.from({ length: deploys }, (_, i) => deploy(clients.ec2(REGION), i, tag, outcomes, launched)));
    const wallSeconds = (performance.now() - started) / 1000;
    const counts = await sandbox.control.calls();
    const calls = Object.entries(counts)
      .filter(([key]) => key.startsWith('ec2:'))
      .reduce((sum, [, n]) => sum + n, 0);
    const succeeded = outcomes.filter((o) => o.ok).length;
    const otherFailures = outcomes.filter((o) => !o.ok && o.error !== 'RequestLimitExceeded');
    if (otherFailures.length > 0) throw new Error(`Unexpected errors: ${[...new Set(otherFailures.map((o) => o.error))].join(', ')}`);
    // In the sandbox every failed attempt here is a throttle (nothing else is injected).
    const throttledBySdk = outcomes.reduce((sum, o) => sum + (o.ok ? o.attempts - 1 : o.attempts), 0);
    const totals = limiter?.totals();
    return {
      mode,
      deploys,
      calls,
      throttled: calls - succeeded,
      throttledBySdk,
      failedDeploys: results.filter((ok) => !ok).length,
      wallSeconds,
      waitedCalls: totals?.waited ?? 0,
      waitMs: totals?.waitMs ?? 0,
      maxWaitMs: totals?.maxWaitMs ?? 0,
      waitingBuckets: (limiter?.metrics() ?? [])
        .filter((m) => m.waited > 0)
        .map((m) => `${m.bucket}: ${m.waited}/${m.taken} calls waited, ${(m.waitMs / 1000).toFixed(2)} s in all`),
    };
  } finally {
    clients.destroy();
    await cleanUp(sandbox, launched);
  }
}

/** Terminates whatever a run left running (a deploy that failed mid-way), with buckets off. */
async function cleanUp(sandbox: RunningSandbox, launched: string[]): Promise<void> {
  await sandbox.control.useEc2Buckets(false);
  const left = (await sandbox.control.resources()).instances.filter((i) => launched.includes(i.id) && i.state !== 'terminated' && i.state !== 'shutting-down');
  if (left.length === 0) return;
  const cleanup = createAwsClients({ endpoint: sandbox.endpoint });
  try {
    await cleanup.ec2(REGION).send(new TerminateInstancesCommand({ InstanceIds: left.map((i) => i.id) }));
  } finally {
    cleanup.destroy();
  }
}

function table(rows: RunFigures[]): string {
  const header = ['mode', 'deploys', 'calls', 'throttled', 'failed deploys', 'wall s', 'limiter waits', 'wait total s', 'max wait s'];
  const body = rows.map((r) => [
    r.mode,
    String(r.deploys),
    String(r.calls),
    r.throttled === r.throttledBySdk ? String(r.throttled) : `${r.throttled} (SDK: ${r.throttledBySdk})`,
    String(r.failedDeploys),
    r.wallSeconds.toFixed(2),
    r.mode === 'limited' ? String(r.waitedCalls) : '-',
    r.mode === 'limited' ? (r.waitMs / 1000).toFixed(2) : '-',
    r.mode === 'limited' ? (r.maxWaitMs / 1000).toFixed(2) : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w, i) => (i === 0 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|', ...body.map(line)].join('\n');
}

/** Runs every (deploy count, mode) pair and prints the table. */
export async function run(): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';
  const sandbox = await startSandbox({ profile: 'instant' });
  const rows: RunFigures[] = [];
  try {
    for (const deploys of DEPLOY_COUNTS) {
      for (const mode of ['unlimited', 'limited'] as const) {
        const figures = await runOnce(sandbox, mode, deploys);
        rows.push(figures);
        console.log(`  ${mode} x${deploys}: ${figures.calls} calls, ${figures.throttled} throttled, ${figures.wallSeconds.toFixed(2)} s`);
      }
    }
  } finally {
    await sandbox.stop();
  }
  console.log(
    `\nEC2 buckets on (RunInstances 5/2 per s, Describe 100/20, unfiltered 50/10, CreateTags 100/10, Terminate 100/5); ` +
      `one region; per deploy: RunInstances, ${POLLS} DescribeInstances polls ${POLL_MS} ms apart, CreateTags, ` +
      `1 unfiltered DescribeInstances, TerminateInstances; SDK standard retries, 3 attempts.\n`,
  );
  console.log(table(rows));
  for (const r of rows.filter((row) => row.waitingBuckets.length > 0)) {
    console.log(`  limited x${r.deploys} waited in: ${r.waitingBuckets.join('; ')}`);
  }
}
