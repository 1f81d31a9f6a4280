import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import { redactSecrets } from '../contracts/redact';

/** The worker's log level: `HYBRID_DEPLOY_LOG_LEVEL` (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`). */
export const LOG_LEVEL_ENV = 'HYBRID_DEPLOY_LOG_LEVEL';
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

/** The log level from the environment (default INFO); a bad value is a configuration error that names the variable. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevel {
  const value = env[LOG_LEVEL_ENV]?.trim().toUpperCase();
  if (!value) return 'INFO';
  if (!(LEVELS as readonly string[]).includes(value)) throw new Error(`${LOG_LEVEL_ENV}: "${env[LOG_LEVEL_ENV]}" is not a log level (${LEVELS.join(', ')})`);
  return value as LogLevel;
}

/**
 * The SDK's attributes under the names an operator searches by: every line of a workflow or an
 * activity says `workflowId`, `runId`, and (activities) `activity` and `region`. The task token is
 * an opaque credential-like blob: dropped.
 */
function fieldsOf(meta: Record<string | symbol, unknown> | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (key === 'taskToken') continue;
    if (key === 'workflowRunId') fields.runId = value;
    else if (key === 'activityType') fields.activity = value;
    else if (key === 'error' && value instanceof Error) fields.err = value;
    else fields[key] = value;
  }
  return fields;
}

/**
 * The worker's logger: Temporal's `DefaultLogger` (level filtering, the runtime's timestamps)
 * writing one JSON object a line through pino. Core's own logs, workflow logs (through the SDK's
 * logger sink, so a replayed workflow task does not log again) and activity logs all arrive here.
 * Strings are passed through the redaction helper, in case an error quoted a URL.
 */
export function jsonWorkerLogger(level: LogLevel, destination: DestinationStream = pino.destination({ dest: 1, sync: true })): DefaultLogger {
  const out: Pino = pino(
    {
      level: 'trace',
      base: { name: 'hybrid-deploy-worker' },
      // Each entry carries the time it was made (core's logs are buffered before they arrive).
      timestamp: false,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      // Never a URL from an input or a spec, should one reach a log line.
      redact: { paths: ['url', '*.url', 'webhook.url', '*.webhook.url'], censor: 'REDACTED' },
      hooks: {
        // Every string of the line, not just the message: attributes quote errors too.
        streamWrite: (line) => redactSecrets(line),
      },
    },
    destination,
  );
  return new DefaultLogger(level, (entry: LogEntry) => {
    const fields = { time: Number(entry.timestampNanos / 1_000_000n), ...fieldsOf(entry.meta) };
    out[entry.level.toLowerCase() as Lowercase<LogLevel>](fields, entry.message);
  });
}
