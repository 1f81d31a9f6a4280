import { Client, Connection } from '@temporalio/client';
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

/** Connects a {@link Client} from the environment's Temporal settings; unreachable → exit 4. */
export async function connectClient(env: NodeJS.ProcessEnv, options: ConnectClientOptions = {}): Promise<TemporalConnection> {
  const { connectionOptions, address, namespace } = loadTemporalConfig(env);
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
  const client = new Client({ connection, namespace });
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
