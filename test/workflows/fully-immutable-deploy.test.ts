import { TagKeys, type DeployRequest } from '../../src/contracts';
import { fullyImmutableDeploy } from '../../src/workflows';
import { until } from '../helpers/outcomes';
import { asideBuilderTermination, bakeCalls, newFleetCalls, newIds, oldIds } from './helpers/expected-calls';
import { FakeToolset, type RecordedCall } from './helpers/fake-toolset';
import { eachStepFailsAndCancels, retiringIsFinal, type StepCase } from './helpers/step-matrix';
import { cancellationSeen, deployFailure, deployRequest, EAST, expectCancelled, finalStatus, imageNameOf, statusWhen, WEST, WorkflowTests } from './helpers/workflow-tests';


/** The undo steps of the immutable procedure in one region: the report line and the call each makes. */
const undoSteps = (image: string) => ({
  traffic: { report: `put the old fleet back in service in ${EAST}`, call: `shiftTraffic ${EAST} +[${oldIds(EAST)}] -[${newIds(EAST)}]` },
  fleet: { report: `terminate the new fleet in ${EAST}`, call: `terminateInstances ${EAST} fleets of the run` },
  image: { report: `deregister image ${image} in ${EAST}`, call: `deregisterImage ${EAST} ${image}` },
  builder: { report: `terminate the builder in ${EAST}`, call: `terminateInstances ${EAST} builders of the run` },
});
type Undo = keyof ReturnType<typeof undoSteps>;

const isBuilder = (id: string | undefined) => !!id?.includes('-builder-');

/** Every step of the procedure (one region), the phase it runs in, and the undo steps a failure there runs, newest first. */
const STEPS: StepCase<Undo>[] = [
  { step: 'check before any change', tool: 'preflight', type: 'PreflightFailed', phase: 'starting', undo: [] },
  { step: 'resolve the base image', tool: 'resolveBaseImage', type: 'BaseImageNotFound', phase: 'resolving', undo: [] },
  { step: 'launch the builder', tool: 'launchInstances', match: (i) => i.role === 'builder', type: 'InstanceLost', phase: 'baking', undo: ['builder'] },
  { step: 'place the release on the builder', tool: 'syncCode', type: 'SyncFailed', phase: 'baking', undo: ['builder'] },
  { step: 'smoke test the builder', tool: 'smokeTest', match: (i) => isBuilder(i.targets[0].instanceId), type: 'SmokeTestFailed', phase: 'baking', undo: ['builder'] },
  { step: 'bake the image', tool: 'bakeAmi', type: 'ImageFailed', phase: 'baking', undo: ['image', 'builder'] },
  // The builder terminates beside the fleet launch; its undo step stays until it is gone, just before going live.
  { step: 'terminate the builder', tool: 'terminateInstances', match: (i) => isBuilder(i.instanceIds?.[0]), type: 'WaitTimedOut', phase: 'launching', undo: ['fleet', 'image', 'builder'], beside: 'the fleet launch' },
  { step: 'find the live fleet', tool: 'findFleet', type: 'UnauthorizedOperation', phase: 'launching', undo: ['image', 'builder'], beside: 'the builder’s termination' },
  { step: 'launch the fleet', tool: 'launchInstances', match: (i) => i.role === 'fleet', type: 'InstanceLost', phase: 'launching', undo: ['fleet', 'image', 'builder'] },
  { step: 'run the post-deploy tasks', tool: 'runOnInstances', type: 'CommandFailed', phase: 'launching', undo: ['fleet', 'image', 'builder'] },
  { step: 'smoke test the fleet', tool: 'smokeTest', match: (i) => !isBuilder(i.targets[0].instanceId), type: 'SmokeTestFailed', phase: 'launching', undo: ['fleet', 'image', 'builder'] },
  { step: 'make live', tool: 'shiftTraffic', match: (i) => i.register[0]?.includes('-fleet-'), type: 'WaitTimedOut', phase: 'promoting', undo: ['traffic', 'fleet', 'image'] },
];

describe('fullyImmutableDeploy', () => {
  const tests = WorkflowTests.forThisFile();

  const fakeFor = (request: DeployRequest) => FakeToolset.withOldFleets(request.spec.regions);

  it('bakes, launches, verifies, makes live and retires, in that order, in one region', async () => {
    const request = deployRequest('immutable');
    const tools = fakeFor(request);
    const result = await tests.run(tools, async ({ start }) => {
      const handle = await start(fullyImmutableDeploy, request);
      const result = await handle.result();
      expect((await finalStatus(handle)).phase).toBe('done');
      return result;
    });
    expect(asideBuilderTermination(tools.lines(), EAST)).toEqual({
      lines: ['preflight immutable', ...bakeCalls(EAST), ...newFleetCalls(EAST, `ami-baked-${EAST}`)],
      termination: 'once, after the bake, before going live',
    });
    expect(result).toEqual({
      procedure: 'immutable', app: 'example-app', env: 'unit', version: '2.0.0',
      regions: [{ region: EAST, imageId: `ami-baked-${EAST}`, instanceIds: newIds(EAST).split(' '), retiredInstanceIds: oldIds(EAST).split(' ') }],
    });
  });

  it('reuses an image with the same bake key: no builder, no bake; copies only into the regions that lack one', async () => {
    const request = deployRequest('immutable', { regions: [EAST, WEST] });
    const tools = new FakeToolset({
      ...FakeToolset.withOldFleets(request.spec.regions).world,
      reusableImages: [{ region: EAST, imageId: 'ami-earlier', imageName: 'hybrid-deploy/example-app/2.0.0/earlier', bakedAt: '2026-11-30T00:00:00.000Z', bakedBy: 'deploy/example-app/unit run earlier' }],
    });
    const result = await tests.run(tools, async ({ start }) => (await start(fullyImmutableDeploy, request)).result());
    expect(tools.lines().slice(0, 3)).toEqual(['preflight immutable', `resolveBaseImage ${EAST} /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`, `findReusableImage ${EAST} ${WEST} from ami-base-${EAST}`]);
    expect(tools.callsOf('bakeAmi')).toEqual([]);
    expect(tools.callsOf('launchInstances').map((c) => c.input.role)).toEqual(['fleet', 'fleet']);
    expect(tools.linesIn(WEST)).toEqual([`copyAmi ${EAST}/ami-earlier to ${WEST}`, ...newFleetCalls(WEST, `ami-copy-${WEST}`)]);
    expect(result.reusedImage).toMatchObject({ imageId: 'ami-earlier', region: EAST });
    expect(result.regions.map((r) => [r.region, r.imageId])).toEqual([[EAST, 'ami-earlier'], [WEST, `ami-copy-${WEST}`]]);
  });

  it('bakes anyway with forceBake, though an image with the same key exists', async () => {
    const request = { ...deployRequest('immutable'), forceBake: true };
    const tools = new FakeToolset({
      ...FakeToolset.withOldFleets(request.spec.regions).world,
      reusableImages: [{ region: EAST, imageId: 'ami-earlier', imageName: 'x', bakedAt: '2026-11-30T00:00:00.000Z', bakedBy: 'y' }],
    });
    const result = await tests.run(tools, async ({ start }) => (await start(fullyImmutableDeploy, request)).result());
    expect(asideBuilderTermination(tools.lines(), EAST)).toEqual({
      lines: ['preflight immutable', ...bakeCalls(EAST), ...newFleetCalls(EAST, `ami-baked-${EAST}`)],
      termination: 'once, after the bake, before going live',
    });
    expect(tools.callsOf('bakeAmi')[0].input).toMatchObject({ bakeKey: 'key-1' });
    expect(result.reusedImage).toBeUndefined();
  });

  it('copies the image to every other region and makes every region live only once each has passed its checks', async () => {
    const request = deployRequest('immutable', { regions: [EAST, WEST] });
    const tools = fakeFor(request);
    const result = await tests.run(tools, async ({ start }) => (await start(fullyImmutableDeploy, request)).result());
    expect(asideBuilderTermination(tools.linesIn(EAST), EAST)).toEqual({
      lines: [...bakeCalls(EAST, null), ...newFleetCalls(EAST, `ami-baked-${EAST}`)],
      termination: 'once, after the bake, before going live',
    });
    expect(tools.linesIn(WEST)).toEqual([`copyAmi ${EAST}/ami-baked-${EAST} to ${WEST}`, ...newFleetCalls(WEST, `ami-copy-${WEST}`)]);
    // No region goes live before every region's fleet passed its smoke test; none retires before every region is live.
    const last = (match: (c: RecordedCall) => boolean) => tools.calls.map(match).lastIndexOf(true);
    expect(last((c) => c.name === 'smokeTest')).toBeLessThan(tools.indexOf((c) => c.name === 'shiftTraffic'));
    expect(last((c) => c.name === 'shiftTraffic')).toBeLessThan(tools.indexOf((c) => c.name === 'terminateInstances' && !!(c.input as { instanceIds?: string[] }).instanceIds?.[0]?.includes('-old-')));
    expect(result.regions.map((r) => [r.region, r.imageId])).toEqual([[EAST, `ami-baked-${EAST}`], [WEST, `ami-copy-${WEST}`]]);
  });

  eachStepFailsAndCancels({
    tests,
    fake: () => fakeFor(deployRequest('immutable')),
    start: ({ start }) => start(fullyImmutableDeploy, deployRequest('immutable')),
    failureMessage: (cause) => `immutable deploy of example-app 2.0.0 to unit failed: ${cause}`,
    undo: (handle) => undoSteps(imageNameOf(deployRequest('immutable'), handle)),
    steps: STEPS,
  });

  it('at "copy the image": undoes the launch the other region had started, then both images, newest first', async () => {
    const request = deployRequest('immutable', { regions: [EAST, WEST] });
    const tools = fakeFor(request);
    const eastLaunch = tools.block('launchInstances', (i) => i.region === EAST && i.role === 'fleet');
    const copy = tools.block('copyAmi');
    await tests.run(tools, async ({ start }) => {
      const handle = await start(fullyImmutableDeploy, request);
      const launch = await eastLaunch.reached;
      await copy.reached;
      copy.fail('ImageFailed', 'copy failed: snapshot missing');
      const failure = await deployFailure(handle);
      const image = imageNameOf(request, handle);
      // The other region's launch was cancelled, and had ended, before anything was undone.
      expect(launch.outcome).toBe('cancelled');
      const copyCall = await copy.reached;
      const firstUndo = tools.calls.find((c) => c.startedAt > copyCall.endedAt!)!;
      expect(firstUndo.line).toBe(`terminateInstances ${EAST} fleets of the run`);
      expect(launch.endedAt).toBeLessThan(firstUndo.startedAt);
      expect(failure.message).toBe('immutable deploy of example-app 2.0.0 to unit failed: copy failed: snapshot missing');
      expect(failure.compensation).toEqual([
        `ok: terminate the new fleet in ${EAST}`,
        `ok: deregister image ${image} in ${WEST}`,
        `ok: deregister image ${image} in ${EAST}`,
        `ok: terminate the builder in ${EAST}`,
      ]);
      expect(tools.linesAfterFailure().slice(-4)).toEqual([
        `terminateInstances ${EAST} fleets of the run`, `deregisterImage ${WEST} ${image}`, `deregisterImage ${EAST} ${image}`, `terminateInstances ${EAST} builders of the run`,
      ]);
    });
  });

  it('at "make live" in one region: puts every region back on its old fleet before terminating the new ones', async () => {
    const request = deployRequest('immutable', { regions: [EAST, WEST] });
    const tools = fakeFor(request).fail('shiftTraffic', 'WaitTimedOut', 'targets never became healthy', (i) => i.region === WEST && i.register[0]?.includes('-fleet-'));
    // The west region's fleet undo is registered after the east's (copy first): hold its lookup until the east has launched.
    const westLookup = tools.block('findFleet', (i) => i.region === WEST);
    await tests.run(tools, async ({ start }) => {
      const handle = await start(fullyImmutableDeploy, request);
      await westLookup.reached;
      await until('the east fleet launch', async () => (tools.indexOf((c) => c.line.startsWith(`launchInstances ${EAST} fleet`)) >= 0 ? true : undefined));
      westLookup.release();
      const failure = await deployFailure(handle);
      const image = imageNameOf(request, handle);
      expect(failure.compensation).toEqual([
        `ok: put the old fleet back in service in ${WEST}`,
        `ok: put the old fleet back in service in ${EAST}`,
        `ok: terminate the new fleet in ${WEST}`,
        `ok: terminate the new fleet in ${EAST}`,
        `ok: deregister image ${image} in ${WEST}`,
        `ok: deregister image ${image} in ${EAST}`,
      ]);
      expect(tools.linesAfterFailure().filter((l) => l.startsWith('shiftTraffic')).slice(-2)).toEqual([
        `shiftTraffic ${WEST} +[${oldIds(WEST)}] -[${newIds(WEST)}]`,
        `shiftTraffic ${EAST} +[${oldIds(EAST)}] -[${newIds(EAST)}]`,
      ]);
    });
  });

  it('reports an undo step that fails and still runs the ones after it', async () => {
    const request = deployRequest('immutable');
    const tools = fakeFor(request)
      .fail('smokeTest', 'SmokeTestFailed', 'health check answered 500', (i) => !isBuilder(i.targets[0].instanceId))
      .fail('terminateInstances', 'UnauthorizedOperation', 'not allowed to terminate', (i) => i.ownedBy?.role === 'fleet');
    await tests.run(tools, async ({ start }) => {
      const handle = await start(fullyImmutableDeploy, request);
      const failure = await deployFailure(handle);
      const image = imageNameOf(request, handle);
      expect(failure.compensation).toEqual([`FAILED: terminate the new fleet in ${EAST}: not allowed to terminate`, `ok: deregister image ${image} in ${EAST}`, `ok: terminate the builder in ${EAST}`]);
      expect(tools.linesAfterFailure()).toEqual([undoSteps(image).fleet.call, undoSteps(image).image.call, undoSteps(image).builder.call]);
    });
  });

  it('keeps the builder, stopped and tagged with an expiry, instead of terminating it when keepBuilderOnFailure is set', async () => {
    const request = deployRequest('immutable', { spec: (s) => (s.bake.keepBuilderOnFailure = true) });
    const tools = fakeFor(request).fail('bakeAmi', 'ImageFailed', 'disk full');
    const before = Date.now();
    await tests.run(tools, async ({ start }) => {
      const handle = await start(fullyImmutableDeploy, request);
      const failure = await deployFailure(handle);
      const image = imageNameOf(request, handle);
      expect(failure.compensation).toEqual([`ok: deregister image ${image} in ${EAST}`, `ok: keep the builder in ${EAST} for inspection: stopped, expires in 24h`]);
      expect(tools.linesAfterFailure()).toEqual([`deregisterImage ${EAST} ${image}`, `keepInstances ${EAST} builders of the run`]);
      const [keep] = tools.callsOf('keepInstances');
      expect(keep.input.ownedBy).toEqual({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId, role: 'builder' });
      const expiresAt = Date.parse(keep.input.tags[TagKeys.expiresAt]);
      const day = 24 * 3_600_000;
      expect(expiresAt).toBeGreaterThanOrEqual(before + day - 1_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + day);
    });
  });

  retiringIsFinal({
    tests,
    fake: () => fakeFor(deployRequest('immutable')),
    start: ({ start }) => start(fullyImmutableDeploy, deployRequest('immutable')),
    failureMessage: (cause) => `immutable deploy of example-app 2.0.0 to unit failed: ${cause}`,
  });

  it('does not carry a cancelled deploy past the point of no return when the last step finished before the cancellation reached it', async () => {
    const request = deployRequest('immutable');
    const tools = fakeFor(request);
    const shift = tools.block('shiftTraffic', (i) => i.register[0]?.includes('-fleet-'), { heartbeat: false });
    await tests.run(tools, async ({ start }) => {
      const handle = await start(fullyImmutableDeploy, request);
      const call = await shift.reached;
      await handle.cancel();
      await cancellationSeen(handle);
      shift.release();
      await expectCancelled(handle);
      const image = imageNameOf(request, handle);
      expect(call.outcome).toBe('ok');
      expect(tools.linesAfterFailure()).toEqual([]);
      expect(tools.lines().slice(-3)).toEqual([undoSteps(image).traffic.call, undoSteps(image).fleet.call, undoSteps(image).image.call]);
      expect((await finalStatus(handle)).compensation).toEqual(['traffic', 'fleet', 'image'].map((u) => `ok: ${undoSteps(image)[u as Undo].report}`));
    });
  });

  it('shows the phase and each region\'s progress in the status query while a step is blocked', async () => {
    const request = deployRequest('immutable', { regions: [EAST, WEST] });
    const tools = fakeFor(request);
    const westLaunch = tools.block('launchInstances', (i) => i.region === WEST && i.role === 'fleet');
    const eastSmoke = tools.block('smokeTest', (i) => i.targets[0].instanceId === `i-${EAST}-fleet-1`);
    await tests.run(tools, async ({ start }) => {
      const handle = await start(fullyImmutableDeploy, request);
      await Promise.all([westLaunch.reached, eastSmoke.reached]);
      const status = await statusWhen(handle, 'both regions at their blocked step', (s) => s.regions[EAST]?.phase === 'verifying' && s.regions[WEST]?.phase === 'launching');
      expect(status).toMatchObject({ procedure: 'immutable', app: 'example-app', env: 'unit', version: '2.0.0', phase: 'launching' });
      expect(Object.keys(status.regions)).toEqual([EAST, WEST]);
      expect(status.regions[EAST]).toMatchObject({
        phase: 'verifying', step: `smoke test 2.0.0 on 2 instance(s) in ${EAST}`, imageId: `ami-baked-${EAST}`, oldInstances: oldIds(EAST).split(' '), newInstances: newIds(EAST).split(' '),
      });
      expect(status.regions[WEST]).toMatchObject({ phase: 'launching', step: `launch 2 × t3.micro in ${WEST} from ami-copy-${WEST}`, imageId: `ami-copy-${WEST}`, oldInstances: oldIds(WEST).split(' ') });
      expect(status.regions[WEST].newInstances).toBeUndefined();
      westLaunch.release();
      eastSmoke.release();
      await handle.result();
      const done = await finalStatus(handle);
      expect([done.phase, done.regions[EAST].phase, done.regions[WEST].phase]).toEqual(['done', 'done', 'done']);
    });
  });
});
