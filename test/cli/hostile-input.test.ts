import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import fc from 'fast-check';
import { exec } from '../../src/cli/exec';
import { startDeployWorld, type CliRun, type DeployWorld } from '../helpers/deploy-world';

/**
 * Careless and hostile input at the CLI: every case exits 2, names the field or flag at fault,
 * makes no AWS call (the sandbox's call counts stay empty) and starts no workflow.
 */
describe('hybrid-deploy deploy with hostile and careless input', () => {
  let world: DeployWorld;
  const work = mkdtempSync(join(tmpdir(), 'hd-hostile-cli-'));
  const envs: string[] = [];

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'instant', worker: false });
    await world.sandbox.control.resetCalls();
  });
  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await world?.close();
  });

  /** A deploy of a fresh env with the example spec and artifact; `change` edits the flags. */
  async function deploy(change: (flags: Record<string, string>) => void = () => undefined): Promise<CliRun & { problems: { path: string; message: string }[] }> {
    const env = world.uniqueEnv('hostile');
    envs.push(env);
    const { url, sha256 } = world.artifact('1.0.0');
    const flags: Record<string, string> = { '--procedure': 'immutable', '--spec': world.spec(), '--env': env, '--version': '1.0.0', '--artifact': url, '--sha256': sha256 };
    change(flags);
    const run = await world.cli(['deploy', ...Object.entries(flags).flatMap(([k, v]) => [k, v]), '--json']);
    let problems = [];
    try {
      problems = JSON.parse(run.stdout).problems ?? [];
    } catch {
      // Not JSON: the assertion on the exit code says what happened.
    }
    return { ...run, problems };
  }

  const specWith = (change: (spec: Record<string, any>) => void) => (flags: Record<string, string>) => (flags['--spec'] = world.spec(change));

  const cases: [string, (flags: Record<string, string>) => void, string | RegExp, RegExp][] = [
    ['a reserved hybrid-deploy: tag', specWith((s) => (s.tags = { 'hybrid-deploy:expires-at': '2000-01-01T00:00:00Z' })), 'tags.hybrid-deploy:expires-at', /reserved prefix/],
    ['a reserved aws: tag, in any case', specWith((s) => (s.tags = { 'AWS:CloudFormation': 'x' })), 'tags.AWS:CloudFormation', /reserved prefix/],
    ['a command holding a NUL byte', specWith((s) => (s.postDeploy = ['echo a\u0000b'])), 'postDeploy[0]', /NUL byte/],
    ['an artifact URL with user:password@', (f) => (f['--artifact'] = 'https://deploy:hunter2@artifacts.example.com/app.tar.gz'), '--artifact', /embeds credentials .*s3:\/\//],
    ['a file:// URL naming a host', (f) => (f['--artifact'] = 'file://fileserver/srv/app.tar.gz'), '--artifact', /no host/],
    ['a file:// URL with an encoded slash', (f) => (f['--artifact'] = 'file:///srv/a%2Fb.tar.gz'), '--artifact', /not a file path/],
    ['an ftp:// URL', (f) => (f['--artifact'] = 'ftp://artifacts.example.com/app.tar.gz'), '--artifact', /is not an artifact URL/],
    ['a URL with a newline', (f) => (f['--artifact'] = 'https://a.example/x\n.tar.gz'), '--artifact', /whitespace or control/],
    ['a FIFO as the spec', (f) => (f['--spec'] = fifo('spec.yaml')), /spec\.yaml$/, /is not a regular file \(a FIFO\)/],
    ['a device as the spec', (f) => (f['--spec'] = '/dev/zero'), '/dev/zero', /is not a regular file \(a device\)/],
    ['a directory as the spec', (f) => (f['--spec'] = work), work, /is not a regular file \(a directory\)/],
    ['a 2 MiB spec', (f) => (f['--spec'] = big()), /big\.yaml$/, /at most 1048576/],
    ['a spec that is not YAML', (f) => (f['--spec'] = file('broken.yaml', 'app: [\n  api_key: NOTPRINTED: x\n')), /broken\.yaml$/, /is not valid YAML or JSON/],
    ['a FIFO as the .sha256 sidecar', (f) => sidecarFifo(f), /^--sha256 \(read from .*\.sha256\)$/, /a FIFO/],
    ['a version with shell in it', (f) => (f['--version'] = '1.0.0;reboot'), '--version', /is not a version/],
    ['an env with a path in it', (f) => (f['--env'] = '../prod'), '--env', /is not an environment name/],
    ['a webhook URL with user:password@', specWith((s) => (s.notify = { webhooks: [{ url: 'https://bot:hunter2@hooks.example.com/NOTPRINTED' }] })), 'notify.webhooks[0].url', /not an http\(s\) URL .*not shown: a webhook URL is a secret/],
    ['a webhook URL that is not one', specWith((s) => (s.notify = { webhooks: [{ url: 'hooks.example.com/NOTPRINTED' }] })), 'notify.webhooks[0].url', /not an http\(s\) URL/],
    ['a webhook event that does not exist', specWith((s) => (s.notify = { webhooks: [{ url: 'https://hooks.example.com/T', events: ['deployed'] }] })), 'notify.webhooks[0].events[0]', /waiting-for-approval/],
    ['an approval that times out at once', specWith((s) => (s.approval = { required: true, timeoutHours: 0 })), 'approval.timeoutHours', /too small|>0/i],
  ];

  function file(name: string, text: string): string {
    const path = join(work, name);
    writeFileSync(path, text);
    return path;
  }
  function fifo(name: string): string {
    const path = join(work, `${Math.random().toString(36).slice(2)}-${name}`);
    execFileSync('mkfifo', [path]);
    return path;
  }
  function big(): string {
    return file('big.yaml', `app: x\n# ${'x'.repeat(2 * 1024 * 1024)}\n`);
  }
  function sidecarFifo(flags: Record<string, string>): void {
    const artifact = join(work, `${Math.random().toString(36).slice(2)}.tar.gz`);
    copyFileSync(fileURLToPath(world.artifact('1.0.0').url), artifact);
    execFileSync('mkfifo', [`${artifact}.sha256`]);
    flags['--artifact'] = pathToFileURL(artifact).href;
    delete flags['--sha256'];
  }

  it.each(cases)('refuses %s: exit 2, naming the field', async (_name, change, path, message) => {
    const run = await deploy(change);
    expect({ code: run.code, stderr: run.code === 2 ? '' : run.stderr }).toEqual({ code: 2, stderr: '' });
    expect(run.problems).toEqual(expect.arrayContaining([{ path: typeof path === 'string' ? path : expect.stringMatching(path), message: expect.stringMatching(message) }]));
    for (const secret of ['hunter2', 'NOTPRINTED']) expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it('refuses any URL carrying credentials, never printing them (generated URLs)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.webUrl(), fc.stringMatching(/^[A-Za-z0-9]{1,12}$/), fc.stringMatching(/^[A-Za-z0-9]{6,16}$/), async (base, user, password) => {
        const url = new URL(base);
        url.username = user;
        url.password = `P${password}`;
        const run = await deploy((f) => (f['--artifact'] = url.href));
        return run.code === 2 && run.problems.some((p) => p.path === '--artifact' && /embeds credentials/.test(p.message)) && !(run.stdout + run.stderr).includes(`P${password}`);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses a presigned URL when the CLI holds no codec key to seal it (and connects, but starts nothing)', async () => {
    const env = world.uniqueEnv('nokey');
    envs.push(env);
    const url = `${world.artifact('1.0.0').url.replace('file://', 'https://artifacts.example.com')}?X-Amz-Signature=NOTPRINTED`;
    let stdout = '';
    let stderr = '';
    const unsealed = new Client({ connection: world.client.connection, namespace: 'default' });
    const code = await exec(['deploy', '--procedure', 'immutable', '--spec', world.spec(), '--env', env, '--version', '1.0.0', '--artifact', url, '--task-queue', world.taskQueue], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env: {},
      connect: async () => unsealed,
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--artifact: the URL carries a query string .* set HYBRID_DEPLOY_CODEC_KEYS/);
    expect(stdout + stderr).not.toContain('NOTPRINTED');
  });

  it('refuses webhooks when the CLI holds no codec key to seal their URLs (and connects, but starts nothing)', async () => {
    const env = world.uniqueEnv('nokey');
    envs.push(env);
    const { url, sha256 } = world.artifact('1.0.0');
    const spec = world.spec((s) => (s.notify = { webhooks: [{ url: 'https://hooks.example.com/services/NOTPRINTED', format: 'slack' }] }));
    let stdout = '';
    let stderr = '';
    const unsealed = new Client({ connection: world.client.connection, namespace: 'default' });
    const code = await exec(['deploy', '--procedure', 'immutable', '--spec', spec, '--env', env, '--version', '1.0.0', '--artifact', url, '--sha256', sha256, '--task-queue', world.taskQueue], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env: {},
      connect: async () => unsealed,
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/notify\.webhooks: a webhook URL is a secret, which would be readable in workflow history: set HYBRID_DEPLOY_CODEC_KEYS .*nothing was started/);
    expect(stdout + stderr).not.toContain('NOTPRINTED');
  });

  it('made no AWS call and started no workflow for any of them', async () => {
    expect(await world.sandbox.control.calls()).toEqual({});
    expect(envs.length).toBeGreaterThan(cases.length);
    for (const env of envs) {
      const described = await world.client.workflow.getHandle(`deploy/example-app/${env}`).describe().catch((e: unknown) => e);
      expect(described).toBeInstanceOf(WorkflowNotFoundError);
    }
  });
});
