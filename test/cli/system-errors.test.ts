import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { ExitCode } from '../../src/cli/exit-codes';

const CLI = join(__dirname, '..', '..', 'dist', 'src', 'client.js');

/** What one run of the built CLI (`node dist/src/client.js`, as CI runs it) printed, and its exit code. */
interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI in a process of its own, with only the environment given (and PATH). */
function runProcess(args: string[], env: NodeJS.ProcessEnv): Promise<ProcessRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

/** A port on 127.0.0.1 that something holds for the test's duration. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

/** A port nothing listens on (bound, then let go). */
async function closedPort(): Promise<number> {
  const { port, server } = await holdPort();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Lines of a JavaScript stack trace. */
const STACK_LINE = /^\s+at .+$/m;

/**
 * Exit code 4 and `--debug`, end to end: the built CLI in a process of its own, as CI runs it.
 * A system error says so in one line, without a stack trace; `--debug` adds the trace and its
 * causes; `--json` makes stdout exactly one document naming the code and the fault.
 */
describe('system errors through the built CLI: exit 4, a stack only with --debug', () => {
  it('Temporal unreachable: exit 4, the address and the fix in one line; the stack and its cause with --debug', async () => {
    const env = { TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}` };
    const plain = await runProcess(['status', 'shop', 'prod'], env);
    expect({ code: plain.code, stdout: plain.stdout }).toEqual({ code: ExitCode.SYSTEM_ERROR, stdout: '' });
    expect(plain.stderr).toBe(
      `error [TEMPORAL_UNREACHABLE] (system error): cannot reach Temporal at ${env.TEMPORAL_ADDRESS}: Failed to connect before the deadline (start it with npm run demo, or set TEMPORAL_ADDRESS)\n`,
    );

    const debug = await runProcess(['status', 'shop', 'prod', '--debug'], env);
    expect(debug.code).toBe(ExitCode.SYSTEM_ERROR);
    const [first, ...rest] = debug.stderr.split('\n');
    expect(first).toBe(plain.stderr.trimEnd());
    expect(rest.join('\n')).toMatch(STACK_LINE);
    expect(rest.join('\n')).toMatch(/^CliError: cannot reach Temporal at .*\n(\s+at .*\n)+caused by: Error: Failed to connect before the deadline\n/m);

    const json = await runProcess(['status', 'shop', 'prod', '--json'], env);
    expect(json.code).toBe(ExitCode.SYSTEM_ERROR);
    expect(JSON.parse(json.stdout)).toEqual({ error: expect.stringContaining('cannot reach Temporal'), code: 'TEMPORAL_UNREACHABLE', fault: 'system' });
    expect(json.stderr).not.toMatch(STACK_LINE);
  });

  it('anything unexpected (the codec endpoint\'s port is taken): exit 4, the cause in one line; its stack with --debug', async () => {
    const { port, server } = await holdPort();
    try {
      const env = { HYBRID_DEPLOY_CODEC_KEYS: `test=${randomBytes(32).toString('base64')}` };
      const plain = await runProcess(['codec-server', '--port', String(port)], env);
      expect({ code: plain.code, stdout: plain.stdout }).toEqual({ code: ExitCode.SYSTEM_ERROR, stdout: '' });
      expect(plain.stderr).toBe(`error [UNEXPECTED] (system error): unexpected error: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);

      const debug = await runProcess(['codec-server', '--port', String(port), '--debug'], env);
      expect(debug.code).toBe(ExitCode.SYSTEM_ERROR);
      expect(debug.stderr).toMatch(new RegExp(`^error \\[UNEXPECTED\\].*\\nError: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port}\\n(\\s+at .*\\n)+`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
