import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { exec, type CliDeps } from '../../src/cli/exec';

export const FIXTURES = join(__dirname, 'fixtures');
export const VALID_SPEC = join(FIXTURES, 'valid-spec.yaml');
export const INVALID_SPEC = join(FIXTURES, 'invalid-spec.yaml');
export const APP = 'cli-test-app';

/** What one in-process CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  connectCalls: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** A client to hand out; omitted → a connect that records the call and fails. */
  client?: Client;
  /** No `connect` at all: exec connects from `env` itself. */
  noConnect?: boolean;
}

/** Runs `hybrid-deploy <argv…>` in-process, capturing its output. */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  let connectCalls = 0;
  const deps: CliDeps = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: options.env ?? { TEMPORAL_UI_URL: 'http://ui.test' },
    connect: options.noConnect
      ? undefined
      : async () => {
          connectCalls++;
          if (!options.client) throw new Error('connect must not be called in this test');
          return options.client;
        },
  };
  const code = await exec(argv, deps);
  return { code, stdout, stderr, connectCalls };
}

/** An environment name no other test uses: `deploy/<app>/<env>` is then unique. */
export function uniqueEnv(prefix = 't'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** The flags of a valid deploy; override any. */
export function deployArgs(env: string, overrides: Record<string, string> = {}): string[] {
  const flags: Record<string, string> = {
    '--procedure': 'immutable',
    '--spec': VALID_SPEC,
    '--env': env,
    '--version': '1.4.2',
    '--artifact': 'https://artifacts.example.com/cli-test-app-1.4.2.tar.gz',
    ...overrides,
  };
  return ['deploy', ...Object.entries(flags).flatMap(([flag, value]) => [flag, value])];
}
