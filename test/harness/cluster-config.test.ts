import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { findPostgresBin, PostgresNotFoundError } from '../../harness/cluster/postgres';
import { composeDynamicConfigFile, renderServerConfig, SERVER_PORT_NAMES, type ServerPorts } from '../../harness/cluster/server-config';
import { findTemporalServer, TEMPORAL_SERVER_VERSION, TemporalServerNotFoundError } from '../../harness/cluster/temporal-server';
import { freePortBelow } from '../../harness/stack/free-port';
import { packageRoot } from '../../src/package-root';

/**
 * The cluster suite's launcher (harness/cluster/) against docker-compose.temporal.yml, without
 * starting anything: same release, same databases and credentials, same dynamic config; and its
 * errors say how to get what is missing. The cluster itself runs in `npm run test:cluster`.
 */
describe('the Temporal cluster launcher matches the compose file', () => {
  const root = packageRoot();
  const compose = parse(readFileSync(join(root, 'docker-compose.temporal.yml'), 'utf8')) as {
    services: Record<string, { image: string; environment?: Record<string, string>; volumes?: string[] }>;
  };
  const temporal = compose.services.temporal;

  it('builds and runs the release the compose file runs', () => {
    expect(temporal.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    expect(compose.services['temporal-schema-setup'].image).toMatch(new RegExp(`^temporalio/admin-tools:${TEMPORAL_SERVER_VERSION.replace(/\./g, '\\.')}-`));
    expect(readFileSync(join(root, 'scripts', 'install-temporal-server.sh'), 'utf8')).toContain(`VERSION=${TEMPORAL_SERVER_VERSION}\n`);
  });

  it("renders the compose environment's databases, credentials and dynamic config into the server config", () => {
    const ports = Object.fromEntries(SERVER_PORT_NAMES.map((name, i) => [name, 20_000 + i])) as unknown as ServerPorts;
    const config = renderServerConfig({ ports, postgres: { host: '127.0.0.1', port: 15_432, user: 'temporal', password: 'temporal' } }) as any;
    const env = temporal.environment!;
    const store = (name: string) => config.persistence.datastores[config.persistence[name]].sql;
    expect([store('defaultStore'), store('visibilityStore')].map((s) => [s.pluginName, s.databaseName, s.user, s.password])).toEqual([
      [env.DB, env.DBNAME, env.POSTGRES_USER, env.POSTGRES_PWD],
      [env.DB, env.VISIBILITY_DBNAME, env.POSTGRES_USER, env.POSTGRES_PWD],
    ]);
    // The compose file mounts deploy/temporal/dynamicconfig and points DYNAMIC_CONFIG_FILE_PATH at a file in it.
    const mounted = temporal.volumes!.find((v) => v.includes('dynamicconfig'))!.split(':')[0];
    expect(config.dynamicConfigClient.filepath).toBe(join(root, mounted, basename(env.DYNAMIC_CONFIG_FILE_PATH)));
    expect(config.dynamicConfigClient.filepath).toBe(composeDynamicConfigFile());
    expect(config.services.frontend.rpc).toEqual({ grpcPort: 20_000, membershipPort: 20_002, httpPort: 20_001, bindOnIP: '127.0.0.1' });
    expect(config.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:20000');
  });

  it('hands out ports below 32768 (membership ports are stored as smallint)', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePortBelow()));
    expect(ports.filter((p) => p >= 32_768 || p < 10_000)).toEqual([]);
  });

  it('says how to build the server and how to install PostgreSQL when they are missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'hd-empty-'));
    try {
      expect(() => findTemporalServer({ TEMPORAL_SERVER_DIR: empty })).toThrow(TemporalServerNotFoundError);
      expect(() => findTemporalServer({ TEMPORAL_SERVER_DIR: empty })).toThrow('bash scripts/install-temporal-server.sh');
      expect(() => findPostgresBin({ HYBRID_DEPLOY_POSTGRES_BIN: empty })).toThrow(PostgresNotFoundError);
      expect(() => findPostgresBin({}, empty)).toThrow('apt-get install postgresql');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
