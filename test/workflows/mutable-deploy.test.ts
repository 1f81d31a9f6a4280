import type { WorkflowHandle } from '@temporalio/client';
import { planBatches, type FleetMember } from '../../src/contracts';
import { mutableDeploy, rollingSync } from '../../src/workflows';
import type { RollingSyncInput } from '../../src/workflows/rolling-sync';
import { statusQuery } from '../../src/workflows/messages';
import { FakeToolset, oldFleet, type ToolName } from './helpers/fake-toolset';
import { deployFailure, deployRequest, EAST, expectCancelled, finalStatus, statusWhen, WEST, WorkflowTests, type DeployRequestOptions } from './helpers/workflow-tests';

const ids = (region: string, ...n: number[]) => n.map((k) => `i-${region}-old-${k}`).join(' ');

/**
 * One batch of a rolling sync: out of service, the release placed with its post-deploy tasks (one
 * command), smoke test, then back in service and retagged side by side (see {@link inBatchOrder}).
 */
const batchCalls = (region: string, batch: string, version = '2.0.0') => [
  `shiftTraffic ${region} +[] -[${batch}]`,
  `syncCode ${region} [${batch}] deploy ${version} +post-deploy`,
  `smokeTest [${batch}] ${version}`,
  `shiftTraffic ${region} +[${batch}] -[]`,
  `tagInstances ${region} [${batch}] version=${version}`,
];

/**
 * A batch is put back in service and retagged at once, so the two calls may start in either
 * order: this puts every such pair in the order {@link batchCalls} lists it.
 */
function inBatchOrder(lines: string[]): string[] {
  const out = [...lines];
  for (let i = 0; i + 1 < out.length; i++) {
    const tag = /^tagInstances (\S+) \[(.*)\] version=/.exec(out[i]);
    if (tag && out[i + 1] === `shiftTraffic ${tag[1]} +[${tag[2]}] -[]`) [out[i], out[i + 1]] = [out[i + 1], out[i]];
  }
  return out;
}

/** Putting instances back on a previous release: out of service, then per previous version (in order) switch back, smoke test, retag; back in service. */
const rollbackCalls = (region: string, batch: string, groups: [string, string][]) => [
  `shiftTraffic ${region} +[] -[${batch}]`,
  ...groups.flatMap(([group, version]) => [
    `syncCode ${region} [${group}] rollback to ${version}`,
    `smokeTest [${group}] ${version}`,
    `tagInstances ${region} [${group}] version=${version}`,
  ]),
  `shiftTraffic ${region} +[${batch}] -[]`,
];

/** A fake whose live fleets are `fleets`. */
function fakeWith(fleets: Record<string, FleetMember[]>): FakeToolset {
  return new FakeToolset({ fleets });
}

const request = (options: DeployRequestOptions = {}) => deployRequest('mutable', options);
const failureMessage = (cause: string) => `mutable deploy of example-app 2.0.0 to unit failed: ${cause}`;

/**
 * Each step of the second of two batches (instances 3 and 4 of four): the call that makes it.
 * `beside`: the other of the two last steps runs at the same time, so it may be recorded after
 * the failure, before the undo steps.
 */
const BATCH_STEPS: { step: string; tool: ToolName; match: (input: any) => boolean; type: string; beside?: boolean }[] = [
  { step: 'take out of service', tool: 'shiftTraffic', match: (i) => i.deregister.includes(`i-${EAST}-old-3`), type: 'WaitTimedOut' },
  { step: 'place the release', tool: 'syncCode', match: (i) => i.instanceIds.includes(`i-${EAST}-old-3`), type: 'CommandFailed' },
  { step: 'smoke test', tool: 'smokeTest', match: (i) => i.targets[0].instanceId === `i-${EAST}-old-3`, type: 'SmokeTestFailed' },
  { step: 'put back in service', tool: 'shiftTraffic', match: (i) => i.register.includes(`i-${EAST}-old-3`), type: 'WaitTimedOut', beside: true },
  { step: 'retag the version', tool: 'tagInstances', match: (i) => i.instanceIds.includes(`i-${EAST}-old-3`), type: 'UnauthorizedOperation', beside: true },
];

/** Rolling back both batches of four instances on 1.0.0, newest first. */
const BOTH_BATCHES_BACK = [
  ...rollbackCalls(EAST, ids(EAST, 3, 4), [[ids(EAST, 3, 4), '1.0.0']]),
  ...rollbackCalls(EAST, ids(EAST, 1, 2), [[ids(EAST, 1, 2), '1.0.0']]),
];
const BOTH_BATCHES_REPORT = [`ok: roll back batch 2/2 in ${EAST}`, `ok: roll back batch 1/2 in ${EAST}`];

describe('mutableDeploy and its rollingSync children', () => {
  const tests = WorkflowTests.forThisFile();

  const childOf = (handle: WorkflowHandle, region: string, suffix = '') => tests.client.workflow.getHandle(`${handle.workflowId}/${region}${suffix}`);

  it('syncs the live fleet in batches, each out of service, verified, back in service and retagged', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 4) });
    await tests.run(tools, async ({ start }) => {
      const handle = await start(mutableDeploy, request());
      const result = await handle.result();
      expect(inBatchOrder(tools.lines())).toEqual(['preflight mutable', `findFleet ${EAST}`, ...batchCalls(EAST, ids(EAST, 1, 2)), ...batchCalls(EAST, ids(EAST, 3, 4))]);
      // The batches ran in the region's child workflow.
      expect(new Set(tools.calls.slice(2).map((c) => c.workflowId))).toEqual(new Set([`${handle.workflowId}/${EAST}`]));
      expect(result).toEqual({
        procedure: 'mutable', app: 'example-app', env: 'unit', version: '2.0.0',
        regions: [{ region: EAST, instanceIds: ids(EAST, 1, 2, 3, 4).split(' '), retiredInstanceIds: [] }],
      });
      expect([...tools.versions.values()]).toEqual(['2.0.0', '2.0.0', '2.0.0', '2.0.0']);
      expect((await finalStatus(handle)).regions[EAST]).toMatchObject({ phase: 'done', batchesDone: 2, batchesTotal: 2, updated: 4 });
    });
  });

  it('rolls out every region at once, each in its own child, with the batch size and floor of the request', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 3), [WEST]: oldFleet(WEST, 3) });
    await tests.run(tools, async ({ start }) => {
      const handle = await start(mutableDeploy, request({ regions: [EAST, WEST], rollout: { batchSize: 1, minHealthy: 2 } }));
      await handle.result();
      for (const region of [EAST, WEST]) {
        expect(inBatchOrder(tools.linesIn(region).slice(1))).toEqual([1, 2, 3].flatMap((k) => batchCalls(region, ids(region, k))));
        expect(new Set(tools.calls.filter((c) => c.region === region && c.name !== 'findFleet').map((c) => c.workflowId))).toEqual(new Set([`${handle.workflowId}/${region}`]));
      }
    });
  });

  it('fails at once, touching nothing, when the preflight finds a problem', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 2) }).fail('preflight', 'PreflightFailed', 'regionSettings.us-east-1.targetGroupArn: attached to no load balancer');
    await tests.run(tools, async ({ start }) => {
      const failure = await deployFailure(await start(mutableDeploy, request()));
      expect(failure).toMatchObject({ type: 'DeployFailed', root: { type: 'PreflightFailed' }, compensation: [] });
      expect(tools.lines()).toEqual(['preflight mutable']);
    });
  });

  it('fails at once, changing nothing, when a region has no live fleet', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 2), [WEST]: [] });
    await tests.run(tools, async ({ start }) => {
      const failure = await deployFailure(await start(mutableDeploy, request({ regions: [EAST, WEST] })));
      expect(failure).toMatchObject({ type: 'DeployFailed', root: { type: 'NoLiveFleet' }, compensation: [], chain: ['ApplicationFailure', 'ApplicationFailure'] });
      expect(failure.message).toContain(`no live fleet of example-app/unit in ${WEST}`);
      expect(tools.lines().sort()).toEqual([`findFleet ${EAST}`, `findFleet ${WEST}`, 'preflight mutable']);
    });
  });

  it('fails at once, changing nothing, when the healthy floor leaves no room for a batch', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 2) });
    await tests.run(tools, async ({ start }) => {
      const failure = await deployFailure(await start(mutableDeploy, request({ rollout: { minHealthy: '100%' } })));
      expect(failure).toMatchObject({ root: { type: 'InvalidRollout' }, compensation: [] });
      expect(failure.message).toContain(`${EAST}: min healthy "100%" keeps all 2 instance(s) in service`);
      expect(tools.lines()).toEqual(['preflight mutable', `findFleet ${EAST}`]);
    });
  });

  it('fails with DeployFailed when the live fleet cannot be found, changing nothing', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 4) }).fail('findFleet', 'UnauthorizedOperation', 'not allowed to describe instances');
    await tests.run(tools, async ({ start }) => {
      const failure = await deployFailure(await start(mutableDeploy, request()));
      expect(failure).toEqual({
        type: 'DeployFailed', message: failureMessage('not allowed to describe instances'), compensation: [],
        root: { type: 'UnauthorizedOperation', message: 'not allowed to describe instances' }, chain: ['ApplicationFailure', 'ActivityFailure', 'ApplicationFailure'], nested: [],
      });
    });
  });

  it('ends cancelled, changing nothing, when cancelled while finding the live fleet', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 4) });
    const lookup = tools.block('findFleet');
    await tests.run(tools, async ({ start }) => {
      const handle = await start(mutableDeploy, request());
      await lookup.reached;
      await statusWhen(handle, 'resolving', (s) => s.phase === 'resolving');
      await handle.cancel();
      await expectCancelled(handle);
      expect(tools.lines()).toEqual(['preflight mutable', `findFleet ${EAST}`]);
      expect((await lookup.reached).outcome).toBe('cancelled');
    });
  });

  describe.each(BATCH_STEPS)('at "$step" in the second batch', ({ step, tool, match, type, beside }) => {
    /** The calls since the failure: the undo steps, after the step that ran beside it if any. */
    const undoCalls = (tools: FakeToolset) => {
      const lines = tools.linesAfterFailure();
      if (beside) expect(lines.length - BOTH_BATCHES_BACK.length).toBeLessThanOrEqual(1);
      return beside ? lines.slice(-BOTH_BATCHES_BACK.length) : lines;
    };
    it('fails with DeployFailed naming the cause, after the region rolled back both batches, newest first', async () => {
      const tools = fakeWith({ [EAST]: oldFleet(EAST, 4) }).fail(tool, type, `injected at ${step}`, match);
      await tests.run(tools, async ({ start }) => {
        const handle = await start(mutableDeploy, request());
        const failure = await deployFailure(handle);
        expect(failure).toEqual({
          type: 'DeployFailed',
          message: failureMessage(`injected at ${step}`),
          // The region never finished: the deploy itself has nothing to undo; its child rolled its batches back.
          compensation: [],
          nested: [BOTH_BATCHES_REPORT],
          root: { type, message: `injected at ${step}` },
          chain: ['ApplicationFailure', 'ChildWorkflowFailure', 'ApplicationFailure', 'ActivityFailure', 'ApplicationFailure'],
        });
        expect(undoCalls(tools)).toEqual(BOTH_BATCHES_BACK);
        expect([...tools.versions.values()]).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
      });
    });

    it('ends cancelled when cancelled there, after the same rollback', async () => {
      const tools = fakeWith({ [EAST]: oldFleet(EAST, 4) });
      const gate = tools.block(tool, match);
      await tests.run(tools, async ({ start }) => {
        const handle = await start(mutableDeploy, request());
        const blocked = await gate.reached;
        await statusWhen(handle, 'syncing', (s) => s.phase === 'syncing');
        await handle.cancel();
        await expectCancelled(handle);
        expect(blocked.outcome).toBe('cancelled');
        expect(undoCalls(tools)).toEqual(BOTH_BATCHES_BACK);
        expect(await childOf(handle, EAST).query(statusQuery)).toMatchObject({ phase: 'cancelled', compensation: BOTH_BATCHES_REPORT });
        expect((await finalStatus(handle)).phase).toBe('cancelled');
      });
    });
  });

  it('rolls each batch back newest first, grouping its instances by the release they ran before', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 6, ['1.0.0', '0.9.0']) }).fail('smokeTest', 'SmokeTestFailed', 'health check answered 500', (i) => i.targets[0].instanceId === `i-${EAST}-old-4`);
    await tests.run(tools, async ({ start }) => {
      const failure = await deployFailure(await start(mutableDeploy, request()));
      expect(failure.nested).toEqual([[`ok: roll back batch 2/2 in ${EAST}`, `ok: roll back batch 1/2 in ${EAST}`]]);
      expect(tools.linesAfterFailure()).toEqual([
        ...rollbackCalls(EAST, ids(EAST, 4, 5, 6), [[ids(EAST, 4, 6), '0.9.0'], [ids(EAST, 5), '1.0.0']]),
        ...rollbackCalls(EAST, ids(EAST, 1, 2, 3), [[ids(EAST, 1, 3), '1.0.0'], [ids(EAST, 2), '0.9.0']]),
      ]);
      expect(Object.fromEntries(tools.versions)).toEqual(Object.fromEntries(oldFleet(EAST, 6, ['1.0.0', '0.9.0']).map((m) => [m.instanceId, m.version])));
    });
  });

  it('rolls an instance back to the release syncCode found on it, over a stale version tag', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 4) }).fail('smokeTest', 'SmokeTestFailed', 'health check answered 500', (i) => i.targets[0].instanceId === `i-${EAST}-old-3`);
    tools.versions.set(`i-${EAST}-old-2`, '0.8.0');
    await tests.run(tools, async ({ start }) => {
      await deployFailure(await start(mutableDeploy, request()));
      const firstBatchBack = rollbackCalls(EAST, ids(EAST, 1, 2), [[ids(EAST, 1), '1.0.0'], [ids(EAST, 2), '0.8.0']]);
      expect(tools.linesAfterFailure().slice(-firstBatchBack.length)).toEqual(firstBatchBack);
      expect(tools.versions.get(`i-${EAST}-old-2`)).toBe('0.8.0');
    });
  });

  it('reports a rollback that fails and still rolls back the batches before it', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 4) })
      .fail('smokeTest', 'SmokeTestFailed', 'health check answered 500', (i) => i.targets[0].instanceId === `i-${EAST}-old-3`)
      .fail('syncCode', 'CommandFailed', 'release 1.0.0 is not on this instance', (i) => i.mode === 'rollback' && i.instanceIds.includes(`i-${EAST}-old-3`));
    await tests.run(tools, async ({ start }) => {
      const failure = await deployFailure(await start(mutableDeploy, request()));
      expect(failure.nested).toEqual([[`FAILED: roll back batch 2/2 in ${EAST}: release 1.0.0 is not on this instance`, `ok: roll back batch 1/2 in ${EAST}`]]);
      expect(tools.linesAfterFailure()).toEqual([
        `shiftTraffic ${EAST} +[] -[${ids(EAST, 3, 4)}]`,
        `syncCode ${EAST} [${ids(EAST, 3, 4)}] rollback to 1.0.0`,
        ...rollbackCalls(EAST, ids(EAST, 1, 2), [[ids(EAST, 1, 2), '1.0.0']]),
      ]);
    });
  });

  it('rolls back a region that finished (its /rollback child) when another region fails', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 2), [WEST]: oldFleet(WEST, 2) });
    const westSecondBatch = tools.block('syncCode', (i) => i.instanceIds.includes(`i-${WEST}-old-2`));
    await tests.run(tools, async ({ start }) => {
      const handle = await start(mutableDeploy, request({ regions: [EAST, WEST] }));
      await westSecondBatch.reached;
      await statusWhen(handle, 'the east region done', (s) => s.regions[EAST]?.phase === 'done');
      westSecondBatch.fail('CommandFailed', 'disk full');
      const failure = await deployFailure(handle);
      expect(failure.message).toBe(failureMessage('disk full'));
      expect(failure.compensation).toEqual([`ok: roll back ${EAST}`]);
      expect(failure.nested).toEqual([[`ok: roll back batch 2/2 in ${WEST}`, `ok: roll back batch 1/2 in ${WEST}`]]);
      const rollback = childOf(handle, EAST, '/rollback');
      expect((await rollback.describe()).status.name).toBe('COMPLETED');
      // The finished region comes back a batch at a time, newest batch first.
      expect(tools.lines((c) => c.workflowId === rollback.workflowId)).toEqual([
        ...rollbackCalls(EAST, ids(EAST, 2), [[ids(EAST, 2), '1.0.0']]),
        ...rollbackCalls(EAST, ids(EAST, 1), [[ids(EAST, 1), '1.0.0']]),
      ]);
      expect([...tools.versions.values()]).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
    });
  });

  it('continues as new carrying the updated instances, and a failure after that rolls back what earlier runs updated', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 4) }).fail('smokeTest', 'SmokeTestFailed', 'health check answered 500', (i) => i.targets[0].instanceId === `i-${EAST}-old-3`);
    await tests.run(tools, async ({ start }) => {
      const handle = await start(mutableDeploy, request({ rollout: { batchSize: 1, minHealthy: 1 }, limits: { historyEventsPerRun: 1 } }));
      const failure = await deployFailure(handle);
      // One batch per run: three runs of the child by the time the third batch failed.
      const deploys = tools.callsOf('syncCode', (i) => i.mode !== 'rollback');
      const runs = deploys.map((c) => c.runId);
      expect(new Set(runs).size).toBe(3);
      expect(failure.nested).toEqual([[`ok: roll back batch 3/4 in ${EAST}`, `ok: roll back 2 instance(s) updated by earlier runs in ${EAST}`]]);
      // The third run rolled back its own batch, then the instances earlier runs had updated, newest first.
      const rollbacks = tools.callsOf('syncCode', (i) => i.mode === 'rollback');
      expect(rollbacks.map((c) => c.line)).toEqual([3, 2, 1].map((k) => `syncCode ${EAST} [${ids(EAST, k)}] rollback to 1.0.0`));
      expect(new Set(rollbacks.map((c) => c.runId))).toEqual(new Set([runs[2]]));
      expect([...tools.versions.values()]).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
    });
  });

  it('finishes a rollout that continued as new, with every batch done once', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 3) });
    await tests.run(tools, async ({ start }) => {
      const handle = await start(mutableDeploy, request({ rollout: { batchSize: 1, minHealthy: 1 }, limits: { historyEventsPerRun: 1 } }));
      await handle.result();
      expect(inBatchOrder(tools.lines().slice(2))).toEqual([1, 2, 3].flatMap((k) => batchCalls(EAST, ids(EAST, k))));
      expect(new Set(tools.calls.slice(2).map((c) => c.runId)).size).toBe(3);
      expect((await finalStatus(handle)).regions[EAST]).toMatchObject({ phase: 'done', batchesDone: 3, batchesTotal: 3, updated: 3 });
    });
  });

  it('shows each region\'s batches done in the status query while a batch is blocked', async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 4) });
    const second = tools.block('syncCode', (i) => i.instanceIds.includes(`i-${EAST}-old-3`));
    await tests.run(tools, async ({ start }) => {
      const handle = await start(mutableDeploy, request());
      await second.reached;
      const status = await statusWhen(handle, 'one batch done', (s) => s.regions[EAST]?.batchesDone === 1);
      expect(status).toMatchObject({
        procedure: 'mutable', phase: 'syncing',
        regions: { [EAST]: { phase: 'syncing', batchesDone: 1, batchesTotal: 2, updated: 2, oldInstances: ids(EAST, 1, 2, 3, 4).split(' ') } },
      });
      expect(await childOf(handle, EAST).query(statusQuery)).toMatchObject({ phase: 'syncing', regions: { [EAST]: { phase: 'syncing', batchesDone: 1, batchesTotal: 2, updated: 2 } } });
      second.release();
      await handle.result();
    });
  });
  it("shows the batch's return to service as its step while its tag, run beside it, has already ended", async () => {
    const tools = fakeWith({ [EAST]: oldFleet(EAST, 2) });
    const backInService = tools.block('shiftTraffic', (i) => i.register.includes(`i-${EAST}-old-1`));
    await tests.run(tools, async ({ start }) => {
      const handle = await start(mutableDeploy, request());
      await backInService.reached;
      const child = childOf(handle, EAST);
      const tagDone = () => tools.calls.some((c) => c.name === 'tagInstances' && c.outcome === 'ok');
      // Once the workflow has seen the tag end, the line is no longer the tag's: it is the health checks'.
      const status = await statusWhen(child, 'the tag to have ended', (s) => tagDone() && !/^tag /.test(s.regions[EAST]?.step ?? 'tag'));
      expect(status.regions[EAST]?.step).toBe(`put 1 instance(s) back in service in ${EAST}`);
      backInService.release();
      await handle.result();
    });
  });

  describe('rollingSync, started on its own', () => {
    const members = oldFleet(EAST, 4, ['1.0.0', '0.9.0']);
    const input = (changes: Partial<RollingSyncInput>): RollingSyncInput => ({
      request: request(), region: EAST, members, plan: planBatches(4, 2, 2), nextBatch: 0, updated: [], ...changes,
    });

    it('returns every instance it changed with the release it ran before', async () => {
      const tools = fakeWith({ [EAST]: members });
      const result = await tests.run(tools, async ({ start }) => (await start(rollingSync, input({}))).result());
      expect(result).toEqual({ region: EAST, updated: members.map(({ instanceId, privateIp, version }) => ({ instanceId, privateIp, previousVersion: version })) });
    });

    it('in rollback mode, puts the given instances back a batch at a time, newest first, and changes nothing else', async () => {
      const tools = fakeWith({ [EAST]: members });
      for (const m of members) tools.versions.set(m.instanceId, '2.0.0');
      const updated = members.map(({ instanceId, privateIp, version }) => ({ instanceId, privateIp, previousVersion: version }));
      await tests.run(tools, async ({ start }) => {
        const handle = await start(rollingSync, input({ mode: 'rollback', updated }));
        expect(await handle.result()).toEqual({ region: EAST, updated: [] });
        expect((await finalStatus(handle)).phase).toBe('done');
      });
      expect(tools.lines()).toEqual([
        ...rollbackCalls(EAST, ids(EAST, 3, 4), [[ids(EAST, 3), '1.0.0'], [ids(EAST, 4), '0.9.0']]),
        ...rollbackCalls(EAST, ids(EAST, 1, 2), [[ids(EAST, 1), '1.0.0'], [ids(EAST, 2), '0.9.0']]),
      ]);
    });

    it('rolls back every instance whose previous release it knows, leaves the unknown one in service as it is, then reports it', async () => {
      const tools = fakeWith({ [EAST]: members });
      const updated = members.slice(0, 2).map(({ instanceId, privateIp }, k) => ({ instanceId, privateIp, previousVersion: k === 0 ? '1.0.0' : '' }));
      await tests.run(tools, async ({ start }) => {
        const failure = await deployFailure(await start(rollingSync, input({ mode: 'rollback', updated })));
        expect(failure.root).toEqual({
          type: 'RollbackImpossible',
          message: `no previous release is known for i-${EAST}-old-2 in ${EAST}: left in service on 2.0.0; the other 1 instance(s) were rolled back`,
        });
      });
      expect(tools.lines()).toEqual(rollbackCalls(EAST, ids(EAST, 1), [[ids(EAST, 1), '1.0.0']]));
    });
  });
});
