import { deployArgs, leftovers, NOTHING_LEFT, startDeployWorld, type DeployWorld } from '../helpers/deploy-world';
import { fleetOf } from '../helpers/outcomes';
import { EXAMPLE_COMMAND_OUTPUT_BUCKET } from '../../sandbox';

/** 2,500 numbered lines of 89 characters: 222,500 bytes, far past the 24,000 characters SSM's API returns. */
const BIG_OUTPUT = `awk 'BEGIN { for (i = 1; i <= 2500; i++) printf "post-deploy line %06d %s\\n", i, "................................................................" }'`;
const BIG_BYTES = 2500 * 89;

/**
 * SSM's API returns the first 24,000 characters of a command's stdout (8,000 of stderr); with the
 * spec's commandOutput, every command the product runs keeps its whole output in S3 (the sandbox's,
 * through the real S3 client), `hybrid-deploy logs` prints it, and a failure report shows the end.
 */
describe('the whole output of every command, after the fact', () => {
  let world: DeployWorld;
  const spec = (postDeploy: string[]) =>
    world.spec((s) => {
      s.regions = ['us-east-1'];
      delete s.regionSettings['us-west-2'];
      s.regionSettings['us-east-1'].desiredCount = 1;
      s.commandOutput = { s3Bucket: EXAMPLE_COMMAND_OUTPUT_BUCKET, s3KeyPrefix: 'deploys' };
      s.postDeploy = postDeploy;
    });

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('keeps a 200 KB post-deploy output whole, and `logs` prints it by step and instance', async () => {
    const env = world.uniqueEnv('out');
    const run = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec: spec([BIG_OUTPUT]) }));
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    const [fleet] = await fleetOf(world, env, 'us-east-1');

    const logs = await world.cli(['logs', 'example-app', env, '--json']);
    expect({ code: logs.code, err: logs.stderr }).toEqual({ code: 0, err: '' });
    const document = JSON.parse(logs.stdout) as { runId: string; location: string; outputs: { step: string; instanceId: string; stream: string; bytes: number; text: string }[] };
    expect(document.runId).toBe(runId);
    expect(document.location).toBe(`s3://${EXAMPLE_COMMAND_OUTPUT_BUCKET}/deploys/example-app/${env}/${runId}/`);
    // The bake's provisioning on the builder (its commands' output streamed to stderr), then the fleet's post-deploy tasks.
    expect(document.outputs.map((o) => `${o.step} ${o.stream}`)).toEqual(['bake stdout', 'bake stderr', 'post-deploy stdout']);
    const post = document.outputs.find((o) => o.step === 'post-deploy')!;
    expect({ instance: post.instanceId, bytes: post.bytes, length: post.text.length }).toEqual({ instance: fleet.id, bytes: BIG_BYTES, length: BIG_BYTES });
    const lines = post.text.trimEnd().split('\n');
    expect({ count: lines.length, first: lines[0].slice(0, 23), last: lines.at(-1)!.slice(0, 23) }).toEqual({ count: 2500, first: 'post-deploy line 000001', last: 'post-deploy line 002500' });
    expect(document.outputs.find((o) => o.step === 'bake' && o.stream === 'stdout')!.text).toMatch(/hybrid-deploy:changed=true/);

    // Filtered, as text: one header, then the output whole.
    const text = await world.cli(['logs', 'example-app', env, '--run', runId, '--step', 'post-deploy', '--instance', fleet.id]);
    expect(text.code).toBe(0);
    const [header, ...body] = text.stdout.split('\n');
    expect(header).toMatch(new RegExp(`^==> post-deploy ${fleet.id} stdout \\(command [0-9a-f-]+, ${BIG_BYTES} bytes\\) <==$`));
    expect(body.join('\n').trimEnd()).toBe(post.text.trimEnd());
  });

  it('reports the end of a failed command (what went wrong), though its output ran far past what SSM returns', async () => {
    const env = world.uniqueEnv('out');
    const failing = `${BIG_OUTPUT} >&2; echo "migration 42 failed: the real reason is here" >&2; exit 3`;
    const run = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec: spec([failing]) }));
    expect(run.code).toBe(1);
    const { error, runId } = JSON.parse(run.stdout) as { error: string; runId: string };
    expect(error).toContain('migration 42 failed: the real reason is here');
    expect(error).toMatch(new RegExp(`whole output: s3://${EXAMPLE_COMMAND_OUTPUT_BUCKET}/deploys/example-app/${env}/${runId}/post-deploy/`));
    const logs = JSON.parse((await world.cli(['logs', 'example-app', env, '--step', 'post-deploy', '--json'])).stdout) as { outputs: { stream: string; text: string }[] };
    expect(logs.outputs.map((o) => o.stream)).toEqual(['stderr']);
    const reason = 'migration 42 failed: the real reason is here\ncommand 1 of 1 failed (exit 3)\n';
    expect({ length: logs.outputs[0].text.length, end: logs.outputs[0].text.slice(-reason.length) }).toEqual({ length: BIG_BYTES + reason.length, end: reason });
    expect(await leftovers(world, env)).toEqual(NOTHING_LEFT);
  });

  it('says so when a deploy kept no output, and refuses a bad filter before any call', async () => {
    const env = world.uniqueEnv('out');
    const plain = world.spec((s) => {
      s.regions = ['us-east-1'];
      delete s.regionSettings['us-west-2'];
      s.regionSettings['us-east-1'].desiredCount = 1;
    });
    expect((await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec: plain }))).code).toBe(0);
    const none = await world.cli(['logs', 'example-app', env, '--json']);
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stdout)).toMatchObject({ code: 'NO_COMMAND_OUTPUT', error: expect.stringContaining('its spec has no commandOutput') });
    const connects = world.temporalConnects;
    const bad = await world.cli(['logs', 'example-app', env, '--step', 'deploy', '--instance', 'web-1', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).problems.map((p: { path: string }) => p.path)).toEqual(['--step', '--instance']);
    expect(world.temporalConnects).toBe(connects);
  });
});
