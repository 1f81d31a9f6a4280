import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTemporalDevServer, type TemporalDevServer } from '../../harness/stack/temporal-dev-server';

declare global {
  // `var`: only a var declaration adds a property to globalThis.
  var __TEMPORAL_DEV_SERVER__: TemporalDevServer | undefined;
}

/**
 * Starts one real Temporal dev server (free ports, in-memory store) for the whole jest run and
 * hands its address to the test files through the environment. No server → the run fails here,
 * with the message that says how to install the CLI.
 */
export default async function globalSetup(): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), 'hybrid-deploy-test-'));
  const server = await startTemporalDevServer({ logFile: join(logDir, 'temporal.log') });
  globalThis.__TEMPORAL_DEV_SERVER__ = server;
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
}
