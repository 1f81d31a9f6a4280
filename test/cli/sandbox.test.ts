import { join } from 'node:path';
import { runSandbox, sandboxArgs, sandboxEntry } from '../../src/cli/commands/sandbox';
import { CommandContext } from '../../src/cli/context';
import { CliError } from '../../src/cli/errors';
import { ExitCode } from '../../src/cli/exit-codes';
import { FIXTURES, runCli } from './run-cli';

describe('hybrid-deploy sandbox', () => {
  const ctx = (env: NodeJS.ProcessEnv = {}) => new CommandContext({ stdout: () => undefined, stderr: () => undefined, env: { ...process.env, ...env } });

  it('runs dist/sandbox/cli.js from the package root', () => {
    expect(sandboxEntry()).toBe(join(__dirname, '..', '..', 'dist', 'sandbox', 'cli.js'));
  });

  it('passes the flags through and returns the child exit code', async () => {
    expect(sandboxArgs({ port: '0', profile: 'fast', timeScale: '0.5', config: 'c.yaml', dataDir: '/tmp/d', keepData: true })).toEqual([
      '--port', '0', '--profile', 'fast', '--time-scale', '0.5', '--config', 'c.yaml', '--data-dir', '/tmp/d', '--keep-data',
    ]);
    const code = await runSandbox(ctx({ FAKE_SANDBOX_EXIT: '7' }), { port: '4566' }, join(FIXTURES, 'fake-sandbox.js'));
    expect(code).toBe(7);
  });

  it('says to build first when the emulator is not built (exit 4)', async () => {
    const attempt = runSandbox(ctx(), {}, '/nonexistent/dist/sandbox/cli.js');
    await expect(attempt).rejects.toThrow(CliError);
    await expect(attempt).rejects.toMatchObject({ code: 'SANDBOX_NOT_BUILT', exitCode: ExitCode.SYSTEM_ERROR, message: expect.stringContaining('run npm run build first') });
  });

  it('rejects a bad --port or --time-scale with exit 2 before spawning', async () => {
    const run = await runCli(['sandbox', '--port', 'http', '--time-scale', '-1']);
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    expect(run.stderr).toContain('  --port: "http" is not a port');
    expect(run.stderr).toContain('  --time-scale: "-1" is not a positive number');
    const json = await runCli(['sandbox', '--json']);
    expect(json.code).toBe(ExitCode.INVALID_INPUT);
    expect(JSON.parse(json.stdout).problems).toEqual([{ path: '--json', message: expect.stringContaining('does not apply to sandbox') }]);
  });
});
