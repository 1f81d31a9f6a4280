import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { mutableDeploy, partiallyImmutableDeploy, fullyImmutableDeploy } from '../../src/workflows';
import { approveUpdate, type ApprovalRequest } from '../../src/workflows/messages';
import { newIds, oldIds } from './helpers/expected-calls';
import { FakeToolset, oldFleet } from './helpers/fake-toolset';
import { deployFailure, deployRequest, EAST, finalStatus, imageNameOf, statusWhen, WEST, WorkflowTests } from './helpers/workflow-tests';

/** The Update's rejection message (the validator's), or 'accepted'. */
async function tryDecide(handle: WorkflowHandle, request: ApprovalRequest): Promise<string> {
  try {
    await handle.executeUpdate(approveUpdate, { args: [request] });
    return 'accepted';
  } catch (error) {
    if (!(error instanceof WorkflowUpdateFailedError)) throw error;
    return (error.cause as Error).message;
  }
}

const atTheGate = (handle: WorkflowHandle) => statusWhen(handle, 'waiting at the approval gate', (s) => s.approval?.state === 'waiting');
const partial = (options: Parameters<typeof deployRequest>[1] = {}) => ({ ...deployRequest('partial', options), requireApproval: true });

describe('the approval gate', () => {
  const tests = WorkflowTests.forThisFile();

  it('holds a partial deploy after every region passed its checks, and moves traffic once approved', async () => {
    const request = partial({ regions: [EAST, WEST] });
    const tools = FakeToolset.withOldFleets(request.spec.regions);
    await tests.run(tools, async ({ start }) => {
      const handle = await start(partiallyImmutableDeploy, request);
      const waiting = await atTheGate(handle);
      expect(waiting.phase).toBe('waiting-for-approval');
      expect(waiting.approval).toMatchObject({ state: 'waiting', waiting: { kind: 'new-fleets' } });
      expect(waiting.approval!.waiting.instanceIds.sort()).toEqual([...newIds(EAST).split(' '), ...newIds(WEST).split(' ')].sort());
      expect(Date.parse(waiting.approval!.deadline) - Date.parse(waiting.approval!.waitingSince)).toBe(4 * 3_600_000);
      // Both regions verified their fleets; no traffic moved.
      expect(tools.callsOf('smokeTest')).toHaveLength(2);
      expect(tools.callsOf('shiftTraffic')).toHaveLength(0);

      const decision = await handle.executeUpdate(approveUpdate, { args: [{ approve: true, by: 'alice' }] });
      expect(decision).toMatchObject({ approved: true, by: 'alice' });
      await handle.result();
      expect(tools.linesIn(EAST).slice(-2)).toEqual([`shiftTraffic ${EAST} +[${newIds(EAST)}] -[${oldIds(EAST)}]`, `terminateInstances ${EAST} [${oldIds(EAST)}]`]);
      const status = await finalStatus(handle);
      expect(status.approval).toMatchObject({ state: 'approved', decision: { approved: true, by: 'alice', at: decision.at } });
      expect(status.phase).toBe('done');
    });
  });

  it('refuses a decision while the deploy is not waiting, a rejection without a reason, and a nameless decider', async () => {
    const request = partial();
    const tools = FakeToolset.withOldFleets(request.spec.regions);
    const smoke = tools.block('smokeTest');
    await tests.run(tools, async ({ start }) => {
      const handle = await start(partiallyImmutableDeploy, request);
      await smoke.reached;
      await statusWhen(handle, 'launching', (s) => s.phase === 'launching');
      expect(await tryDecide(handle, { approve: true, by: 'alice' })).toBe('this deploy is not waiting for approval: it is in phase launching');
      smoke.release();
      await atTheGate(handle);
      expect(await tryDecide(handle, { approve: false, by: 'bob' })).toBe('a rejection needs a reason (--reason "why")');
      expect(await tryDecide(handle, { approve: false, by: 'bob', reason: '   ' })).toBe('a rejection needs a reason (--reason "why")');
      expect(await tryDecide(handle, { approve: true, by: ' ' })).toBe('name who decides (--by NAME, 1-100 characters)');
      // Refused decisions leave no trace: the deploy still waits, and no Update was accepted into history.
      const { events } = await handle.fetchHistory();
      expect(events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);
      expect((await finalStatus(handle)).approval?.state).toBe('waiting');
      expect(await tryDecide(handle, { approve: true, by: 'carol' })).toBe('accepted');
      await handle.result();
    });
  });

  it('on rejection compensates exactly like a failure: the new fleet is terminated and the old one never left service', async () => {
    const request = partial();
    const tools = FakeToolset.withOldFleets(request.spec.regions);
    await tests.run(tools, async ({ start }) => {
      const handle = await start(partiallyImmutableDeploy, request);
      await atTheGate(handle);
      await handle.executeUpdate(approveUpdate, { args: [{ approve: false, by: 'bob', reason: 'error rate on the new fleet' }] });
      const failure = await deployFailure(handle);
      expect(failure.root.type).toBe('DeployRejected');
      expect(failure.message).toMatch(/^partial deploy of example-app 2\.0\.0 to unit failed: rejected by bob at \S+: error rate on the new fleet$/);
      expect(failure.compensation).toEqual([`ok: terminate the new fleet in ${EAST}`]);
      expect(tools.callsOf('shiftTraffic')).toEqual([]);
      expect(tools.lines().slice(-1)).toEqual([`terminateInstances ${EAST} fleets of the run`]);
      const status = await finalStatus(handle);
      expect(status.approval).toMatchObject({ state: 'rejected', decision: { approved: false, by: 'bob', reason: 'error rate on the new fleet' } });
      expect(status.phase).toBe('failed');
    });
  });

  it('times out after approval.timeoutHours and compensates, as after a rejection', async () => {
    const request = deployRequest('immutable', { spec: (s) => (s.approval = { required: true, timeoutHours: 0.0005 }) });
    const tools = FakeToolset.withOldFleets(request.spec.regions);
    await tests.run(tools, async ({ start }) => {
      const handle = await start(fullyImmutableDeploy, request);
      const failure = await deployFailure(handle);
      expect(failure.root).toEqual({ type: 'ApprovalTimedOut', message: 'nobody approved the deploy within 0.0005h (approval.timeoutHours)' });
      expect(failure.compensation).toEqual([`ok: terminate the new fleet in ${EAST}`, `ok: deregister image ${imageNameOf(request, handle)} in ${EAST}`]);
      expect(tools.callsOf('shiftTraffic')).toEqual([]);
      const status = await finalStatus(handle);
      expect(status.approval?.state).toBe('timed-out');
      // The wait is a timer, named in the history.
      const { events } = await handle.fetchHistory();
      expect(events?.filter((e) => e.timerStartedEventAttributes).map((e) => e.userMetadata?.summary?.data && Buffer.from(e.userMetadata.summary.data).toString())).toEqual([
        '"wait for approval (times out after 0.0005h)"',
      ]);
    });
  });

  it('adds nothing to a deploy that does not require approval: no timer, no phase, no status', async () => {
    const request = deployRequest('partial');
    const tools = FakeToolset.withOldFleets(request.spec.regions);
    await tests.run(tools, async ({ start }) => {
      const handle = await start(partiallyImmutableDeploy, request);
      await handle.result();
      const { events } = await handle.fetchHistory();
      expect(events?.filter((e) => e.timerStartedEventAttributes)).toEqual([]);
      expect((await finalStatus(handle)).approval).toBeUndefined();
    });
  });

  describe('for a mutable deploy: the first batch of every region is the canary', () => {
    const mutable = () => ({ ...deployRequest('mutable', { regions: [EAST, WEST], rollout: { batchSize: 1, minHealthy: 1 } }), requireApproval: true });
    const fake = () => new FakeToolset({ fleets: { [EAST]: oldFleet(EAST, 3), [WEST]: oldFleet(WEST, 3) } });

    it('updates and verifies one batch per region, waits, then does the rest once approved', async () => {
      const tools = fake();
      await tests.run(tools, async ({ start }) => {
        const handle = await start(mutableDeploy, mutable());
        const waiting = await atTheGate(handle);
        expect(waiting.approval!.waiting).toMatchObject({ kind: 'canary', fleetSize: 6 });
        expect(waiting.approval!.waiting.instanceIds.sort()).toEqual([`i-${EAST}-old-1`, `i-${WEST}-old-1`]);
        expect(tools.callsOf('syncCode').map((c) => c.input.instanceIds).sort()).toEqual([[`i-${EAST}-old-1`], [`i-${WEST}-old-1`]]);
        expect([...tools.versions.entries()].filter(([, v]) => v === '2.0.0').map(([id]) => id).sort()).toEqual([`i-${EAST}-old-1`, `i-${WEST}-old-1`]);
        await handle.executeUpdate(approveUpdate, { args: [{ approve: true, by: 'alice' }] });
        await handle.result();
        expect([...tools.versions.values()]).toEqual(Array(6).fill('2.0.0'));
        expect(tools.callsOf('syncCode')).toHaveLength(6);
        const status = await finalStatus(handle);
        expect(status.regions[EAST]).toMatchObject({ phase: 'done', batchesDone: 3, batchesTotal: 3, updated: 3 });
      });
    });

    it('on rejection rolls every canary back to its previous release', async () => {
      const tools = fake();
      await tests.run(tools, async ({ start }) => {
        const handle = await start(mutableDeploy, mutable());
        await atTheGate(handle);
        await handle.executeUpdate(approveUpdate, { args: [{ approve: false, by: 'bob', reason: 'latency up on the canary' }] });
        const failure = await deployFailure(handle);
        expect(failure.root.type).toBe('DeployRejected');
        expect(failure.compensation.sort()).toEqual([`ok: roll back the canary in ${EAST}`, `ok: roll back the canary in ${WEST}`]);
        expect([...tools.versions.values()]).toEqual(Array(6).fill('1.0.0'));
        expect(tools.callsOf('syncCode', (i) => i.mode === 'rollback').map((c) => c.input.instanceIds).sort()).toEqual([[`i-${EAST}-old-1`], [`i-${WEST}-old-1`]]);
      });
    });
  });
});
