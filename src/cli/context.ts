import type { Client } from '@temporalio/client';
import type { CliDeps } from './deps';
import type { GlobalOptions } from './options';
import type { Renderer } from './render/renderer';
import { selectRenderer } from './render/select-renderer';
import type { CommandOutput } from './results';
import { connectClient, loadTemporalConfig, unreachable, type TemporalConnection } from './temporal';

/** The Web UI the links point at, unless `TEMPORAL_UI_URL` says otherwise (the dev server's). */
export const DEFAULT_TEMPORAL_UI_URL = 'http://localhost:8233';

/** A connected client and its namespace. */
export interface Temporal {
  client: Client;
  namespace: string;
}

/**
 * What a command works with: the environment, the run's renderer (chosen from the global
 * options on first use), and a Temporal client made on first use (so commands that fail
 * validation never connect) and closed by exec when done.
 */
export class CommandContext {
  private connection?: Promise<TemporalConnection>;
  private chosenRenderer?: Renderer;
  readonly startedAt = Date.now();
  /** What the command's action decided; exec returns it. */
  exitCode: number = 0;

  constructor(
    readonly deps: CliDeps,
    private readonly globalOptions: () => GlobalOptions = () => ({}),
  ) {}

  get env(): NodeJS.ProcessEnv {
    return this.deps.env;
  }

  /** The program's own options (`--json`, `--debug`), wherever they were given. */
  get global(): GlobalOptions {
    return this.globalOptions();
  }

  /** Where progress, results and errors go. */
  get renderer(): Renderer {
    this.chosenRenderer ??= selectRenderer(this.globalOptions(), this.deps);
    return this.chosenRenderer;
  }

  /** Renders a command's result and keeps its exit code for exec. */
  finish(output: CommandOutput): void {
    if (output.result) this.renderer.result(output.result);
    this.exitCode = output.exitCode;
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
    return `${this.uiBase(namespace)}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
  }

  /** `${TEMPORAL_UI_URL}/namespaces/<ns>/schedules/<id>`. */
  scheduleUiUrl(namespace: string, scheduleId: string): string {
    return `${this.uiBase(namespace)}/schedules/${encodeURIComponent(scheduleId)}`;
  }

  private uiBase(namespace: string): string {
    const base = (this.env.TEMPORAL_UI_URL || DEFAULT_TEMPORAL_UI_URL).replace(/\/+$/, '');
    return `${base}/namespaces/${encodeURIComponent(namespace)}`;
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
