import { Worker, type NativeConnection } from '@temporalio/worker';
import { countFleet, RateLimiter, shareBudgetWithFleet, TokenBucket } from '../../src/aws/rate-limit';
import { pinnedDeploymentOptions, type WorkerVersion } from '../../src/worker-versioning';
import { until } from '../helpers/outcomes';
import { connectTestClient, connectTestWorker, uniqueTaskQueue } from '../helpers/temporal';

describe("the fleet's AWS budget", () => {
  it('a share resizes every bucket: capacity and refill, made before or after', () => {
    const limiter = new RateLimiter({ utilization: 1 });
    const before = limiter.bucketFor('us-east-1', 'ec2', 'RunInstancesCommand')!;
    limiter.setShare(1 / 2);
    expect(before).toMatchObject({ capacity: 2, refillPerSecond: 1 });
    expect(limiter.bucketFor('us-east-1', 'ec2', 'CopyImageCommand')).toMatchObject({ capacity: 50, refillPerSecond: 0.5 });
    limiter.setShare(1);
    expect(before).toMatchObject({ capacity: 5, refillPerSecond: 2 });
    expect(() => limiter.setShare(0)).toThrow(/share/);
  });

  it('a resized bucket keeps its waiters and serves them at the new rate', async () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 0.01 }, () => now);
    await bucket.take();
    const waiting = bucket.take();
    expect(bucket.waiting).toBe(1);
    bucket.resize({ capacity: 1, refillPerSecond: 10 });
    now += 100; // 0.1 s: a token at the new rate, a thousandth of one at the old
    await waiting;
    expect(bucket.metrics).toMatchObject({ taken: 2, waited: 1 });
  });

  describe('against Temporal', () => {
    let connection: NativeConnection;
    beforeAll(async () => {
      connection = await connectTestWorker();
    });
    afterAll(async () => {
      await connection?.close();
    });

    /** Runs `body` while `count` workers (each with its own connection, as separate processes have) poll `taskQueue` for activities. */
    async function withWorkers<T>(taskQueue: string, count: number, body: () => Promise<T>, versions: (WorkerVersion | undefined)[] = []): Promise<T> {
      const connections = await Promise.all(Array.from({ length: count }, () => connectTestWorker()));
      const workers = await Promise.all(
        connections.map((c, i) =>
          Worker.create({
            connection: c,
            taskQueue,
            identity: `fleet-worker-${i}`,
            activities: { noop: async () => undefined },
            ...(versions[i] ? { workerDeploymentOptions: pinnedDeploymentOptions(versions[i]) } : {}),
          }),
        ),
      );
      const running = workers.map((w) => w.run());
      try {
        return await body();
      } finally {
        for (const w of workers) w.shutdown();
        await Promise.all(running);
        await Promise.all(connections.map((c) => c.close()));
      }
    }

    it('each of three workers polling the task queue takes a third of the budget', async () => {
      const taskQueue = uniqueTaskQueue('fleet');
      const limiter = new RateLimiter();
      const changes: number[] = [];
      await withWorkers(taskQueue, 3, async () => {
        expect(await until('three pollers listed', async () => ((await countFleet(connection, 'default', taskQueue)) === 3 ? true : undefined))).toBe(true);
        const stop = shareBudgetWithFleet({ connection, namespace: 'default', taskQueue, limiter, everyMs: 200, onChange: (n) => changes.push(n) });
        try {
          await until('the share to become a third', async () => (limiter.share === 1 / 3 ? true : undefined));
        } finally {
          stop();
        }
      });
      expect(changes).toEqual([3]);
      // RunInstances: AWS's 5 tokens and 2/s, at 90%, a third each.
      expect(limiter.bucketFor('us-east-1', 'ec2', 'RunInstancesCommand')).toMatchObject({ capacity: 1, refillPerSecond: (2 * 0.9) / 3 });
    });

    it('counts versioned workers of every build polling the task queue (deploys pinned to a draining build still spend the budget)', async () => {
      // Pinned deploys keep running on the build that started them while new ones run on the
      // current build: both builds' workers call AWS, so both must share one budget. Worker
      // Deployment versions poll their own physical queues; the count must still see them all.
      const taskQueue = uniqueTaskQueue('fleet-versions');
      const deploymentName = `fleet-${taskQueue.slice(-8)}`;
      const versions: (WorkerVersion | undefined)[] = [{ deploymentName, buildId: 'build-a' }, { deploymentName, buildId: 'build-b' }, undefined];
      await withWorkers(
        taskQueue,
        3,
        async () => {
          const counted = await until('three pollers of two builds and none listed', async () => ((await countFleet(connection, 'default', taskQueue)) === 3 ? 3 : undefined));
          expect(counted).toBe(3);
          // Make build B current (A drains): still three.
          const { client, connection: clientConnection } = await connectTestClient();
          try {
            await until('build B to become current', async () => {
              try {
                await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace: 'default', deploymentName, buildId: 'build-b', identity: 'fleet-test' });
                return true;
              } catch {
                return undefined; // the version is registered once its worker has polled
              }
            });
          } finally {
            await clientConnection.close();
          }
          expect(await countFleet(connection, 'default', taskQueue)).toBe(3);
        },
        versions,
      );
    });

    it('a worker alone keeps the whole budget, even before Temporal lists it', async () => {
      const taskQueue = uniqueTaskQueue('fleet-alone');
      expect(await countFleet(connection, 'default', taskQueue)).toBe(0);
      const limiter = new RateLimiter();
      const errors: unknown[] = [];
      const stop = shareBudgetWithFleet({ connection, namespace: 'default', taskQueue, limiter, everyMs: 100, onError: (e) => errors.push(e) });
      try {
        await withWorkers(taskQueue, 1, async () => {
          await until('one poller listed', async () => ((await countFleet(connection, 'default', taskQueue)) === 1 ? true : undefined));
        });
      } finally {
        stop();
      }
      expect(limiter.share).toBe(1);
      expect(errors).toEqual([]);
    });
  });
});
