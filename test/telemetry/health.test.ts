import { connect, createServer, type Server, type Socket } from 'node:net';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startHealthServer, type HealthServer } from '../../src/telemetry';
import { until } from '../helpers/outcomes';
import { testTemporalAddress, uniqueTaskQueue } from '../helpers/temporal';

/** A TCP relay to the Temporal frontend that can be cut, as a network partition would. */
async function startRelay(): Promise<{ address: string; cut(): Promise<void> }> {
  const [host, port] = testTemporalAddress().split(':');
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: relayPort } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${relayPort}`,
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** What a probe answers: its HTTP status and JSON body. */
async function probe(server: HealthServer, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://${server.address}${path}`);
  return { status: response.status, body: await response.json() };
}

/**
 * The worker's probes against a real worker and its real connection to the dev server: ready only
 * while the worker polls and Temporal answers; alive whenever the process answers.
 */
describe('the health probes', () => {
  const servers: HealthServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('say not ready before the worker runs and after it stopped, ready while it polls; alive throughout', async () => {
    const connection = await NativeConnection.connect({ address: testTemporalAddress() });
    let worker: Worker | undefined;
    const server = await startHealthServer('127.0.0.1:0', { worker: () => worker, connection: () => connection });
    servers.push(server);
    expect(await probe(server, '/readyz')).toEqual({ status: 503, body: { status: 'not ready', reason: 'starting' } });
    expect(await probe(server, '/livez')).toEqual({ status: 200, body: { status: 'alive' } });

    worker = await Worker.create({ connection, taskQueue: uniqueTaskQueue('health'), activities: { noop: async () => undefined } });
    expect(await probe(server, '/readyz')).toEqual({ status: 503, body: { status: 'not ready', reason: 'worker is INITIALIZED' } });
    const running = worker.run();
    expect(await until('the worker to be ready', async () => ((await probe(server, '/readyz')).status === 200 ? probe(server, '/readyz') : undefined))).toEqual({
      status: 200,
      body: { status: 'ready', state: 'RUNNING' },
    });
    worker.shutdown();
    await running;
    expect(await probe(server, '/readyz')).toEqual({ status: 503, body: { status: 'not ready', reason: 'worker is STOPPED' } });
    expect(await probe(server, '/livez')).toEqual({ status: 200, body: { status: 'alive' } });
    expect(await probe(server, '/healthz')).toEqual({ status: 404, body: { error: 'not found: /livez or /readyz' } });
    await connection.close();
  });

  it('say not ready when Temporal stops answering the running worker', async () => {
    const relay = await startRelay();
    const connection = await NativeConnection.connect({ address: relay.address });
    const worker = await Worker.create({ connection, taskQueue: uniqueTaskQueue('health'), activities: { noop: async () => undefined } });
    const server = await startHealthServer('127.0.0.1:0', { worker: () => worker, connection: () => connection });
    servers.push(server);
    const running = worker.run();
    try {
      await until('the worker to be ready', async () => ((await probe(server, '/readyz')).status === 200 ? true : undefined));
      await relay.cut();
      const cutOff = await until(
        'the probe to notice',
        async () => {
          const answer = await probe(server, '/readyz');
          return answer.status === 503 ? answer : undefined;
        },
        20,
      );
      expect(cutOff.body).toEqual({ status: 'not ready', reason: expect.stringMatching(/^Temporal does not answer: /) });
      expect(await probe(server, '/livez')).toEqual({ status: 200, body: { status: 'alive' } });
    } finally {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close().catch(() => undefined);
    }
  });
});
