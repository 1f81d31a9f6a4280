import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDeploySpec } from '../../src/request/load';
import { buildSyncScript, parseSyncOutput } from '../../src/activities/sync-script';
import type { SyncCodeInput } from '../../src/contracts';
import { freePort } from '../../harness/stack/free-port';

/**
 * The sync script is the one way code lands on a machine; here it runs for real under /bin/sh
 * against a temporary install dir, with the example app's real artifacts.
 */
describe('the sync script', () => {
  const work = mkdtempSync(join(tmpdir(), 'hd-sync-'));
  const installDir = join(work, 'opt', 'example-app');
  const artifacts: Record<string, { artifact: string; sha256: string }> = {};
  let port: number;

  const service = () =>
    parseDeploySpec({
      app: 'example-app',
      regions: ['us-east-1'],
      baseImage: 'ami-0123456789abcdef0',
      instanceType: 't3.micro',
      regionSettings: {
        'us-east-1': {
          subnetIds: ['subnet-0123456789abcdef0'],
          securityGroupIds: ['sg-0123456789abcdef0'],
          targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef',
          desiredCount: 1,
        },
      },
      service: {
        installDir,
        start: `${installDir}/current/bin/start.sh`,
        stop: `${installDir}/current/bin/stop.sh`,
        restart: `${installDir}/current/bin/restart.sh`,
        keepReleases: 1,
      },
    }).service;

  function sync(input: Partial<SyncCodeInput> & { version: string }) {
    const script = buildSyncScript({ service: service(), mode: 'deploy', ...input });
    const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, ...parseSyncOutput(result.stdout) };
  }
  const current = () => readlinkSync(join(installDir, 'current'));
  const served = async () => ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { version: string }).version;

  beforeAll(async () => {
    port = await freePort();
    for (const version of ['1.0.0', '2.0.0', '3.0.0', '4.0.0']) {
      const out = execFileSync('sh', [join(__dirname, '..', '..', 'examples', 'build-artifact.sh'), version, join(work, 'dist')], { encoding: 'utf8' });
      const { artifact, sha256 } = JSON.parse(out.trim().split('\n').pop()!);
      artifacts[version] = { artifact, sha256 };
    }
  });
  afterAll(() => {
    spawnSync('/bin/sh', [`${installDir}/current/bin/stop.sh`]);
    rmSync(work, { recursive: true, force: true });
  });

  const deploy = (version: string, sha256 = artifacts[version].sha256) =>
    sync({ version, artifact: { url: artifacts[version].artifact, sha256 } });

  it('places a first release, switches current and starts it', async () => {
    const result = deploy('1.0.0');
    expect(result).toMatchObject({ status: 0, previousVersion: '', changed: true });
    expect(current()).toBe('releases/1.0.0');
    expect(await served()).toBe('1.0.0');
  });

  it('is a no-op success when the version is already current', async () => {
    const result = deploy('1.0.0');
    expect(result).toMatchObject({ status: 0, previousVersion: '1.0.0', changed: false });
    expect(await served()).toBe('1.0.0');
  });

  it('reports the previous version and restarts on the new one', async () => {
    const result = deploy('2.0.0');
    expect(result).toMatchObject({ status: 0, previousVersion: '1.0.0', changed: true });
    expect(current()).toBe('releases/2.0.0');
    expect(await served()).toBe('2.0.0');
  });

  it('refuses an artifact whose sha256 does not match and leaves current alone', async () => {
    const result = deploy('3.0.0', '0'.repeat(64));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/sha256 mismatch/);
    expect(current()).toBe('releases/2.0.0');
    expect(existsSync(join(installDir, 'releases', '3.0.0'))).toBe(false);
    expect(await served()).toBe('2.0.0');
  });

  it('rolls back by switching current to a release on disk', async () => {
    const result = sync({ version: '1.0.0', mode: 'rollback' });
    expect(result).toMatchObject({ status: 0, previousVersion: '2.0.0', changed: true });
    expect(current()).toBe('releases/1.0.0');
    expect(await served()).toBe('1.0.0');
  });

  it('refuses to roll back to a release that is not on disk', () => {
    const result = sync({ version: '9.9.9', mode: 'rollback' });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/not on this instance/);
    expect(current()).toBe('releases/1.0.0');
  });

  it('prunes releases beyond keepReleases, keeping current and previous', () => {
    expect(deploy('3.0.0').status).toBe(0);
    // keepReleases 1: current (3.0.0), previous (1.0.0) and the newest other (2.0.0).
    expect(readdirSync(join(installDir, 'releases')).sort()).toEqual(['1.0.0', '2.0.0', '3.0.0']);
    expect(deploy('4.0.0').status).toBe(0);
    // current 4.0.0, previous 3.0.0, newest other 2.0.0; 1.0.0, the oldest, is gone.
    expect(readdirSync(join(installDir, 'releases')).sort()).toEqual(['2.0.0', '3.0.0', '4.0.0']);
  });
});
