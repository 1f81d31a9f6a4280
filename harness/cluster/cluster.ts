import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBelow } from '../stack/free-port';
import { registerNamespace } from './namespace';
import { findPostgresBin, startPostgres, type Postgres } from './postgres';
import { SERVER_PORT_NAMES, type ServerPorts } from './server-config';
import { findTemporalServer, setupSchema, startTemporalServer, type TemporalServer } from './temporal-server';

export interface TemporalClusterOptions {
  /** Progress lines (schema setup, registration). */
  log?: (line: string) => void;
  /** The server's log level (its log is `<dir>/server/temporal-server.log`). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  env?: NodeJS.ProcessEnv;
}

/**
 * A real Temporal cluster on this machine, set up as docker-compose.temporal.yml sets one up,
 * without Docker: PostgreSQL (Debian's, a fresh cluster in a temp dir), the schema tool's setup,
 * the Temporal server (built from the Go module proxy, same release as the compose file) with the
 * compose file's dynamic config, and namespace `default` with the deploy search attributes.
 */
export interface TemporalCluster {
  /** `127.0.0.1:PORT` of the frontend, for TEMPORAL_ADDRESS. */
  address: string;
  namespace: string;
  /** The temp dir holding PostgreSQL's data, the server's config and every log. */
  dir: string;
  postgres: Postgres;
  server: TemporalServer;
  /** Stops the server, then PostgreSQL; removes `dir` unless `keep`. */
  stop(keep?: boolean): Promise<void>;
}

/** Starts the cluster (about 10 to 20 s: initdb, schema, server start); stops what it started if a step fails. */
export async function startTemporalCluster(options: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  // Fail before creating anything when a part is missing: the errors say how to get it.
  const binaries = findTemporalServer(env);
  findPostgresBin(env);

  const dir = mkdtempSync(join(tmpdir(), 'hd-cluster-'));
  // PostgreSQL runs as an unprivileged user when we are root: it must reach its folder below this one.
  chmodSync(dir, 0o711);
  let postgres: Postgres | undefined;
  let server: TemporalServer | undefined;
  const stop = async (keep = false) => {
    await server?.stop();
    await postgres?.stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  try {
    postgres = await startPostgres({ dir: join(dir, 'postgres'), env });
    log(`postgresql on ${postgres.host}:${postgres.port} (pid ${postgres.pid()})`);
    await setupSchema(binaries, postgres, log);
    const taken = new Set([postgres.port]);
    const ports = {} as ServerPorts;
    for (const name of SERVER_PORT_NAMES) taken.add((ports[name] = await freePortBelow(32_768, '127.0.0.1', taken)));
    server = await startTemporalServer({ binaries, dir: join(dir, 'server'), ports, postgres, logLevel: options.logLevel });
    log(`temporal server on ${server.address} (pid ${server.pid()})`);
    await registerNamespace(server.address, 'default', 60_000, log);
    return { address: server.address, namespace: 'default', dir, postgres, server, stop };
  } catch (error) {
    await stop(true).catch(() => undefined);
    throw Object.assign(error as Error, { message: `${(error as Error).message}\n(cluster files kept in ${dir})` });
  }
}
