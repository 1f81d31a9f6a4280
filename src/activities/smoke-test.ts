import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import type { InstanceRef, SmokeTestInput, SmokeTestOutput } from '../contracts';
import { heartbeat } from '../aws/heartbeat';

/** What one health check of one instance saw. */
export interface HealthObservation {
  instanceId: string;
  ok: boolean;
  detail: string;
}

/** The response header an app may report its version in, when its health body is not JSON. */
export const VERSION_HEADER = 'x-app-version';

/**
 * The version an app reports: the `X-App-Version` header when present, else the top-level
 * `version` field of a JSON body (`{"status":"ok","version":"1.4.2"}`). Undefined when neither.
 */
export function reportedVersion(headers: Headers, body: string): string | undefined {
  const header = headers.get(VERSION_HEADER);
  if (header !== null) return header.trim();
  try {
    const parsed: unknown = JSON.parse(body);
    const version = parsed && typeof parsed === 'object' ? (parsed as { version?: unknown }).version : undefined;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

function versionProblem(headers: Headers, body: string, expected: string): string | undefined {
  const reported = reportedVersion(headers, body);
  if (reported === undefined) return `does not report its version (a JSON body with a "version" field, or an X-App-Version header): ${body.slice(0, 200)}`;
  // Exactly: deploying 2 must not pass against an instance serving 1.0.2, or whose id holds a 2.
  return reported === expected ? undefined : `reports version ${JSON.stringify(reported)}, expected ${JSON.stringify(expected)}`;
}

/** One HTTP health check from the worker to an instance's private address. */
export async function checkHealth(target: InstanceRef, input: SmokeTestInput, signal?: AbortSignal): Promise<HealthObservation> {
  const { port, path, expectedStatus, expectedBody, requireVersion } = input.healthCheck;
  const url = `http://${target.privateIp}:${port}${path}`;
  try {
    const response = await fetch(url, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(5_000)]) : AbortSignal.timeout(5_000) });
    const body = await response.text();
    const problems = [
      response.status !== expectedStatus && `status ${response.status}, expected ${expectedStatus}`,
      expectedBody !== undefined && !body.includes(expectedBody) && `body lacks ${JSON.stringify(expectedBody)}`,
      requireVersion && versionProblem(response.headers, body, input.version),
    ].filter(Boolean);
    return { instanceId: target.instanceId, ok: problems.length === 0, detail: problems.length ? `${url}: ${problems.join('; ')}` : `${url}: ok` };
  } catch (error) {
    return { instanceId: target.instanceId, ok: false, detail: `${url}: ${(error as Error).message}` };
  }
}

/**
 * Checks every instance over HTTP — status, body, and the expected version, compared exactly
 * ({@link reportedVersion}) — retrying each until
 * it passes or the health check's timeout runs out, then fails (non-retryable) naming each
 * instance that never passed and what it answered.
 */
export function createSmokeTest({ pollIntervalMs }: ActivityDeps) {
  return async function smokeTest(input: SmokeTestInput): Promise<SmokeTestOutput> {
    const context = Context.current();
    const deadline = Date.now() + input.healthCheck.timeoutSeconds * 1000;
    const latest = new Map<string, HealthObservation>();
    let pending = input.targets;
    while (pending.length > 0) {
      const observations = await Promise.all(pending.map((t) => checkHealth(t, input, context.cancellationSignal)));
      for (const o of observations) latest.set(o.instanceId, o);
      pending = pending.filter((t) => !latest.get(t.instanceId)!.ok);
      heartbeat({ pending: pending.map((t) => t.instanceId) });
      if (pending.length === 0 || Date.now() >= deadline) break;
      await context.sleep(Math.min(pollIntervalMs, 1_000));
    }
    if (pending.length > 0) {
      const failures = pending.map((t) => latest.get(t.instanceId)!);
      throw ApplicationFailure.create({
        type: 'SmokeTestFailed',
        nonRetryable: true,
        message: `smoke test of version ${input.version} failed on ${failures.length} of ${input.targets.length} instance(s): ${failures.map((f) => f.detail).join(' | ').slice(0, 2000)}`,
        details: [{ failures }],
      });
    }
    return { passed: input.targets.map((t) => t.instanceId) };
  };
}
