import type { Client } from '@temporalio/client';
import type { CliDeps } from './deps';
import { connectClient, loadTemporalConfig, unreachable, type TemporalConnection } from './temporal';

/** The Web UI the links point at, unless `TEMPORAL_UI_URL` says otherwise (the dev server's). */
export const DEFAULT_TEMPORAL_UI_URL = 'http://localhost:8233';

/** A connected client and its namespace. */
export interface Temporal {
  client: Client;
  namespace: string;
}

/**
 * What a command works with: output writers, the environment, and a Temporal client made on
 * first use (so commands that fail validation never connect) and closed by exec when done.
 */
export class CommandContext {
  private connection?: Promise<TemporalConnection>;
  private jsonWritten = false;
  readonly startedAt = Date.now();
  /** What the command's action decided; exec returns it. */
  exitCode: number = 0;

  constructor(readonly deps: CliDeps) {}

  get env(): NodeJS.ProcessEnv {
    return this.deps.env;
  }

  /** A result line on stdout. */
  out(line: string): void {
    this.deps.stdout(line.endsWith('\n') ? line : `${line}\n`);
  }

  /** A log or progress line on stderr. */
  err(line: string): void {
    this.deps.stderr(line.endsWith('\n') ? line : `${line}\n`);
  }

  /** The one JSON document of a `--json` run. */
  json(document: unknown): void {
    if (this.jsonWritten) throw new Error('a --json run writes exactly one JSON document');
    this.jsonWritten = true;
    this.deps.stdout(`${JSON.stringify(document, null, 2)}\n`);
  }

  get wroteJson(): boolean {
    return this.jsonWritten;
  }

  /** Seconds since the command started, one decimal. */
  elapsedSeconds(): number {
    return Math.round((Date.now() - this.startedAt) / 100) / 10;
  }

  /** The Temporal client (connecting on first use). */
  async temporal(): Promise<Temporal> {
    this.connection ??= this.open();
    const { client, namespace } = await this.connection;
    return { client, namespace };
  }

  /** Closes the connection exec opened; an injected client belongs to its owner. */
  async close(): Promise<void> {
    const pending = this.connection;
    this.connection = undefined;
    if (!pending) return;
    try {
      await (await pending).close();
    } catch {
      // Never connected, or already closed: nothing to release.
    }
  }

  /** `${TEMPORAL_UI_URL}/namespaces/<ns>/workflows/<id>/<run>/history`. */
  uiUrl(namespace: string, workflowId: string, runId: string): string {
    const base = (this.env.TEMPORAL_UI_URL || DEFAULT_TEMPORAL_UI_URL).replace(/\/+$/, '');
    return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
  }

  private async open(): Promise<TemporalConnection> {
    const { connect } = this.deps;
    if (!connect) return connectClient(this.env);
    let client: Client;
    try {
      client = await connect();
    } catch (error) {
      throw unreachable(configuredAddress(this.env), error);
    }
    return { client, namespace: client.options.namespace, close: async () => undefined };
  }
}

function configuredAddress(env: NodeJS.ProcessEnv): string {
  try {
    return loadTemporalConfig(env).address;
  } catch {
    return env.TEMPORAL_ADDRESS ?? 'the configured address';
  }
}
