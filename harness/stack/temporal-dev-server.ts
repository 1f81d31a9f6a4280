import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { DEPLOY_SEARCH_ATTRIBUTES } from '../../src/contracts';
import { freePort } from './free-port';
import { findTemporalCli } from './temporal-cli';

/** How to start a Temporal dev server. */
export interface TemporalDevServerOptions {
  /** SQLite file for a persistent store; omitted → in memory (lost when the server stops). */
  dbFile?: string;
  /** Serve the Web UI (on `uiPort`, or a free port). */
  ui?: boolean;
  /** gRPC frontend port; a free port when omitted. */
  port?: number;
  uiPort?: number;
  /** A codec endpoint the Web UI decodes payloads with (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  /** Where the server's own output goes (it is noisy); defaults to ignoring it. */
  logFile?: string;
  /** Dynamic config values (`--dynamic-config-value KEY=JSON`), e.g. `{ 'matching.wv.VersionDrainageStatusRefreshInterval': '1s' }`. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** How long to wait for the frontend and the search attributes. */
  startupTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** A running dev server started by this process; whoever started it stops it. */
export interface TemporalDevServer {
  /** `127.0.0.1:PORT`, for `TEMPORAL_ADDRESS`. */
  address: string;
  namespace: string;
  /** Web UI base URL, when the UI is on. */
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` on free ports with hybrid-deploy's search attributes
 * registered, and resolves once the frontend answers and lists them.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions = {}): Promise<TemporalDevServer> {
  const cli = findTemporalCli(options.env);
  const port = options.port ?? (await freePort());
  const uiPort = options.ui ? (options.uiPort ?? (await freePort())) : undefined;
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--http-port', String(await freePort()),
    '--metrics-port', String(await freePort()),
    '--log-level', 'warn',
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...(uiPort && options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...DEPLOY_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
  ];
  if (options.dbFile) mkdirSync(dirname(options.dbFile), { recursive: true });
  let logFd: number | undefined;
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    logFd = openSync(options.logFile, 'a');
  }
  const child = spawn(cli, args, { stdio: ['ignore', logFd ?? 'ignore', logFd ?? 'ignore'], env: options.env ?? process.env });
  if (logFd !== undefined) closeSync(logFd);
  const address = `127.0.0.1:${port}`;
  const server: TemporalDevServer = {
    address,
    namespace: 'default',
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    pid: child.pid ?? -1,
    stop: () => stopChild(child),
  };
  try {
    await waitUntilReady(child, address, options.startupTimeoutMs ?? 60_000, options.logFile);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

async function waitUntilReady(child: ChildProcess, address: string, timeoutMs: number, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        const { customAttributes: keys } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
        const missing = DEPLOY_SEARCH_ATTRIBUTES.map((key) => key.name).filter((name) => !keys?.[name]);
        if (missing.length === 0) return;
        lastError = new Error(`search attributes not registered yet: ${missing.join(', ')}`);
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const log = logFile ? `\n--- ${logFile} (tail) ---\n${tail(logFile)}` : '';
  throw new Error(`Temporal dev server at ${address} did not become ready (${exited ?? `timeout after ${timeoutMs} ms`}): ${String(lastError)}${log}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
