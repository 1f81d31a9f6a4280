/**
 * The example app as an instance sees it: build the artifact, unpack it into the release layout
 * (<installDir>/releases/<version>, `current` symlink), and drive it with its own bin/ scripts.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const buildScript = resolve(__dirname, '../../examples/build-artifact.sh');

interface BuildResult {
  artifact: string;
  sha256: string;
  version: string;
}

type Runtime = 'node' | 'perl';

async function build(version: string, outDir: string, runtime: Runtime = 'node'): Promise<BuildResult> {
  const { stdout } = await run(buildScript, [version, outDir], { env: { ...process.env, EXAMPLE_APP_RUNTIME: runtime } });
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1); // stdout is the JSON line alone; logs go to stderr
  return JSON.parse(lines[0]) as BuildResult;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });
}

/** The light runtime (server.pl) keeps the node app's whole contract: the same tests run against both. */
describe.each(['node', 'perl'] as const)('the example app (%s runtime)', (runtime) => {
  const server = runtime === 'perl' ? 'server.pl' : 'server.js';
  const tarball = runtime === 'perl' ? 'example-app-1.2.3-perl.tar.gz' : 'example-app-1.2.3.tar.gz';
  const root = mkdtempSync(join(tmpdir(), 'example-app-test-'));
  const installDir = join(root, 'install');
  const releaseDir = join(installDir, 'releases', '1.2.3');
  const pidFile = join(installDir, 'shared', 'app.pid');
  let artifact: BuildResult;
  let port: number;
  let env: NodeJS.ProcessEnv;

  const script = (name: string) => run(join(installDir, 'current', 'bin', name), [], { env });

  beforeAll(async () => {
    artifact = await build('1.2.3', join(root, 'dist'), runtime);
    mkdirSync(releaseDir, { recursive: true });
    await run('tar', ['-xzf', fileURLToPath(artifact.artifact), '-C', releaseDir]);
    symlinkSync('releases/1.2.3', join(installDir, 'current'));
    port = await freePort();
    env = { ...process.env, HOST: '127.0.0.1', PORT: String(port), INSTANCE_ID: 'i-test' };
  });

  afterAll(async () => {
    // Whatever happened above, leave no server behind.
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(root, { recursive: true, force: true });
  });

  describe('build-artifact.sh', () => {
    it('writes the tarball, its sha256 and a JSON line describing them', () => {
      const file = fileURLToPath(artifact.artifact);
      expect(file).toBe(join(root, 'dist', tarball));
      expect(artifact.version).toBe('1.2.3');
      const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
      expect(artifact.sha256).toBe(digest);
      expect(readFileSync(`${file}.sha256`, 'utf8')).toBe(digest);
    });

    it('puts the release contents at the top level of the tarball', async () => {
      const { stdout } = await run('tar', ['-tzf', fileURLToPath(artifact.artifact)]);
      expect(stdout.trim().split('\n').sort()).toEqual(
        ['VERSION', 'bin/', 'bin/common.sh', 'bin/restart.sh', 'bin/start.sh', 'bin/stop.sh', server, ...(runtime === 'perl' ? ['RUNTIME'] : [])].sort(),
      );
      expect(readFileSync(join(releaseDir, 'VERSION'), 'utf8').trim()).toBe('1.2.3');
    });

    it('is deterministic: the same version gives the same digest', async () => {
      const again = await build('1.2.3', join(root, 'dist-again'), runtime);
      expect(again.sha256).toBe(artifact.sha256);
      const other = await build('1.2.4', join(root, 'dist-again'), runtime);
      expect(other.sha256).not.toBe(artifact.sha256);
    });

    it('rejects a version that is not a plain name', async () => {
      await expect(run(buildScript, ['../evil', join(root, 'dist-bad')])).rejects.toMatchObject({ code: 2 });
    });
  });

  describe('bin/ scripts', () => {
    it('start.sh starts the app in the background and waits until it answers', async () => {
      const { stdout } = await script('start.sh');
      expect(stdout).toContain('example-app 1.2.3 started');
      expect(existsSync(pidFile)).toBe(true);
      const health = await httpGet(port, '/health');
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toEqual({ status: 'ok', version: '1.2.3', instanceId: 'i-test' });
      expect(await httpGet(port, '/')).toEqual({ status: 200, body: 'hello from example-app 1.2.3\n' });
      expect((await httpGet(port, '/nope')).status).toBe(404);
    });

    it('start.sh again is a no-op', async () => {
      const pid = readFileSync(pidFile, 'utf8').trim();
      const { stdout } = await script('start.sh');
      expect(stdout).toContain(`already running (pid ${pid})`);
      expect(readFileSync(pidFile, 'utf8').trim()).toBe(pid);
    });

    it('a FAIL_HEALTH file in the release makes /health answer 500', async () => {
      writeFileSync(join(releaseDir, 'FAIL_HEALTH'), '');
      try {
        const health = await httpGet(port, '/health');
        expect(health.status).toBe(500);
        expect(JSON.parse(health.body)).toMatchObject({ version: '1.2.3' });
      } finally {
        rmSync(join(releaseDir, 'FAIL_HEALTH'));
      }
      expect((await httpGet(port, '/health')).status).toBe(200);
    });

    it('stop.sh stops it and closes the port; stop.sh again is a no-op', async () => {
      const { stdout } = await script('stop.sh');
      expect(stdout).toContain('example-app stopped');
      expect(await portOpen(port)).toBe(false);
      expect(existsSync(pidFile)).toBe(false);
      expect((await script('stop.sh')).stdout).toContain('not running');
      expect(readFileSync(join(installDir, 'shared', 'app.log'), 'utf8')).toContain('SIGTERM, finishing in-flight requests');
    });

    it('EXAMPLE_APP_FAIL_HEALTH=1 makes /health answer 500; restart.sh brings it back healthy', async () => {
      env = { ...env, EXAMPLE_APP_FAIL_HEALTH: '1' };
      await script('start.sh');
      expect((await httpGet(port, '/health')).status).toBe(500);
      const { EXAMPLE_APP_FAIL_HEALTH: _dropped, ...rest } = env;
      env = rest;
      await script('restart.sh');
      expect((await httpGet(port, '/health')).status).toBe(200);
      await script('stop.sh');
      expect(await portOpen(port)).toBe(false);
    });

    it("a start whose app died while another start took over leaves the other's pid file alone", async () => {
      // A boot script's start (the old release) racing a deploy's restart (the new one): the
      // restart stops the app this start launched and writes its own app's pid. A stand-in for
      // the runtime does exactly that, then exits; the start must not delete the newer pid file.
      const shims = join(root, 'shims');
      mkdirSync(shims, { recursive: true });
      const real = (await run('sh', ['-c', `command -v ${runtime}`])).stdout.trim();
      writeFileSync(
        join(shims, runtime),
        `#!/bin/sh\ncase "$1" in *server.js|*server.pl) sleep 0.3; echo 424242 > "$TAKEN_OVER_PID_FILE"; exit 1 ;; esac\nexec ${real} "$@"\n`,
        { mode: 0o755 },
      );
      const racing = { ...env, PATH: `${shims}:${process.env.PATH}`, TAKEN_OVER_PID_FILE: pidFile };
      await expect(run(join(installDir, 'current', 'bin', 'start.sh'), [], { env: racing })).rejects.toMatchObject({ code: 1 });
      expect(readFileSync(pidFile, 'utf8').trim()).toBe('424242');
      rmSync(pidFile);
    });

    it('start.sh fails with the log tail when the app cannot listen', async () => {
      // Something else holds the port (and hangs up on anyone who connects).
      const blocker = createServer((socket) => socket.destroy());
      await new Promise<void>((done) => blocker.listen(port, '127.0.0.1', done));
      try {
        await expect(script('start.sh')).rejects.toMatchObject({
          code: 1,
          stderr: expect.stringMatching(/EADDRINUSE|Address already in use/),
        });
        expect(existsSync(pidFile)).toBe(false);
      } finally {
        await new Promise((done) => blocker.close(done));
      }
    });
  });
});
