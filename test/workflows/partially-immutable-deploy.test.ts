import type { DeployRequest } from '../../src/contracts';
import { partiallyImmutableDeploy } from '../../src/workflows';
import { newFleetCalls, newIds, oldIds } from './helpers/expected-calls';
import { FakeToolset } from './helpers/fake-toolset';
import { eachStepFailsAndCancels, retiringIsFinal, type StepCase } from './helpers/step-matrix';
import { deployFailure, deployRequest, EAST, finalStatus, statusWhen, WEST, WorkflowTests } from './helpers/workflow-tests';


/** The undo steps of the partial procedure in one region: the report line and the call each makes. */
const UNDO = {
  traffic: { report: `put the old fleet back in service in ${EAST}`, call: `shiftTraffic ${EAST} +[${oldIds(EAST)}] -[${newIds(EAST)}]` },
  fleet: { report: `terminate the new fleet in ${EAST}`, call: `terminateInstances ${EAST} fleets of the run` },
};

/** Every step of the procedure (one region), the phase it runs in, and the undo steps a failure there runs, newest first. */
const STEPS: StepCase<keyof typeof UNDO>[] = [
  { step: 'check before any change', tool: 'preflight', type: 'PreflightFailed', phase: 'starting', undo: [] },
  { step: 'find the latest baked image', tool: 'findLatestImage', type: 'NoImageInCatalog', phase: 'resolving', undo: [] },
  { step: 'find the live fleet', tool: 'findFleet', type: 'UnauthorizedOperation', phase: 'launching', undo: [] },
  { step: 'launch the fleet', tool: 'launchInstances', type: 'InsufficientInstanceCapacity', phase: 'launching', undo: ['fleet'] },
  { step: 'place the release', tool: 'syncCode', type: 'CommandFailed', phase: 'launching', undo: ['fleet'] },
  { step: 'smoke test the fleet', tool: 'smokeTest', type: 'SmokeTestFailed', phase: 'launching', undo: ['fleet'] },
  { step: 'make live', tool: 'shiftTraffic', match: (i) => i.register[0]?.includes('-fleet-'), type: 'WaitTimedOut', phase: 'promoting', undo: ['traffic', 'fleet'] },
];

describe('partiallyImmutableDeploy', () => {
  const tests = WorkflowTests.forThisFile();

  const fakeFor = (request: DeployRequest) => FakeToolset.withOldFleets(request.spec.regions);
  const failureMessage = (cause: string) => `partial deploy of example-app 2.0.0 to unit failed: ${cause}`;

  it('launches from the latest baked image, places the release, verifies, makes live and retires, in that order', async () => {
    const request = deployRequest('partial');
    const tools = fakeFor(request);
    const result = await tests.run(tools, async ({ start }) => (await start(partiallyImmutableDeploy, request)).result());
    expect(tools.lines()).toEqual(['preflight partial', `findLatestImage ${EAST}`, ...newFleetCalls(EAST, `ami-catalog-${EAST}`, { placeRelease: true })]);
    expect(result).toEqual({
      procedure: 'partial', app: 'example-app', env: 'unit', version: '2.0.0',
      regions: [{ region: EAST, imageId: `ami-catalog-${EAST}`, instanceIds: newIds(EAST).split(' '), retiredInstanceIds: oldIds(EAST).split(' ') }],
    });
  });

  it('looks up every region\'s image before launching anything, then runs the regions side by side', async () => {
    const request = deployRequest('partial', { regions: [EAST, WEST] });
    const tools = fakeFor(request);
    await tests.run(tools, async ({ start }) => (await start(partiallyImmutableDeploy, request)).result());
    expect(tools.lines().slice(0, 3)).toEqual(['preflight partial', expect.stringMatching(/^findLatestImage /), expect.stringMatching(/^findLatestImage /)]);
    for (const region of [EAST, WEST]) {
      expect(tools.linesIn(region)).toEqual([`findLatestImage ${region}`, ...newFleetCalls(region, `ami-catalog-${region}`, { placeRelease: true })]);
    }
  });

  it('runs the post-deploy tasks in the placement’s own command; when they fail, the deploy fails as theirs and terminates the new fleet', async () => {
    const request = deployRequest('partial');
    const error = 'Failed (exit 1): post-deploy command 1 of 1 failed (exit 1)';
    const tools = fakeFor(request).on(
      'syncCode',
      async ({ instanceIds }) => ({ results: instanceIds.map((instanceId) => ({ instanceId, ok: false, previousVersion: '', changed: true, error, failedIn: 'post-deploy' as const })) }),
      undefined,
      1,
    );
    await tests.run(tools, async ({ start }) => {
      const failure = await deployFailure(await start(partiallyImmutableDeploy, request));
      expect(failure.message).toBe(failureMessage(`the post-deploy tasks of 2.0.0 failed on 2 of 2 instance(s) of 2 instance(s) in ${EAST}; i-${EAST}-fleet-1: ${error}`));
      expect(failure.root.type).toBe('CommandFailed');
      expect(failure.compensation).toEqual([`ok: terminate the new fleet in ${EAST}`]);
    });
    expect(tools.callsOf('syncCode').map((c) => c.input.postDeploy)).toEqual([request.spec.postDeploy]);
    expect(tools.callsOf('runOnInstances')).toEqual([]);
  });

  it('fails before launching anything when one region has no baked image', async () => {
    const request = deployRequest('partial', { regions: [EAST, WEST] });
    const tools = fakeFor(request).fail('findLatestImage', 'NoImageInCatalog', `no baked image of example-app in ${WEST}`, (i) => i.region === WEST);
    await tests.run(tools, async ({ start }) => {
      const failure = await deployFailure(await start(partiallyImmutableDeploy, request));
      expect(failure.message).toBe(failureMessage(`no baked image of example-app in ${WEST}`));
      expect(failure.compensation).toEqual([]);
      expect(tools.lines((c) => c.name !== 'findLatestImage')).toEqual(['preflight partial']);
    });
  });

  eachStepFailsAndCancels({
    tests,
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
      expect(tools.lines().slice(-2)).toEqual([`syncCode ${EAST} [${newIds(EAST)}] deploy 2.0.0 +post-deploy`, UNDO.fleet.call]);
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
    tests,
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
        regions: { [WEST]: { phase: 'verifying', imageId: `ami-catalog-${WEST}`, oldInstances: oldIds(WEST).split(' '), newInstances: newIds(WEST).split(' ') } },
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
