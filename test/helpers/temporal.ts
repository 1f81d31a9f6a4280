import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

/** The dev server global setup started; failing loudly if a test file runs without it. */
export function testTemporalAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) throw new Error('TEMPORAL_TEST_ADDRESS is not set: run the tests with `npm test` (jest global setup starts the Temporal dev server).');
  return address;
}

/** A client connection to the test dev server; close it in afterAll. */
export async function connectTestClient(): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: testTemporalAddress() });
  return { client: new Client({ connection, namespace: 'default' }), connection };
}

/** A worker connection to the test dev server; close it in afterAll. */
export function connectTestWorker(): Promise<NativeConnection> {
  return NativeConnection.connect({ address: testTemporalAddress() });
}

/** A task queue no other test shares. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}
