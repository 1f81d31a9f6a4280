/**
 * docker-compose.temporal.yml: validated by docker-compose itself (no Docker engine needed), its
 * shape checked on the normalized `config` output, and its two inline setup scripts run for real
 * against stub `temporal`, `temporal-sql-tool` and `psql` commands, twice, to show they are
 * idempotent.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { DEPLOY_SEARCH_ATTRIBUTES } from '../../src/contracts';

const repoRoot = resolve(__dirname, '../..');
const composeFile = join(repoRoot, 'docker-compose.temporal.yml');

interface ComposeService {
  image?: string;
  entrypoint?: string[];
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  ports?: Array<{ published: number | string; target: number }>;
  volumes?: string[];
}
interface ComposeConfig {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** `docker-compose config`: validates the file and prints it normalized. Fails, never skips. */
function composeConfig(): ComposeConfig {
  const run = spawnSync('docker-compose', ['-f', composeFile, 'config'], { cwd: repoRoot, encoding: 'utf8' });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? 'docker-compose is not installed; install it: apt-get install -y docker-compose'
        : `docker-compose failed to start: ${run.error.message}`,
    );
  }
  if (run.status !== 0) throw new Error(`docker-compose config exited ${run.status}:\n${run.stderr}`);
  return parse(run.stdout) as ComposeConfig;
}

/** The inline script of a `sh -ec` one-shot service, with compose's `$$` escapes undone. */
function inlineScript(service: ComposeService): string {
  expect(service.entrypoint).toEqual(['/bin/sh', '-ec']);
  expect(service.command).toHaveLength(1);
  return service.command![0].replace(/\$\$/g, '$');
}

function writeStub(dir: string, name: string, body: string): void {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}

/** Runs a script with the stubs first on PATH; returns the calls the stubs logged. */
function runScript(script: string, stubDir: string, env: Record<string, string>): string[] {
  const run = spawnSync('sh', ['-ec', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env, PATH: `${stubDir}:${process.env.PATH}`, STUB_DIR: stubDir },
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`script exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  const log = join(stubDir, 'calls.log');
  const calls = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
  rmSync(log);
  return calls;
}

describe('docker-compose.temporal.yml', () => {
  let config: ComposeConfig;
  const tempDirs: string[] = [];

  beforeAll(() => {
    config = composeConfig();
  });
  afterAll(() => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  function stubDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'compose-stubs-'));
    tempDirs.push(dir);
    return dir;
  }

  it('has every service, with pinned images', () => {
    expect(Object.keys(config.services).sort()).toEqual([
      'postgresql',
      'temporal',
      'temporal-admin-tools',
      'temporal-register-search-attributes',
      'temporal-schema-setup',
      'temporal-ui',
    ]);
    const images = Object.values(config.services).map((service) => service.image ?? '');
    for (const image of images) expect(image).not.toMatch(/:latest$|^[^:]+$/);
    expect(config.services.postgresql.image).toBe('postgres:16');
    expect(config.services.temporal.image).toMatch(/^temporalio\/server:1\.29\.\d+$/);
    expect(config.services['temporal-ui'].image).toMatch(/^temporalio\/ui:2\.42\.\d+$/);
    // admin-tools from the same server release, so the schema it applies is the server's
    const serverVersion = config.services.temporal.image!.split(':')[1];
    for (const name of ['temporal-schema-setup', 'temporal-register-search-attributes', 'temporal-admin-tools']) {
      expect(config.services[name].image).toMatch(new RegExp(`^temporalio/admin-tools:${serverVersion.replace(/\./g, '\\.')}\\b`));
    }
  });

  it('keeps PostgreSQL data in a named volume', () => {
    expect(Object.keys(config.volumes ?? {})).toContain('temporal-postgresql-data');
    expect(config.services.postgresql.volumes).toContainEqual(
      expect.stringMatching(/^temporal-postgresql-data:\/var\/lib\/postgresql\/data/),
    );
  });

  it('health-checks PostgreSQL and Temporal, and starts each step only when the previous is done', () => {
    expect(config.services.postgresql.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(config.services.temporal.healthcheck?.test.join(' ')).toContain('operator cluster health');
    const dependsOn = (name: string) => config.services[name].depends_on;
    expect(dependsOn('temporal-schema-setup')).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(dependsOn('temporal')).toEqual({ 'temporal-schema-setup': { condition: 'service_completed_successfully' } });
    for (const name of ['temporal-ui', 'temporal-admin-tools', 'temporal-register-search-attributes']) {
      expect(dependsOn(name)).toEqual({ temporal: { condition: 'service_healthy' } });
    }
  });

  it('publishes the frontend on 7233 and the Web UI on 8080, and mounts the dynamic config', () => {
    expect(config.services.temporal.ports).toContainEqual({ published: 7233, target: 7233 });
    expect(config.services['temporal-ui'].ports).toContainEqual({ published: 8080, target: 8080 });
    expect(config.services['temporal-ui'].environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    const env = config.services.temporal.environment ?? {};
    expect(env.DB).toBe('postgres12');
    const dynamicConfig = join(repoRoot, 'deploy/temporal/dynamicconfig');
    expect(config.services.temporal.volumes).toContain(`${dynamicConfig}:/etc/temporal/config/dynamicconfig:ro`);
    const file = join(repoRoot, 'deploy/temporal', env.DYNAMIC_CONFIG_FILE_PATH.replace(/^config\//, ''));
    expect(parse(readFileSync(file, 'utf8'))).toHaveProperty(['limit.maxIDLength']);
  });

  it('registers every Deploy* search attribute as Keyword in the registration command', () => {
    const script = inlineScript(config.services['temporal-register-search-attributes']);
    for (const key of DEPLOY_SEARCH_ATTRIBUTES) {
      expect(key.type).toBe('KEYWORD');
      expect(script).toContain(key.name);
    }
    expect(script).toContain('--type Keyword');
  });

  it('registration creates the namespace and attributes once, then does nothing', () => {
    const script = inlineScript(config.services['temporal-register-search-attributes']);
    const dir = stubDir();
    // A fake `temporal` CLI keeping namespace and search attributes in files. The first `list`
    // after creating the namespace fails, as the real server does until its namespace cache
    // refreshes, so the script's retry is exercised too.
    writeStub(
      dir,
      'temporal',
      `echo "$*" >> "$STUB_DIR/calls.log"
case "$2 $3" in
  "cluster health") echo SERVING ;;
  "namespace describe") [ -f "$STUB_DIR/namespace" ] ;;
  "namespace create") touch "$STUB_DIR/namespace" "$STUB_DIR/cache-stale" ;;
  "search-attribute list")
    [ -f "$STUB_DIR/namespace" ] || exit 1
    if [ -f "$STUB_DIR/cache-stale" ]; then rm "$STUB_DIR/cache-stale"; echo "namespace not found" >&2; exit 1; fi
    echo "  Name  Type"; cat "$STUB_DIR/attributes" 2>/dev/null || true ;;
  "search-attribute create")
    while [ $# -gt 0 ]; do [ "$1" = --name ] && echo "  $2  Keyword" >> "$STUB_DIR/attributes"; shift; done ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac`,
    );
    const env = { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default' };

    const first = runScript(script, dir, env);
    expect(first).toContain('operator namespace create --namespace default --retention 720h');
    const creates = first.filter((call) => call.startsWith('operator search-attribute create'));
    expect(creates).toEqual(
      DEPLOY_SEARCH_ATTRIBUTES.map((key) => `operator search-attribute create --namespace default --name ${key.name} --type Keyword`),
    );

    const second = runScript(script, dir, env);
    expect(second.filter((call) => call.includes(' create'))).toEqual([]);
  });

  it('schema setup creates both databases once and always brings both schemas up to date', () => {
    const script = inlineScript(config.services['temporal-schema-setup']);
    const env = config.services['temporal-schema-setup'].environment ?? {};
    expect(env).toMatchObject({ SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgresql' });
    const dir = stubDir();
    writeStub(dir, 'psql', `for a; do last="$a"; done
db=$(echo "$last" | sed -n "s/.*datname = '\\([a-z_]*\\)'.*/\\1/p")
grep -qx "$db" "$STUB_DIR/databases" 2>/dev/null && echo 1 || true`);
    writeStub(dir, 'temporal-sql-tool', `echo "temporal-sql-tool $*" >> "$STUB_DIR/calls.log"
[ "$3" = create ] && echo "$2" >> "$STUB_DIR/databases"
true`);

    const expected = (create: boolean) =>
      ['temporal', 'temporal_visibility'].flatMap((db) => {
        const dirName = db === 'temporal' ? 'temporal' : 'visibility';
        return [
          ...(create ? [`temporal-sql-tool --db ${db} create`] : []),
          `temporal-sql-tool --db ${db} setup-schema -v 0.0`,
          `temporal-sql-tool --db ${db} update-schema -d /etc/temporal/schema/postgresql/v12/${dirName}/versioned`,
        ];
      });
    expect(runScript(script, dir, env)).toEqual(expected(true));
    expect(runScript(script, dir, env)).toEqual(expected(false));
  });
});
