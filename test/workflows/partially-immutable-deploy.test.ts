import type { DeployRequest } from '../../src/contracts';
import { partiallyImmutableDeploy } from '../../src/workflows';
import { FakeToolset, oldFleet } from './helpers/fake-toolset';
import { eachStepFailsAndCancels, retiringIsFinal, type StepCase } from './helpers/step-matrix';
import { deployFailure, deployRequest, EAST, finalStatus, statusWhen, WEST, WorkflowTests } from './helpers/workflow-tests';

const OLD = (region: string) => `i-${region}-old-1 i-${region}-old-2`;
const NEW = (region: string) => `i-${region}-fleet-1 i-${region}-fleet-2`;

/** The undo steps of the partial procedure in one region: the report line and the call each makes. */
const UNDO = {
  traffic: { report: `put the old fleet back in service in ${EAST}`, call: `shiftTraffic ${EAST} +[${OLD(EAST)}] -[${NEW(EAST)}]` },
  fleet: { report: `terminate the new fleet in ${EAST}`, call: `terminateInstances ${EAST} fleets of the run` },
};

/** Every step of the procedure (one region), the phase it runs in, and the undo steps a failure there runs, newest first. */
const STEPS: StepCase<keyof typeof UNDO>[] = [
  { step: 'find the latest baked image', tool: 'findLatestImage', type: 'NoImageInCatalog', phase: 'resolving', undo: [] },
  { step: 'find the live fleet', tool: 'findFleet', type: 'UnauthorizedOperation', phase: 'launching', undo: [] },
  { step: 'launch the fleet', tool: 'launchInstances', type: 'InsufficientInstanceCapacity', phase: 'launching', undo: ['fleet'] },
  { step: 'place the release', tool: 'syncCode', type: 'CommandFailed', phase: 'launching', undo: ['fleet'] },
  { step: 'run the post-deploy tasks', tool: 'runOnInstances', type: 'CommandFailed', phase: 'launching', undo: ['fleet'] },
  { step: 'smoke test the fleet', tool: 'smokeTest', type: 'SmokeTestFailed', phase: 'launching', undo: ['fleet'] },
  { step: 'make live', tool: 'shiftTraffic', match: (i) => i.register[0]?.includes('-fleet-'), type: 'WaitTimedOut', phase: 'promoting', undo: ['traffic', 'fleet'] },
];

describe('partiallyImmutableDeploy', () => {
  let tests: WorkflowTests;
  beforeAll(async () => {
    tests = await WorkflowTests.start();
  });
  afterAll(async () => {
    await tests?.teardown();
  });

  const fakeFor = (request: DeployRequest) => new FakeToolset({ fleets: Object.fromEntries(request.spec.regions.map((r) => [r, oldFleet(r, 2)])) });
  const failureMessage = (cause: string) => `partial deploy of example-app 2.0.0 to unit failed: ${cause}`;

  it('launches from the latest baked image, places the release, verifies, makes live and retires, in that order', async () => {
    const request = deployRequest('partial');
    const tools = fakeFor(request);
    const result = await tests.run(tools, async ({ start }) => (await start(partiallyImmutableDeploy, request)).result());
    expect(tools.lines()).toEqual([
      `findLatestImage ${EAST}`,
      `findFleet ${EAST}`,
      `launchInstances ${EAST} fleet x2 from ami-catalog-${EAST}`,
      `syncCode ${EAST} [${NEW(EAST)}] deploy 2.0.0`,
      `runOnInstances ${EAST} [${NEW(EAST)}] "post-deploy 2.0.0"`,
      `smokeTest [${NEW(EAST)}] 2.0.0`,
      `shiftTraffic ${EAST} +[${NEW(EAST)}] -[${OLD(EAST)}]`,
      `terminateInstances ${EAST} [${OLD(EAST)}]`,
    ]);
    expect(result).toEqual({
      procedure: 'partial', app: 'example-app', env: 'unit', version: '2.0.0',
      regions: [{ region: EAST, imageId: `ami-catalog-${EAST}`, instanceIds: NEW(EAST).split(' '), retiredInstanceIds: OLD(EAST).split(' ') }],
    });
  });

  it('looks up every region\'s image before launching anything, then runs the regions side by side', async () => {
    const request = deployRequest('partial', { regions: [EAST, WEST] });
    const tools = fakeFor(request);
    await tests.run(tools, async ({ start }) => (await start(partiallyImmutableDeploy, request)).result());
    expect(tools.lines().slice(0, 2).sort()).toEqual([`findLatestImage ${EAST}`, `findLatestImage ${WEST}`]);
    for (const region of [EAST, WEST]) {
      expect(tools.linesIn(region).slice(1)).toEqual([
        `findFleet ${region}`,
        `launchInstances ${region} fleet x2 from ami-catalog-${region}`,
        `syncCode ${region} [${NEW(region)}] deploy 2.0.0`,
        `runOnInstances ${region} [${NEW(region)}] "post-deploy 2.0.0"`,
        `smokeTest [${NEW(region)}] 2.0.0`,
        `shiftTraffic ${region} +[${NEW(region)}] -[${OLD(region)}]`,
        `terminateInstances ${region} [${OLD(region)}]`,
      ]);
    }
  });

  it('fails before launching anything when one region has no baked image', async () => {
    const request = deployRequest('partial', { regions: [EAST, WEST] });
    const tools = fakeFor(request).fail('findLatestImage', 'NoImageInCatalog', `no baked image of example-app in ${WEST}`, (i) => i.region === WEST);
    await tests.run(tools, async ({ start }) => {
      const failure = await deployFailure(await start(partiallyImmutableDeploy, request));
      expect(failure.message).toBe(failureMessage(`no baked image of example-app in ${WEST}`));
      expect(failure.compensation).toEqual([]);
      expect(tools.lines((c) => c.name !== 'findLatestImage')).toEqual([]);
    });
  });

  eachStepFailsAndCancels({
    tests: () => tests,
    fake: () => fakeFor(deployRequest('partial')),
    start: ({ start }) => start(partiallyImmutableDeploy, deployRequest('partial')),
    failureMessage,
    undo: () => UNDO,
    steps: STEPS,
  });

  it('at "place the release", when an instance cannot take it: fails naming the instance, after terminating the new fleet', async () => {
    const request = deployRequest('partial');
    const tools = fakeFor(request).on('syncCode', ({ instanceIds }) => ({
      results: instanceIds.map((instanceId, k) =>
        k === 1
          ? { instanceId, ok: false, previousVersion: '', changed: false, error: 'Failed (exit 1): sha256 mismatch' }
          : { instanceId, ok: true, previousVersion: '', changed: true },
      ),
    }));
    await tests.run(tools, async ({ start }) => {
      const handle = await start(partiallyImmutableDeploy, request);
      const failure = await deployFailure(handle);
      const cause = `syncing 2.0.0 failed on 1 of 2 instance(s) of 2 instance(s) in ${EAST}; i-${EAST}-fleet-2: Failed (exit 1): sha256 mismatch`;
      expect(failure).toMatchObject({ message: failureMessage(cause), root: { type: 'SyncFailed', message: cause }, chain: ['ApplicationFailure', 'ApplicationFailure'] });
      expect(failure.compensation).toEqual([`ok: ${UNDO.fleet.report}`]);
      expect(tools.lines().slice(-2)).toEqual([`syncCode ${EAST} [${NEW(EAST)}] deploy 2.0.0`, UNDO.fleet.call]);
    });
  });

  it('at "make live" in one region: puts both regions back on their old fleets, then terminates the new ones', async () => {
    const request = deployRequest('partial', { regions: [EAST, WEST] });
    const tools = fakeFor(request).fail('shiftTraffic', 'WaitTimedOut', 'targets never became healthy', (i) => i.region === WEST && i.register[0]?.includes('-fleet-'));
    await tests.run(tools, async ({ start }) => {
      const failure = await deployFailure(await start(partiallyImmutableDeploy, request));
      // Both regions' traffic undo steps were registered last (east, then west): they run first, west first.
      expect(failure.compensation.slice(0, 2)).toEqual([`ok: put the old fleet back in service in ${WEST}`, `ok: put the old fleet back in service in ${EAST}`]);
      expect(failure.compensation.slice(2).sort()).toEqual([`ok: terminate the new fleet in ${EAST}`, `ok: terminate the new fleet in ${WEST}`]);
    });
  });

  retiringIsFinal({
    tests: () => tests,
    fake: () => fakeFor(deployRequest('partial')),
    start: ({ start }) => start(partiallyImmutableDeploy, deployRequest('partial')),
    failureMessage,
  });

  it('shows the phase and each region\'s progress in the status query while a step is blocked', async () => {
    const request = deployRequest('partial', { regions: [EAST, WEST] });
    const tools = fakeFor(request);
    const westSync = tools.block('syncCode', (i) => i.region === WEST);
    const eastShift = tools.block('shiftTraffic', (i) => i.region === EAST);
    await tests.run(tools, async ({ start }) => {
      const handle = await start(partiallyImmutableDeploy, request);
      await westSync.reached;
      const status = await statusWhen(handle, 'west placing its release', (s) => s.regions[WEST]?.phase === 'verifying');
      expect(status).toMatchObject({
        procedure: 'partial', phase: 'launching',
        regions: { [WEST]: { phase: 'verifying', imageId: `ami-catalog-${WEST}`, oldInstances: OLD(WEST).split(' '), newInstances: NEW(WEST).split(' ') } },
      });
      westSync.release();
      await eastShift.reached;
      const promoting = await statusWhen(handle, 'promoting', (s) => s.phase === 'promoting');
      expect([promoting.regions[EAST].phase, promoting.regions[WEST].phase]).toEqual(['promoting', 'promoting']);
      eastShift.release();
      await handle.result();
      expect((await finalStatus(handle)).phase).toBe('done');
    });
  });
});
