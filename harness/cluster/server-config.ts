import { join } from 'node:path';
import { packageRoot } from '../../src/package-root';

/** The ports one single-process Temporal server listens on: gRPC and membership per service, HTTP on the frontend. */
export interface ServerPorts {
  frontendGrpc: number;
  frontendHttp: number;
  frontendMembership: number;
  historyGrpc: number;
  historyMembership: number;
  matchingGrpc: number;
  matchingMembership: number;
  workerGrpc: number;
  workerMembership: number;
}

/** The service names of {@link ServerPorts}, in the order ports are handed out. */
export const SERVER_PORT_NAMES: (keyof ServerPorts)[] = [
  'frontendGrpc', 'frontendHttp', 'frontendMembership', 'historyGrpc', 'historyMembership',
  'matchingGrpc', 'matchingMembership', 'workerGrpc', 'workerMembership',
];

/** Where the server finds PostgreSQL and how it logs. */
export interface ServerConfigInput {
  ports: ServerPorts;
  postgres: { host: string; port: number; user: string; password: string };
  /** The compose file's dynamic config (`deploy/temporal/dynamicconfig/development-sql.yaml`) unless given. */
  dynamicConfigFile?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How often the server re-reads the dynamic config file (the image's template: 60s). */
  dynamicConfigPollInterval?: string;
}

/** The compose file's dynamic config, the one the `temporal` service mounts. */
export function composeDynamicConfigFile(): string {
  return join(packageRoot(), 'deploy', 'temporal', 'dynamicconfig', 'development-sql.yaml');
}

/**
 * The server's static config: what the `temporalio/server:1.29.1` image renders from its
 * `config_template.yaml` with the compose file's environment (DB=postgres12, DBNAME=temporal,
 * VISIBILITY_DBNAME=temporal_visibility, user and password `temporal`, the template's defaults
 * for shards, pool sizes, archival and cluster metadata, DYNAMIC_CONFIG_FILE_PATH = the compose
 * file's dynamic config). Three things differ, on purpose: it binds 127.0.0.1 instead of 0.0.0.0
 * (a test machine, not a container network), every port is given (free ports below 32768,
 * since membership ports are stored as smallint), and the dynamic config is the checkout's file.
 */
export function renderServerConfig(input: ServerConfigInput): Record<string, unknown> {
  const { ports, postgres } = input;
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
      tls: { enabled: false },
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: '127.0.0.1', ...(httpPort ? { httpPort } : {}) },
  });
  const archivalProvider = { filestore: { fileMode: '0666', dirMode: '0766' } };
  return {
    log: { stdout: true, level: input.logLevel ?? 'info' },
    persistence: {
      numHistoryShards: 4,
      defaultStore: 'default',
      visibilityStore: 'visibility',
      datastores: { default: sql('temporal', 20), visibility: sql('temporal_visibility', 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      pprof: { port: 0 },
    },
    services: {
      frontend: rpc(ports.frontendGrpc, ports.frontendMembership, ports.frontendHttp),
      matching: rpc(ports.matchingGrpc, ports.matchingMembership),
      history: rpc(ports.historyGrpc, ports.historyMembership),
      worker: rpc(ports.workerGrpc, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontendGrpc}`,
          httpAddress: `127.0.0.1:${ports.frontendHttp}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: {
      history: { state: 'enabled', enableRead: true, provider: archivalProvider },
      visibility: { state: 'enabled', enableRead: true, provider: archivalProvider },
    },
    namespaceDefaults: {
      archival: {
        history: { state: 'disabled', URI: 'file:///tmp/temporal_archival/development' },
        visibility: { state: 'disabled', URI: 'file:///tmp/temporal_vis_archival/development' },
      },
    },
    dynamicConfigClient: {
      filepath: input.dynamicConfigFile ?? composeDynamicConfigFile(),
      pollInterval: input.dynamicConfigPollInterval ?? '60s',
    },
  };
}
