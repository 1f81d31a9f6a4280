import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';

/** Where the SDK connects when neither the environment nor a profile names an address. */
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';

/**
 * Temporal's client settings, loaded the way every Temporal tool loads them
 * (`@temporalio/envconfig`): the profile file (`TEMPORAL_CONFIG_FILE` or the default path,
 * profile `TEMPORAL_PROFILE`), overridden by `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
 * `TEMPORAL_API_KEY`, `TEMPORAL_TLS*` and `TEMPORAL_GRPC_META_*`. The worker and the CLI both
 * read them here, so they reach the same dev server, self-hosted cluster or Temporal Cloud.
 * Throws on a broken profile.
 */
export function loadTemporalSettings(env: NodeJS.ProcessEnv = process.env): ClientConnectConfig & { address: string; namespace: string } {
  const overrideEnvVars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) overrideEnvVars[key] = value;
  const config = loadClientConnectConfig({ overrideEnvVars });
  return {
    ...config,
    address: config.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS,
    namespace: config.namespace ?? DEFAULT_NAMESPACE,
  };
}
