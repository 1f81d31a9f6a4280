import { execFile } from 'node:child_process';
import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { stringify as toYaml } from 'yaml';
import { startProcess, type StackProcess } from '../stack/child';
import { TOOLS_DIR } from '../stack/temporal-cli';
import type { Postgres } from './postgres';
import { renderServerConfig, type ServerConfigInput } from './server-config';

const run = promisify(execFile);

/** The server release docker-compose.temporal.yml runs (`temporalio/server:1.29.1`); scripts/install-temporal-server.sh builds the same. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';

/** The two binaries `go install` builds from go.temporal.io/server: the server and its SQL schema tool. */
export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
}

/** Raised when the server binaries are missing; the message says how to build them. */
export class TemporalServerNotFoundError extends Error {
  constructor(detail: string) {
    super(
      `No Temporal server ${TEMPORAL_SERVER_VERSION} found: ${detail}\n` +
        'The cluster suite runs the real Temporal server (not the dev server). Get it one of these ways:\n' +
        '  1. bash scripts/install-temporal-server.sh   (needs Go; builds go.temporal.io/server/cmd/server and cmd/tools/sql ' +
        `@v${TEMPORAL_SERVER_VERSION} into .tools/temporal-server-${TEMPORAL_SERVER_VERSION}/; several minutes the first time)\n` +
        '  2. set TEMPORAL_SERVER_DIR to a folder holding temporal-server and temporal-sql-tool of that version',
    );
    this.name = 'TemporalServerNotFoundError';
  }
}

/** The server binaries: in `TEMPORAL_SERVER_DIR` when set, else in `.tools/temporal-server-<version>/`. Never builds anything. */
export function findTemporalServer(env: NodeJS.ProcessEnv = process.env, toolsDir = TOOLS_DIR): TemporalServerBinaries {
  const dir = env.TEMPORAL_SERVER_DIR || join(toolsDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const binaries = { server: join(dir, 'temporal-server'), sqlTool: join(dir, 'temporal-sql-tool') };
  for (const path of Object.values(binaries)) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      throw new TemporalServerNotFoundError(`${path} is missing or not executable.`);
    }
  }
  return binaries;
}

/**
 * The compose file's `temporal-schema-setup` service, step for step: for `temporal` and
 * `temporal_visibility`, create the database if `pg_database` lacks it, `setup-schema -v 0.0`,
 * then `update-schema` to the versioned schema of this release (the tool's embedded copy of the
 * files the admin-tools image ships). Safe to run again: it only applies what is new.
 */
export async function setupSchema(binaries: TemporalServerBinaries, postgres: Postgres, log: (line: string) => void = () => undefined): Promise<void> {
  const env = {
    ...process.env,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: postgres.host,
    SQL_PORT: String(postgres.port),
    SQL_USER: postgres.user,
    SQL_PASSWORD: postgres.password,
    PGPASSWORD: postgres.password,
  };
  const tool = async (args: string[]) => {
    try {
      await run(binaries.sqlTool, args, { env });
    } catch (error) {
      throw new Error(`temporal-sql-tool ${args.join(' ')} failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
    }
  };
  for (const [db, schema] of [['temporal', 'postgresql/v12/temporal'], ['temporal_visibility', 'postgresql/v12/visibility']] as const) {
    const { stdout } = await run(
      join(postgres.binDir, 'psql'),
      ['-h', postgres.host, '-p', String(postgres.port), '-U', postgres.user, '-d', 'postgres', '-tAc', `SELECT 1 FROM pg_database WHERE datname = '${db}'`],
      { env },
    );
    if (stdout.trim() === '1') log(`database ${db} exists`);
    else await tool(['--db', db, 'create']);
    await tool(['--db', db, 'setup-schema', '-v', '0.0']);
    await tool(['--db', db, 'update-schema', '--schema-name', schema]);
  }
  log('schema setup complete');
}

/** A Temporal server process, stoppable and restartable with the same config, ports and database. */
export interface TemporalServer {
  /** `127.0.0.1:PORT` of the frontend, for TEMPORAL_ADDRESS. */
  address: string;
  pid(): number | undefined;
  /** Starts it again after {@link stop}; resolves once the frontend reports itself serving. */
  start(): Promise<void>;
  /** SIGTERM (graceful) or SIGKILL (a crash). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export interface TemporalServerOptions extends ServerConfigInput {
  binaries: TemporalServerBinaries;
  /** Where the rendered config and the server's log go. */
  dir: string;
  startupTimeoutMs?: number;
}

/**
 * Writes the server config ({@link renderServerConfig}) to `<dir>/config/development.yaml` and
 * starts `temporal-server --root <dir> --config config --env development start` (all services in
 * one process, as the image does); resolves once the frontend's gRPC health check says SERVING
 * (the compose file's health check, `temporal operator cluster health`, asks the same).
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  mkdirSync(join(options.dir, 'config'), { recursive: true });
  writeFileSync(join(options.dir, 'config', 'development.yaml'), toYaml(renderServerConfig(options)));
  const logFile = join(options.dir, 'temporal-server.log');
  const address = `127.0.0.1:${options.ports.frontendGrpc}`;
  let serverProcess: StackProcess | undefined;
  const start = async () => {
    const fd = openSync(logFile, 'a');
    serverProcess = startProcess(
      'temporal-server',
      options.binaries.server,
      ['--root', options.dir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
      { stdio: ['ignore', fd, fd] },
      30_000,
    );
    closeSync(fd);
    await waitUntilServing(address, serverProcess, options.startupTimeoutMs ?? 90_000, logFile);
  };
  await start();
  return {
    address,
    pid: () => (serverProcess?.alive() ? serverProcess.child.pid : undefined),
    start,
    stop: async (signal = 'SIGTERM') => {
      await serverProcess?.stop(signal);
    },
  };
}

async function waitUntilServing(address: string, server: StackProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline && server.alive()) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        const { status } = await connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' });
        if (status === 1) return; // SERVING
        lastError = new Error(`health status ${status}`);
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const why = server.alive() ? `not serving after ${timeoutMs / 1000}s: ${String(lastError)}` : `exited (${JSON.stringify(await server.exited)})`;
  await server.stop();
  throw new Error(`Temporal server at ${address} ${why}\n--- ${logFile} (tail) ---\n${tail(logFile)}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}
