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
  let config: ClientConnectConfig;
  try {
    config = loadClientConnectConfig({ overrideEnvVars });
  } catch (error) {
    throw new Error(profileProblem(error, env));
  }
  return {
    ...config,
    address: config.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS,
    namespace: config.namespace ?? DEFAULT_NAMESPACE,
  };
}

/**
 * What is wrong with the profile file, without its content: a TOML error quotes the lines around
 * the fault, and those hold API keys. Only the parser's first line and the position are kept.
 */
function profileProblem(error: unknown, env: NodeJS.ProcessEnv): string {
  const { line, column } = error as { line?: number; column?: number };
  const [first] = String((error as Error)?.message ?? error).split('\n');
  const file = env.TEMPORAL_CONFIG_FILE ?? 'the Temporal profile file';
  return `${file} cannot be used: ${first}${line !== undefined ? ` (line ${line}, column ${column})` : ''}`;
}
