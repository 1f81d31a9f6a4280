import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { type Client, type Connection, WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, CancelledFailure, TimeoutFailure } from '@temporalio/common';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { createAwsClients, type AwsClients } from '../../src/aws/clients';
import { heartbeat } from '../../src/aws/heartbeat';
import { RateLimiter } from '../../src/aws/rate-limit';
import { until } from '../helpers/outcomes';
import { connectTestClient, connectTestWorker, uniqueTaskQueue } from '../helpers/temporal';
import type { LimitedCallsInput } from './fixtures/limited-calls-workflow';

const REGION = 'us-east-1';

/**
 * An activity waiting for a rate-limit token, run by a real worker against the real Temporal
 * server and the sandbox: it heartbeats while queued (keeping its checkpoint), and a cancelled or
 * timed-out attempt leaves the queue without spending a token.
 */
describe('rate limits inside activities', () => {
  let client: Client;
  let connection: Connection;
  let workerConnection: NativeConnection;
  let workflowBundle: WorkflowBundleWithSourceMap;
  let sandbox: RunningSandbox;
  const clientSets: AwsClients[] = [];

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';
    ({ client, connection } = await connectTestClient());
    workerConnection = await connectTestWorker();
    workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/limited-calls-workflow'), logger: quietBundlerLogger() });
    sandbox = await startSandbox({ profile: 'instant' });
  });

  afterAll(async () => {
    for (const set of clientSets) set.destroy();
    await sandbox?.stop();
    await connection?.close();
    await workerConnection?.close();
  });

  /** A limiter whose EC2 describe bucket holds one token and refills one every `secondsPerToken`. */
  function slowDescribes(secondsPerToken: number): { limiter: RateLimiter; aws: AwsClients } {
    const limiter = new RateLimiter({ ec2: { describe: { capacity: 1, refillPerSecond: 1 / secondsPerToken } }, utilization: 1 });
    const aws = createAwsClients({ endpoint: sandbox.endpoint, maxAttempts: 1, rateLimits: limiter });
    clientSets.push(aws);
    return { limiter, aws };
  }

  /** Runs `body` with a worker whose activity makes its calls through `aws`, heartbeating `{ done }` before each. */
  async function withWorker<T>(aws: AwsClients, body: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueTaskQueue('limiter');
    const describeInstances = async (calls: number) => {
      for (let done = 0; done < calls; done++) {
        heartbeat({ done });
        await aws.ec2(REGION).send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:test', Values: ['rate-limit-activity'] }] }));
      }
      return calls;
    };
    const worker = await Worker.create({ connection: workerConnection, taskQueue, workflowBundle, activities: { describeInstances } });
    return worker.runUntil(body(taskQueue));
  }

  const start = (taskQueue: string, input: LimitedCallsInput) =>
    client.workflow.start('limitedCalls', { taskQueue, workflowId: `${taskQueue}-wf`, args: [input] });

  const describeBucket = (limiter: RateLimiter) => limiter.bucketFor(REGION, 'ec2', 'DescribeInstancesCommand', { Filters: [{}] })!;

  it('keeps heartbeating, with its last checkpoint, while queued for tokens, so its attempt is never timed out', async () => {
    const { limiter, aws } = slowDescribes(2);
    await withWorker(aws, async (taskQueue) => {
      // Three calls on one token every 2 s: about 4 s queued, four times the heartbeat timeout.
      const handle = await start(taskQueue, { calls: 3, heartbeatTimeoutMs: 1_000, startToCloseTimeoutMs: 60_000, maximumAttempts: 1 });
      // While queued for its second token, the server holds the checkpoint the activity sent
      // before that call, not the empty details a bare "still alive" heartbeat would leave.
      const details = await until('the activity queued for its second token, its checkpoint recorded', async () => {
        if (describeBucket(limiter).waiting !== 1) return undefined;
        const pending = (await handle.describe()).raw.pendingActivities?.[0];
        const decoded = await decodeArrayFromPayloads(client.options.loadedDataConverter, pending?.heartbeatDetails?.payloads);
        return (decoded[0] as { done?: number } | undefined)?.done === 1 ? decoded[0] : undefined;
      });
      expect(details).toEqual({ done: 1 });
      // One attempt (maximumAttempts 1): a heartbeat timeout would have failed the workflow.
      expect(await handle.result()).toBe(3);
      expect(describeBucket(limiter).metrics).toMatchObject({ taken: 3, waited: 2, aborted: 0 });
    });
  });

  it('a cancelled activity leaves the queue and spends no token', async () => {
    const { limiter, aws } = slowDescribes(10);
    await sandbox.control.resetCalls();
    await withWorker(aws, async (taskQueue) => {
      const handle = await start(taskQueue, { calls: 2, heartbeatTimeoutMs: 1_000, startToCloseTimeoutMs: 60_000, maximumAttempts: 1 });
      await until('the second call queued for a token', async () => (describeBucket(limiter).waiting === 1 ? true : undefined));
      await handle.cancel();
      const failure = await handle.result().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    });
    expect(describeBucket(limiter).waiting).toBe(0);
    expect(describeBucket(limiter).metrics).toMatchObject({ taken: 1, aborted: 1 });
    expect((await sandbox.control.calls())['ec2:DescribeInstances']).toBe(1);
  });

  it('an attempt that timed out leaves the queue and spends no token', async () => {
    const { limiter, aws } = slowDescribes(20);
    await withWorker(aws, async (taskQueue) => {
      // The second call waits 20 s for its token; the attempt's start-to-close bound is 2 s.
      const handle = await start(taskQueue, { calls: 2, heartbeatTimeoutMs: 1_000, startToCloseTimeoutMs: 2_000, maximumAttempts: 1 });
      const failure = await handle.result().catch((error: unknown) => error);
      expect((failure as WorkflowFailedError).cause).toBeInstanceOf(ActivityFailure);
      expect((failure as WorkflowFailedError).cause?.cause).toBeInstanceOf(TimeoutFailure);
      // The heartbeat that follows the timeout tells the worker the attempt is gone.
      await until('the timed-out call to leave the queue', async () => (describeBucket(limiter).metrics.aborted === 1 ? true : undefined), 15);
    });
    expect(describeBucket(limiter).waiting).toBe(0);
    expect(describeBucket(limiter).metrics.taken).toBe(1);
  });
});

function quietBundlerLogger() {
  const noop = () => undefined;
  return { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
}
