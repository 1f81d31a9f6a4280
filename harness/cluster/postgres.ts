import { execFile, execFileSync } from 'node:child_process';
import { accessSync, chownSync, closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startProcess, type StackProcess } from '../stack/child';
import { freePortBelow } from '../stack/free-port';

const run = promisify(execFile);

/** The database user and password the compose file gives PostgreSQL (POSTGRES_USER / POSTGRES_PASSWORD). */
export const POSTGRES_CREDENTIALS = { user: 'temporal', password: 'temporal' } as const;

/** Raised when PostgreSQL's server programs cannot be found or cannot run; the message says how to fix it. */
export class PostgresNotFoundError extends Error {
  constructor(detail: string) {
    super(
      `PostgreSQL is not available: ${detail}\n` +
        'The cluster suite runs the Temporal server on a real PostgreSQL. Get one of these ways:\n' +
        '  1. apt-get install postgresql          (Debian/Ubuntu; .ci/run does this when initdb is missing)\n' +
        '  2. set HYBRID_DEPLOY_POSTGRES_BIN to a folder holding initdb, postgres and pg_isready',
    );
    this.name = 'PostgresNotFoundError';
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const PROGRAMS = ['initdb', 'postgres', 'pg_isready', 'psql'];

/**
 * The folder holding PostgreSQL's server programs: `HYBRID_DEPLOY_POSTGRES_BIN` when set, else the
 * newest Debian install (`/usr/lib/postgresql/<major>/bin`; Debian keeps initdb off PATH).
 */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env, debianRoot = '/usr/lib/postgresql'): string {
  const complete = (dir: string) => PROGRAMS.every((p) => isExecutable(join(dir, p)));
  const explicit = env.HYBRID_DEPLOY_POSTGRES_BIN;
  if (explicit) {
    if (complete(explicit)) return explicit;
    throw new PostgresNotFoundError(`HYBRID_DEPLOY_POSTGRES_BIN=${explicit} lacks one of ${PROGRAMS.join(', ')}.`);
  }
  const majors = existsSync(debianRoot) ? readdirSync(debianRoot).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const major of majors) {
    const dir = join(debianRoot, major, 'bin');
    if (complete(dir)) return dir;
  }
  throw new PostgresNotFoundError(`no ${debianRoot}/<version>/bin with ${PROGRAMS.join(', ')}.`);
}

/** Who runs PostgreSQL: this process's user, or (as root, which PostgreSQL refuses) an unprivileged one. */
interface OsUser {
  uid?: number;
  gid?: number;
  name: string;
}

function postgresOsUser(env: NodeJS.ProcessEnv): OsUser {
  if (process.getuid?.() !== 0) return { name: 'the current user' };
  const name = env.HYBRID_DEPLOY_POSTGRES_OS_USER ?? 'postgres';
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { uid, gid, name };
  } catch {
    throw new PostgresNotFoundError(
      `running as root, and PostgreSQL refuses root; the OS user "${name}" to run it as does not exist ` +
        `(create it: useradd --system ${name}, or name another with HYBRID_DEPLOY_POSTGRES_OS_USER).`,
    );
  }
}

/** How to start PostgreSQL. */
export interface PostgresOptions {
  /** Where the cluster's data, socket and log live (created; handed to the OS user that runs PostgreSQL, so its parents must be searchable by that user). */
  dir: string;
  /** TCP port on 127.0.0.1; a free one below 32768 when omitted. */
  port?: number;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for `pg_isready`. */
  startupTimeoutMs?: number;
}

/** How to stop PostgreSQL: `fast` (SIGINT: roll back, checkpoint) or `immediate` (SIGQUIT: no checkpoint, WAL recovery on the next start, as after a crash). */
export type PostgresStopMode = 'fast' | 'immediate';

/** A PostgreSQL started here: a fresh cluster in `dir`, stoppable and restartable on the same port and data. */
export interface Postgres {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  binDir: string;
  /** The postmaster's pid while it runs. */
  pid(): number | undefined;
  /** Starts it again (after {@link stop}) on the same data and port; resolves once it accepts connections. */
  start(): Promise<void>;
  stop(mode?: PostgresStopMode): Promise<void>;
}

/**
 * Creates a PostgreSQL cluster in `options.dir` (initdb: superuser `temporal`, password
 * `temporal`, password authentication over TCP, as the compose file's `postgres` image does) and
 * starts it on 127.0.0.1. As root it runs as the `postgres` OS user (PostgreSQL refuses root).
 */
export async function startPostgres(options: PostgresOptions): Promise<Postgres> {
  const env = options.env ?? process.env;
  const binDir = findPostgresBin(env);
  const owner = postgresOsUser(env);
  const dataDir = join(options.dir, 'data');
  const socketDir = join(options.dir, 'socket');
  // The OS user must reach `dir`: its parents need search permission for others (cluster.ts makes its work dir 0711).
  mkdirSync(socketDir, { recursive: true });
  const passwordFile = join(options.dir, 'pwfile');
  writeFileSync(passwordFile, `${POSTGRES_CREDENTIALS.password}\n`, { mode: 0o600 });
  if (owner.uid !== undefined) for (const path of [options.dir, socketDir, passwordFile]) chownSync(path, owner.uid, owner.gid!);
  const asOwner = { uid: owner.uid, gid: owner.gid, env: { ...env, LC_ALL: 'C' } };

  try {
    await run(join(binDir, 'initdb'), [
      '-D', dataDir, '-U', POSTGRES_CREDENTIALS.user, `--pwfile=${passwordFile}`,
      '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-sync',
    ], asOwner);
  } catch (error) {
    throw new PostgresNotFoundError(`initdb as ${owner.name} failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
  }

  const port = options.port ?? (await freePortBelow());
  const logFile = join(options.dir, 'postgres.log');
  let processHandle: StackProcess | undefined;
  const start = async () => {
    const fd = openSync(logFile, 'a');
    if (owner.uid !== undefined) chownSync(logFile, owner.uid, owner.gid!);
    processHandle = startProcess(
      'postgres',
      join(binDir, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir}`],
      { ...asOwner, stdio: ['ignore', fd, fd] },
      30_000,
    );
    closeSync(fd);
    await waitUntilReady(binDir, port, processHandle, options.startupTimeoutMs ?? 30_000, logFile);
  };
  const signals: Record<PostgresStopMode, NodeJS.Signals> = { fast: 'SIGINT', immediate: 'SIGQUIT' };
  const postgres: Postgres = {
    host: '127.0.0.1',
    port,
    user: POSTGRES_CREDENTIALS.user,
    password: POSTGRES_CREDENTIALS.password,
    binDir,
    pid: () => (processHandle?.alive() ? processHandle.child.pid : undefined),
    start,
    stop: async (mode = 'fast') => {
      await processHandle?.stop(signals[mode]);
    },
  };
  await start();
  return postgres;
}

/** Polls `pg_isready` (the compose file's health check) until PostgreSQL accepts connections. */
async function waitUntilReady(binDir: string, port: number, postgres: StackProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && postgres.alive()) {
    try {
      await run(join(binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', POSTGRES_CREDENTIALS.user, '-d', 'postgres']);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await postgres.stop();
  throw new Error(`PostgreSQL on 127.0.0.1:${port} did not accept connections within ${timeoutMs / 1000}s; see ${logFile}`);
}
