import { Client, Connection } from '@temporalio/client';
import type { DeployRequest } from '../contracts';
import { clientSealsSecrets, CODEC_KEYS_ENV, CodecKeyError, codecFromEnv, sealingDataConverter, type SealingCodec } from '../codec';
import { urlCarriesSecret } from '../contracts/redact';
import { loadTemporalSettings } from '../temporal-settings';
import { CliError, ErrorCode, Fault } from './errors';
import { ExitCode } from './exit-codes';

/** A CLI should say "unreachable" quickly rather than wait the SDK's default 10 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** A connected client and how to let go of it. */
export interface TemporalConnection {
  client: Client;
  namespace: string;
  close(): Promise<void>;
}

export interface ConnectClientOptions {
  connectTimeoutMs?: number;
}

/** The environment's Temporal settings ({@link loadTemporalSettings}); a broken profile is the user's to fix (exit 2). */
export function loadTemporalConfig(env: NodeJS.ProcessEnv): ReturnType<typeof loadTemporalSettings> {
  try {
    return loadTemporalSettings(env);
  } catch (error) {
    throw new CliError(ErrorCode.TEMPORAL_CONFIG_INVALID, `the Temporal client configuration is invalid: ${(error as Error).message}`, {
      exitCode: ExitCode.INVALID_INPUT,
      fault: Fault.USER,
      cause: error,
    });
  }
}

/** The payload codec from the environment's codec keys; a bad key configuration is the user's to fix (exit 2). */
export function loadCodec(env: NodeJS.ProcessEnv): SealingCodec {
  try {
    return codecFromEnv(env);
  } catch (error) {
    if (!(error instanceof CodecKeyError)) throw error;
    throw new CliError(ErrorCode.INVALID_INPUT, `the codec keys are invalid: ${error.message}`, { exitCode: ExitCode.INVALID_INPUT, fault: Fault.USER, cause: error });
  }
}

/**
 * Refuses to send a secret-bearing artifact URL (a presigned URL's query, say) through a client
 * that would store it in clear in workflow history. Checked before anything starts: exit 2.
 */
export function requireSealing(client: Client, artifactUrl: string, flag = '--artifact'): void {
  if (!urlCarriesSecret(artifactUrl) || clientSealsSecrets(client)) return;
  throw new CliError(
    ErrorCode.INVALID_INPUT,
    `${flag}: the URL carries a query string (a presigned URL's signature?), which would be readable in workflow history: ` +
      `set ${CODEC_KEYS_ENV} (or HYBRID_DEPLOY_CODEC_KEY_FILE) so it travels encrypted, or use an s3:// URL (fetched with the instance role); nothing was started`,
    { exitCode: ExitCode.INVALID_INPUT, fault: Fault.USER },
  );
}

/**
 * Refuses a request whose secrets the client would store in clear in workflow history: a
 * secret-bearing artifact URL (see {@link requireSealing}) and any webhook URL of the spec's
 * `notify` (the URL is the webhook's credential). Checked before anything starts: exit 2.
 */
export function requireSealedRequest(client: Client, request: DeployRequest): void {
  requireSealing(client, request.artifact.url);
  const webhooks = request.spec.notify?.webhooks ?? [];
  if (webhooks.length === 0 || clientSealsSecrets(client)) return;
  throw new CliError(
    ErrorCode.INVALID_INPUT,
    `notify.webhooks: a webhook URL is a secret, which would be readable in workflow history: set ${CODEC_KEYS_ENV} (or HYBRID_DEPLOY_CODEC_KEY_FILE) so it travels encrypted; nothing was started`,
    { exitCode: ExitCode.INVALID_INPUT, fault: Fault.USER },
  );
}

/** Connects a {@link Client} from the environment's Temporal settings and codec keys; unreachable → exit 4. */
export async function connectClient(env: NodeJS.ProcessEnv, options: ConnectClientOptions = {}): Promise<TemporalConnection> {
  const { connectionOptions, address, namespace } = loadTemporalConfig(env);
  const codec = loadCodec(env);
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address,
      tls: connectionOptions.tls,
      apiKey: connectionOptions.apiKey,
      metadata: connectionOptions.metadata,
      connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    });
  } catch (error) {
    throw unreachable(address, error);
  }
  const client = new Client({ connection, namespace, dataConverter: sealingDataConverter(codec) });
  return { client, namespace, close: () => connection.close() };
}

/** `cannot reach Temporal at <address>: <message> (start it with npm run demo, or set TEMPORAL_ADDRESS)`. */
export function unreachable(address: string, error: unknown): CliError {
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(
    ErrorCode.TEMPORAL_UNREACHABLE,
    `cannot reach Temporal at ${address}: ${message} (start it with npm run demo, or set TEMPORAL_ADDRESS)`,
    { exitCode: ExitCode.SYSTEM_ERROR, fault: Fault.SYSTEM, cause: error },
  );
}
