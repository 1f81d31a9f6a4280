import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCodecServer } from '../../src/cli/commands/codec-server';
import { CommandContext } from '../../src/cli/context';
import { ExitCode } from '../../src/cli/exit-codes';
import { runCli } from './run-cli';

describe('secrets in the CLI configuration', () => {
  const work = mkdtempSync(join(tmpdir(), 'hd-cli-config-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('reports a Temporal profile that fails to parse by position, never by its content', async () => {
    const file = join(work, 'temporal.toml');
    writeFileSync(file, '[profile.default]\naddress = "localhost:7233"\napi_key = "tcld-SUPERSECRET\nnamespace = "x"\n');
    const run = await runCli(['status', 'shop', 'prod'], { env: { TEMPORAL_CONFIG_FILE: file }, noConnect: true });
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    expect(run.stderr).toMatch(/the Temporal client configuration is invalid: .*temporal\.toml cannot be used: .*\(line 3, column \d+\)/);
    expect(run.stdout + run.stderr).not.toContain('SUPERSECRET');
    const debug = await runCli(['status', 'shop', 'prod', '--debug'], { env: { TEMPORAL_CONFIG_FILE: file }, noConnect: true });
    expect(debug.stdout + debug.stderr).not.toContain('SUPERSECRET');
  });

  it('refuses malformed codec keys without printing them (exit 2)', async () => {
    const run = await runCli(['status', 'shop', 'prod'], { env: { HYBRID_DEPLOY_CODEC_KEYS: 'k1=TOOSHORTSECRET', TEMPORAL_ADDRESS: '127.0.0.1:1' }, noConnect: true });
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    expect(run.stderr).toMatch(/the codec keys are invalid: HYBRID_DEPLOY_CODEC_KEYS, entry 1 \(k1\): the key must be 32 bytes/);
    expect(run.stderr).not.toContain('TOOSHORTSECRET');
  });
});

describe('hybrid-deploy codec-server', () => {
  const context = (env: NodeJS.ProcessEnv) => {
    const lines: string[] = [];
    const ctx = new CommandContext({ stdout: (s) => lines.push(s), stderr: (s) => lines.push(s), env });
    return { ctx, lines };
  };
  const keys = `k1=${randomBytes(32).toString('base64')}`;

  it('checks its flags and needs keys before it listens', async () => {
    const bad = await runCli(['codec-server', '--port', '99999', '--ui-origins', 'localhost:8233'], { env: { HYBRID_DEPLOY_CODEC_KEYS: keys } });
    expect(bad.code).toBe(ExitCode.INVALID_INPUT);
    expect(bad.stderr).toContain('--port: "99999" is not a port');
    expect(bad.stderr).toContain('--ui-origins: "localhost:8233" is not an origin');
    const none = await runCli(['codec-server'], { env: {} });
    expect(none.code).toBe(ExitCode.INVALID_INPUT);
    expect(none.stderr).toContain('no codec keys: set HYBRID_DEPLOY_CODEC_KEYS or HYBRID_DEPLOY_CODEC_KEY_FILE');
  });

  it('serves the codec endpoint for the Web UI origin until told to stop', async () => {
    const { ctx, lines } = context({ HYBRID_DEPLOY_CODEC_KEYS: keys, TEMPORAL_UI_URL: 'http://localhost:8233' });
    let stop!: () => void;
    const running = runCodecServer(ctx, { port: '0' }, [], new Promise<void>((resolve) => (stop = resolve)));
    for (let i = 0; i < 100 && !lines.join('').includes('codec endpoint'); i++) await new Promise((r) => setTimeout(r, 20));
    const url = /codec endpoint (http:\/\/127\.0\.0\.1:\d+)/.exec(lines.join(''))![1];
    const preflight = await fetch(`${url}/decode`, { method: 'OPTIONS', headers: { origin: 'http://localhost:8233' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(lines.join('')).not.toContain(keys.split('=')[1]);
    stop();
    expect(await running).toBe(ExitCode.OK);
    await expect(fetch(`${url}/decode`, { method: 'OPTIONS' })).rejects.toThrow();
  });
});
