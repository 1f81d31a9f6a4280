import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
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

  it('runs the post-deploy tasks after the restart, each as written, in the same script; the first that fails stops it, marked as theirs', async () => {
    const log = join(work, 'post-deploy.log');
    const postDeploy = [
      `curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null && echo 'served # after the restart' >> ${log}`,
      `echo "it's \\"quoted\\" # not a comment" >> ${log}`,
    ];
    // Already current: the tasks still run (a resumed sync must not skip them).
    const again = sync({ version: '1.0.0', artifact: { url: artifacts['1.0.0'].artifact, sha256: artifacts['1.0.0'].sha256 }, postDeploy });
    expect(again).toMatchObject({ status: 0, changed: false, postDeployStarted: true });
    expect(readFileSync(log, 'utf8')).toBe('served # after the restart\nit\'s "quoted" # not a comment\n');
    const failing = sync({ version: '1.0.0', artifact: { url: artifacts['1.0.0'].artifact, sha256: artifacts['1.0.0'].sha256 }, postDeploy: ['exit 7', `echo never >> ${log}`] });
    expect(failing).toMatchObject({ status: 7, postDeployStarted: true });
    expect(failing.stderr).toContain('post-deploy command 1 of 2 failed (exit 7)');
    expect(readFileSync(log, 'utf8')).not.toContain('never');
    // No post-deploy tasks: no marker, so a failure is the placement's.
    expect(deploy('1.0.0')).toMatchObject({ status: 0, postDeployStarted: false });
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

  describe('with no sha256 given: the .sha256 published beside the artifact', () => {
    const sidecarOf = (version: string) => `${fileURLToPath(artifacts[version].artifact)}.sha256`;
    const bySidecar = (version: string) => sync({ version, artifact: { url: artifacts[version].artifact, sha256Sidecar: true } });

    it('fetches the sidecar and places the release when the digests match', async () => {
      expect(readFileSync(sidecarOf('1.0.0'), 'utf8').trim()).toBe(artifacts['1.0.0'].sha256);
      const result = bySidecar('1.0.0');
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      expect(current()).toBe('releases/1.0.0');
      expect(await served()).toBe('1.0.0');
    });

    it('refuses the release when the sidecar names other bytes, and when there is no sidecar', () => {
      rmSync(join(installDir, 'releases', '2.0.0'), { recursive: true, force: true });
      writeFileSync(sidecarOf('2.0.0'), `${'0'.repeat(64)}  example-app-2.0.0.tar.gz\n`);
      const mismatch = bySidecar('2.0.0');
      expect(mismatch.status).not.toBe(0);
      expect(mismatch.stderr).toMatch(/sha256 mismatch .* expected 0{64}/);
      rmSync(sidecarOf('2.0.0'));
      const missing = bySidecar('2.0.0');
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toMatch(/no sha256 for file:\/\/.*example-app-2\.0\.0\.tar\.gz: .*\.sha256 cannot be fetched/);
      expect(current()).toBe('releases/1.0.0');
      expect(existsSync(join(installDir, 'releases', '2.0.0'))).toBe(false);
    });
  });
});

/**
 * What a careless or hostile spec or URL holds must run (or be placed) as written: no glob
 * expansion, no shell syntax leaking from one command into the script, values never interpreted.
 */
describe('the sync script with awkward input', () => {
  const work = mkdtempSync(join(tmpdir(), 'hd-sync-awkward-'));
  const installDir = join(work, 'opt', 'app');
  const log = join(work, 'log.txt');
  let built: { artifact: string; sha256: string; file: string }[] = [];
  let port: number;

  /** A service whose start/stop are plain shell commands with comments and quotes in them. */
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
        start: `echo "start # not a comment" >> '${log}' # a real comment`,
        stop: `echo 'stop' >> "${log}"; exit 0`,
        keepReleases: 1,
      },
    }).service;

  function sync(input: Partial<SyncCodeInput> & { version: string }) {
    const script = buildSyncScript({ service: service(), mode: 'deploy', ...input });
    const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, ...parseSyncOutput(result.stdout) };
  }
  const current = () => readlinkSync(join(installDir, 'current'));

  beforeAll(async () => {
    port = await freePort();
    for (const version of ['1.0.0', '2.0.0']) {
      // A directory with a space and a `$(…)` in its name: file:// URLs percent-encode the one and keep the other.
      const out = execFileSync('sh', [join(__dirname, '..', '..', 'examples', 'build-artifact.sh'), version, join(work, 'my dist $(touch pwned)')], { encoding: 'utf8' });
      const { artifact, sha256 } = JSON.parse(out.trim().split('\n').pop()!);
      built.push({ artifact, sha256, file: fileURLToPath(artifact) });
    }
  });
  afterAll(() => {
    built = [];
    rmSync(work, { recursive: true, force: true });
  });

  it('reads a file:// URL percent-decoded and never runs what a value holds', () => {
    expect(built[0].artifact).toContain('%20');
    const result = sync({ version: '1.0.0', provision: { packages: [], commands: [] }, artifact: { url: built[0].artifact, sha256: built[0].sha256 } });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(current()).toBe('releases/1.0.0');
    expect(existsSync('pwned') || existsSync(join(work, 'pwned'))).toBe(false);
    expect(readFileSync(log, 'utf8')).toBe('stop\nstart # not a comment\n');
  });

  it('runs each bake command exactly as written, whatever shell syntax it holds', () => {
    const out = join(work, 'bake-out.txt');
    const commands = [
      `echo "a # b" >> '${out}'`,
      `echo 'it'"'"'s (fine)' >> '${out}' # trailing comment`,
      `cat <<'EOF' >> '${out}'\n$HOME is not expanded; neither is \`this\`\nEOF`,
      'exit 0',
      `printf '%s\\n' "after exit" >> '${out}'`,
    ];
    const result = sync({ version: '2.0.0', provision: { packages: [], commands }, artifact: { url: built[1].artifact, sha256: built[1].sha256 } });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(readFileSync(out, 'utf8')).toBe("a # b\nit's (fine)\n$HOME is not expanded; neither is `this`\nafter exit\n");
  });

  it('names a failing bake command by position, never by its text', () => {
    const result = sync({ version: '9.0.0', provision: { packages: [], commands: ['true', 'echo TOKEN-s3cr3t >/dev/null; false'] }, artifact: { url: built[1].artifact, sha256: built[1].sha256 } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^bake\.commands\[1\] failed \(exit 1\)/);
    expect(result.stderr).not.toContain('s3cr3t');
  });

  it('streams the bake\'s output to stderr too when the whole output is kept, with the same exit statuses', () => {
    const commandOutput = { s3Bucket: 'logs', s3KeyPrefix: 'runs' };
    const ok = sync({ version: '5.0.0', provision: { packages: [], commands: ['echo step one', 'echo to stderr >&2'] }, artifact: { url: built[1].artifact, sha256: built[1].sha256 }, commandOutput });
    expect(ok.status).toBe(0);
    expect(ok.stderr).toContain('step one\nto stderr\n');
    expect(ok.stdout).not.toContain('step one');
    expect(ok.changed).toBe(true);
    const failed = sync({ version: '9.0.1', provision: { packages: [], commands: ['echo before; exit 7'] }, artifact: { url: built[1].artifact, sha256: built[1].sha256 }, commandOutput });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/^before\nbake\.commands\[0\] failed \(exit 7\); the end of its output:\n/);
  });

  it('fetches a URL with glob characters once, as written (no [1-300] expansion)', async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end(readFileSync(built[0].file));
    });
    const serverPort = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    try {
      rmSync(installDir, { recursive: true, force: true });
      const url = `http://127.0.0.1:${serverPort}/app[1-300].tar.gz?X-Amz-Signature=s3cr3t`;
      // Run in a child so the server in this process can answer.
      const script = buildSyncScript({ service: service(), mode: 'deploy', version: '1.0.0', artifact: { url, sha256: '0'.repeat(64) } });
      const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn('/bin/sh', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (status) => resolve({ status, stderr }));
      });
      expect(requests).toEqual(['/app[1-300].tar.gz?X-Amz-Signature=s3cr3t']);
      // The wrong sha256 fails the deploy, and the message shows the URL redacted.
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('sha256 mismatch for http://127.0.0.1:');
      expect(result.stderr).toContain('?X-Amz-Signature=REDACTED');
      expect(result.stderr).not.toContain('s3cr3t');
    } finally {
      server.close();
    }
  });

  it('refuses to redeploy a version from a different artifact, with or without a sha256, and changes nothing', () => {
    rmSync(installDir, { recursive: true, force: true });
    expect(sync({ version: '1.0.0', artifact: { url: built[0].artifact, sha256: built[0].sha256 } }).status).toBe(0);
    expect(readFileSync(join(installDir, 'releases', '1.0.0', '.hybrid-deploy-release'), 'utf8').trim()).toBe(built[0].sha256);
    const before = readFileSync(join(installDir, 'releases', '1.0.0', 'VERSION'), 'utf8');
    for (const sha256 of [built[1].sha256, undefined]) {
      const result = sync({ version: '1.0.0', artifact: { url: built[1].artifact, ...(sha256 ? { sha256 } : {}) } });
      expect({ status: result.status, changed: result.changed }).toEqual({ status: 4, changed: false });
      expect(result.stderr).toContain(`version 1.0.0 is already on this instance from a different artifact (sha256 ${built[0].sha256}; this deploy's is ${built[1].sha256})`);
      expect(current()).toBe('releases/1.0.0');
      expect(readFileSync(join(installDir, 'releases', '1.0.0', 'VERSION'), 'utf8')).toBe(before);
    }
    // The same artifact again is the usual no-op; the release on disk but not current is checked too.
    expect(sync({ version: '1.0.0', artifact: { url: built[0].artifact } })).toMatchObject({ status: 0, changed: false });
    expect(sync({ version: '2.0.0', artifact: { url: built[1].artifact, sha256: built[1].sha256 } }).status).toBe(0);
    expect(sync({ version: '1.0.0', artifact: { url: built[1].artifact, sha256: built[1].sha256 } }).status).toBe(4);
    expect(current()).toBe('releases/2.0.0');
  });
});
