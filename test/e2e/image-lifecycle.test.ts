import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateLaunchTemplateCommand, RunInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { deployArgs, startDeployWorld, type CliRun, type DeployWorld } from '../helpers/deploy-world';
import { until } from '../helpers/outcomes';

const ROOT = join(__dirname, '..', '..');
const APP = 'example-app';

/**
 * The image lifecycle end to end, through the CLI: a bake whose inputs did not change is not
 * baked again (the sandbox's call counts prove it), a change of base image, package list or
 * artifact bakes again; `images` lists the catalog with what retention decides; `housekeeping`
 * keeps the newest N and every image in use, deregisters the rest with their snapshots, and runs
 * from a Temporal Schedule with a note, dry run included.
 */
describe('the image lifecycle: bake keys, retention and housekeeping', () => {
  let world: DeployWorld;
  const schedules: string[] = [];
  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
  });
  afterAll(async () => {
    for (const id of schedules) await world.client.schedule.getHandle(id).delete().catch(() => undefined);
    await world?.close();
  });

  const ok = (run: CliRun) => ({ code: run.code, err: run.code ? run.stdout + run.stderr : '' });
  const live = async (filter: (tags: Record<string, string>) => boolean) =>
    (await world.sandbox.control.resources()).images.filter((i) => !i.deregistered && i.tags['hybrid-deploy:app'] === APP && filter(i.tags));
  const bake = (env: string, version: string, spec: string, artifact = world.artifact(version), extra: string[] = []) =>
    world.cli(['bake', '--spec', spec, '--env', env, '--version', version, '--artifact', artifact.url, '--sha256', artifact.sha256, '--wait', '--json', '--task-queue', world.taskQueue, ...extra]);

  /** The example app of `version` with one more file: the same version from other bytes. */
  const otherBytes = (version: string) => {
    const staging = mkdtempSync(join(tmpdir(), 'hd-other-'));
    cpSync(join(ROOT, 'examples', 'app'), staging, { recursive: true });
    writeFileSync(join(staging, 'VERSION'), `${version}\n`);
    writeFileSync(join(staging, 'NOTES'), 'rebuilt: the same version from other bytes\n');
    mkdirSync(join(staging, 'out'));
    const file = join(staging, 'out', `example-app-${version}-rebuilt.tar.gz`);
    execFileSync('tar', ['-C', staging, '-czf', file, 'server.js', 'VERSION', 'bin', 'NOTES']);
    return { url: pathToFileURL(file).href, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
  };

  describe('bake keys', () => {
    let env: string;
    let spec: string;
    let firstImages: { id: string; region: string }[];
    let firstKey: string;

    it('a second immutable deploy of the same version and artifact bakes nothing: no builder, no CreateImage; it says which image it reused', async () => {
      env = world.uniqueEnv('reuse');
      spec = world.spec();
      expect(ok(await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '9.0.0', spec, reuseImages: true })))).toEqual({ code: 0, err: '' });
      firstImages = (await live((t) => t['hybrid-deploy:env'] === env && t['hybrid-deploy:version'] === '9.0.0')).map((i) => ({ id: i.id, region: i.region }));
      expect(firstImages.map((i) => i.region).sort()).toEqual(['us-east-1', 'us-west-2']);
      firstKey = (await live((t) => t['hybrid-deploy:env'] === env))[0].tags['hybrid-deploy:bake-key'];
      expect(firstKey).toMatch(/^[0-9a-f]{64}$/);

      await world.sandbox.control.resetCalls();
      const again = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '9.0.0', spec, reuseImages: true }));
      expect(ok(again)).toEqual({ code: 0, err: '' });
      const calls = await world.sandbox.control.calls();
      expect({ createImage: calls['ec2:CreateImage'] ?? 0, copyImage: calls['ec2:CopyImage'] ?? 0 }).toEqual({ createImage: 0, copyImage: 0 });
      const builders = (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:env'] === env && i.tags['hybrid-deploy:role'] === 'builder');
      expect(builders).toHaveLength(1); // the first deploy's, terminated; none from the second
      const result = JSON.parse(again.stdout).result;
      const usEast = firstImages.find((i) => i.region === 'us-east-1')!.id;
      expect(result.reusedImage).toMatchObject({ imageId: usEast, region: 'us-east-1' });
      // Each region's fleet launched from the image that region already had.
      expect(result.regions.map((r: { region: string; imageId: string }) => [r.region, r.imageId]).sort()).toEqual(firstImages.map((i) => [i.region, i.id]).sort());
      expect(await world.servedVersion('us-west-2')).toBe('9.0.0');

      // The text output says it too.
      const text = await world.cli(['status', APP, env, '--json']);
      expect(JSON.parse(text.stdout).status.reusedImage.imageId).toBe(usEast);
    });

    it('--force-bake bakes anyway, and the new image carries the same key', async () => {
      await world.sandbox.control.resetCalls();
      const forced = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '9.0.0', spec, reuseImages: true, extra: ['--force-bake'] }));
      expect(ok(forced)).toEqual({ code: 0, err: '' });
      // At least one CreateImage (AWS may refuse the first one right after the builder stopped).
      expect((await world.sandbox.control.calls())['ec2:CreateImage']).toBeGreaterThanOrEqual(1);
      const result = JSON.parse(forced.stdout).result;
      expect(result.reusedImage).toBeUndefined();
      const baked = (await live((t) => t['hybrid-deploy:env'] === env)).filter((i) => !firstImages.some((f) => f.id === i.id));
      expect(baked.map((i) => i.region).sort()).toEqual(['us-east-1', 'us-west-2']);
      expect(new Set(baked.map((i) => i.tags['hybrid-deploy:bake-key']))).toEqual(new Set([firstKey]));
    });

    it('a changed package list, base image or artifact bakes again', async () => {
      const changes: [string, string, { url: string; sha256: string } | undefined][] = [
        ['packages', world.spec((s) => (s.bake.packages = [...s.bake.packages, 'jq'])), undefined],
        ['base image', world.spec((s) => (s.baseImage = firstImages.find((i) => i.region === 'us-east-1')!.id)), undefined],
        ['artifact', spec, otherBytes('9.0.0')],
      ];
      for (const [what, changedSpec, artifact] of changes) {
        const bakeEnv = world.uniqueEnv('rebake');
        await world.sandbox.control.resetCalls();
        const run = await bake(bakeEnv, '9.0.0', changedSpec, artifact ?? world.artifact('9.0.0'));
        expect({ what, ...ok(run) }).toEqual({ what, code: 0, err: '' });
        const baked = await live((t) => t['hybrid-deploy:env'] === bakeEnv);
        expect({ what, baked: baked.map((i) => i.region).sort() }).toEqual({ what, baked: ['us-east-1', 'us-west-2'] });
        expect({ what, newKey: baked[0].tags['hybrid-deploy:bake-key'] !== firstKey, builder: ((await world.sandbox.control.calls())['ec2:RunInstances'] ?? 0) > 0 }).toEqual({ what, newKey: true, builder: true });
        expect({ what, reused: JSON.parse(run.stdout).result.reusedImage }).toEqual({ what, reused: undefined });
      }
    });

    it('a bake that changes nothing reuses too, and copies only to the regions that lack the image', async () => {
      // Only the bake region holds an image of these inputs: the nightly bake copies it to the other.
      const oneRegion = world.spec((s) => {
        s.regions = ['us-east-1'];
        delete s.regionSettings['us-west-2'];
        s.bake.packages = [...s.bake.packages, 'htop'];
      });
      expect(ok(await bake(world.uniqueEnv('one'), '9.1.0', oneRegion))).toEqual({ code: 0, err: '' });
      const twoRegions = world.spec((s) => (s.bake.packages = [...s.bake.packages, 'htop']));
      await world.sandbox.control.resetCalls();
      const run = await bake(world.uniqueEnv('two'), '9.1.0', twoRegions);
      expect(ok(run)).toEqual({ code: 0, err: '' });
      const calls = await world.sandbox.control.calls();
      expect({ create: calls['ec2:CreateImage'] ?? 0, copy: calls['ec2:CopyImage'] ?? 0 }).toEqual({ create: 0, copy: 1 });
    });
  });

  describe('retention and housekeeping', () => {
    let spec: string;
    let env: string;
    const versions = Array.from({ length: 10 }, (_, i) => `10.0.${i}`);
    let imageOf: (version: string, region: string) => string;

    beforeAll(async () => {
      env = world.uniqueEnv('keep');
      spec = world.spec((s) => {
        s.retention = { keep: 3, minAgeDays: 0 };
        // An app of its own, so other tests' images are not in its catalog.
        s.app = 'kept-app';
      });
      for (const version of versions) expect({ version, ...ok(await bake(env, version, spec)) }).toEqual({ version, code: 0, err: '' });
      const images = (await world.sandbox.control.resources()).images.filter((i) => i.tags['hybrid-deploy:app'] === 'kept-app' && !i.deregistered);
      imageOf = (version, region) => images.find((i) => i.tags['hybrid-deploy:version'] === version && i.region === region)!.id;
      expect(images).toHaveLength(20);
    });

    const keptApp = async () => (await world.sandbox.control.resources()).images.filter((i) => i.tags['hybrid-deploy:app'] === 'kept-app' && !i.deregistered);

    it('images lists every image per region with its age, version, bake key, size and why it stays or would go; removes nothing', async () => {
      // An instance someone stopped still needs its image; so does a launch template.
      const ec2 = world.aws.ec2('us-east-1');
      const { Instances } = await ec2.send(new RunInstancesCommand({ ImageId: imageOf('10.0.1', 'us-east-1'), MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }));
      await until('the instance to be running', async () => ((await world.sandbox.control.resources()).instances.find((i) => i.id === Instances![0].InstanceId && i.state === 'running') ? true : undefined));
      await ec2.send(new StopInstancesCommand({ InstanceIds: [Instances![0].InstanceId!] }));
      await until('the instance to be stopped', async () => ((await world.sandbox.control.resources()).instances.find((i) => i.id === Instances![0].InstanceId && i.state === 'stopped') ? true : undefined));
      await world.aws.ec2('us-west-2').send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'kept-app-asg', LaunchTemplateData: { ImageId: imageOf('10.0.2', 'us-west-2'), InstanceType: 't3.micro' } }));
      await world.sandbox.control.resetCalls();

      const run = await world.cli(['images', '--spec', spec, '--json', '--task-queue', world.taskQueue]);
      expect(ok(run)).toEqual({ code: 0, err: '' });
      expect((await world.sandbox.control.calls())['ec2:DeregisterImage'] ?? 0).toBe(0);
      const report = JSON.parse(run.stdout).report;
      const east = report.regions.find((r: { region: string }) => r.region === 'us-east-1');
      expect(east.images).toHaveLength(10);
      for (const image of east.images) {
        expect(image).toMatchObject({ state: 'available', sizeGiB: 8, bakeKey: expect.stringMatching(/^[0-9a-f]{64}$/), ageDays: expect.any(Number) });
      }
      const decision = (region: string, version: string) =>
        report.regions.find((r: { region: string }) => r.region === region).images.find((i: { version: string }) => i.version === version).decision;
      expect(decision('us-east-1', '10.0.9')).toEqual({ action: 'keep', reason: expect.stringContaining('newest') });
      expect(decision('us-east-1', '10.0.7')).toEqual({ action: 'keep', reason: 'among the newest 3' });
      expect(decision('us-east-1', '10.0.1')).toEqual({ action: 'keep', reason: expect.stringContaining('stopped') });
      expect(decision('us-west-2', '10.0.2')).toEqual({ action: 'keep', reason: expect.stringContaining('launch template kept-app-asg') });
      expect(decision('us-east-1', '10.0.2')).toEqual({ action: 'remove', reason: expect.stringContaining('not in use') });
      expect(report.freedGiB).toBe(8 * 12);
      expect(await keptApp()).toHaveLength(20);
      const text = await world.cli(['images', '--spec', spec, '--task-queue', world.taskQueue]);
      expect(text.stdout).toContain('would be freed');
    });

    it('housekeeping on a schedule: visible with a note; a dry run removes nothing; a run keeps three per region plus those in use, and no snapshot without its image', async () => {
      const scheduleId = 'housekeeping/kept-app';
      schedules.push(scheduleId);
      const dry = await world.cli(['housekeeping', '--spec', spec, '--schedule', '0 4 * * *', '--dry-run', '--json', '--task-queue', world.taskQueue]);
      expect(ok(dry)).toEqual({ code: 0, err: '' });
      expect(JSON.parse(dry.stdout)).toMatchObject({ scheduleId, created: true, dryRun: true });
      const description = await world.client.schedule.getHandle(scheduleId).describe();
      expect(description.state.note).toMatch(/dry run.*kept-app.*newest 3/);

      const runOf = async (actionsBefore: number) => {
        await world.client.schedule.getHandle(scheduleId).trigger();
        const action = await until('the schedule to start a run', async () => {
          const { info } = await world.client.schedule.getHandle(scheduleId).describe();
          return info.recentActions.length > actionsBefore ? info.recentActions[info.recentActions.length - 1] : undefined;
        });
        return world.client.workflow.getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId).result();
      };
      const dryReport = await runOf(0);
      expect(dryReport).toMatchObject({ dryRun: true, freedGiB: 8 * 12 });
      expect(await keptApp()).toHaveLength(20);

      // The same command without --dry-run updates the schedule in place.
      const real = await world.cli(['housekeeping', '--spec', spec, '--schedule', '0 4 * * *', '--json', '--task-queue', world.taskQueue]);
      expect(JSON.parse(real.stdout)).toMatchObject({ scheduleId, created: false, dryRun: false });
      const report = await runOf(1);
      expect(report).toMatchObject({ dryRun: false, freedGiB: 8 * 12 });
      const left = await keptApp();
      const byRegion = (region: string) => left.filter((i) => i.region === region).map((i) => i.tags['hybrid-deploy:version']).sort();
      expect(byRegion('us-east-1')).toEqual(['10.0.1', '10.0.7', '10.0.8', '10.0.9']);
      expect(byRegion('us-west-2')).toEqual(['10.0.2', '10.0.7', '10.0.8', '10.0.9']);

      const resources = await world.sandbox.control.resources();
      const liveImageSnapshots = new Set(resources.images.filter((i) => !i.deregistered).flatMap((i) => i.snapshotIds));
      const stranded = resources.snapshots.filter((s) => !s.deleted && s.tags['hybrid-deploy:app'] === 'kept-app' && !liveImageSnapshots.has(s.id));
      expect(stranded).toEqual([]);

      // Run now, by hand: nothing more to remove.
      const again = await world.cli(['housekeeping', '--spec', spec, '--json', '--task-queue', world.taskQueue]);
      expect(ok(again)).toEqual({ code: 0, err: '' });
      expect(JSON.parse(again.stdout).report).toMatchObject({ freedGiB: 0, keptGiB: 8 * 8 });
    });
  });
});
