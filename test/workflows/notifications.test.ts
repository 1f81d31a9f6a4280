import type { NotifyInput } from '../../src/contracts';
import { mutableDeploy, nightlyBake, partiallyImmutableDeploy } from '../../src/workflows';
import { approveUpdate } from '../../src/workflows/messages';
import { until } from '../helpers/outcomes';
import { newIds } from './helpers/expected-calls';
import { FakeToolset, oldFleet } from './helpers/fake-toolset';
import { deployFailure, deployRequest, EAST, finalStatus, statusWhen, WEST, WorkflowTests } from './helpers/workflow-tests';

/** Two webhooks: every event as JSON, and the ends only in Slack's format. */
const notify = (spec: Record<string, any>) => {
  spec.notify = {
    webhooks: [
      { url: 'https://hooks.invalid/json/T0KEN', format: 'json' },
      { url: 'https://hooks.invalid/slack/T0KEN', format: 'slack', events: ['succeeded', 'failed', 'rolled-back', 'baked', 'bake-failed'] },
    ],
  };
};

/** What was sent, `<webhook> <event>`, sorted (deliveries of one event run side by side). */
const sent = (tools: FakeToolset) => tools.callsOf('notify').map((c) => `${c.input.webhookName} ${c.input.notification.event}`).sort();
const notificationOf = (tools: FakeToolset, event: string) => tools.callsOf('notify', (i) => i.notification.event === event)[0]?.input as NotifyInput;

describe('notifications', () => {
  const tests = WorkflowTests.forThisFile();

  it('tell each webhook the events it subscribed to: the start, and the end with what now serves', async () => {
    const request = deployRequest('partial', { spec: notify });
    const tools = FakeToolset.withOldFleets(request.spec.regions);
    await tests.run(tools, async ({ start }) => {
      const handle = await start(partiallyImmutableDeploy, request);
      await handle.result();
      expect(sent(tools)).toEqual(['notify.webhooks[0] started', 'notify.webhooks[0] succeeded', 'notify.webhooks[1] succeeded'].sort());
      const started = notificationOf(tools, 'started');
      expect(started.webhook).toEqual({ url: 'https://hooks.invalid/json/T0KEN', format: 'json' });
      expect(started.notification).toMatchObject({ procedure: 'partial', app: 'example-app', env: 'unit', version: '2.0.0', workflowId: handle.workflowId, runId: handle.firstExecutionRunId, regions: [EAST] });
      expect(notificationOf(tools, 'succeeded').notification).toMatchObject({ result: [{ region: EAST, imageId: `ami-catalog-${EAST}`, instanceIds: newIds(EAST).split(' ') }] });
      expect(notificationOf(tools, 'succeeded').notification.seconds).toBeGreaterThanOrEqual(0);
    });
  });

  it('report a failure with its cause and the compensation report', async () => {
    const request = deployRequest('partial', { spec: notify });
    const tools = FakeToolset.withOldFleets(request.spec.regions).fail('smokeTest', 'SmokeTestFailed', 'i-x answered 500');
    await tests.run(tools, async ({ start }) => {
      await deployFailure(await start(partiallyImmutableDeploy, request));
      expect(sent(tools)).toEqual(['notify.webhooks[0] failed', 'notify.webhooks[0] started', 'notify.webhooks[1] failed']);
      expect(notificationOf(tools, 'failed').notification).toMatchObject({ error: 'i-x answered 500', compensation: [`ok: terminate the new fleet in ${EAST}`] });
      // The undo steps ran before the failure was told.
      expect(tools.lines().indexOf(`terminateInstances ${EAST} fleets of the run`)).toBeLessThan(tools.lines().indexOf('notify notify.webhooks[0] failed'));
    });
  });

  it('say a mutable deploy that failed was rolled back, once, from the deploy (not from each region)', async () => {
    const request = deployRequest('mutable', { spec: notify, regions: [EAST, WEST], rollout: { batchSize: 1, minHealthy: 1 } });
    const tools = new FakeToolset({ fleets: { [EAST]: oldFleet(EAST, 2), [WEST]: oldFleet(WEST, 2) } }).fail('smokeTest', 'SmokeTestFailed', 'batch 2 answered 500', (i) => i.targets[0].instanceId === `i-${WEST}-old-2`);
    await tests.run(tools, async ({ start }) => {
      await deployFailure(await start(mutableDeploy, request));
      expect(sent(tools)).toEqual(['notify.webhooks[0] rolled-back', 'notify.webhooks[0] started', 'notify.webhooks[1] rolled-back']);
      expect(new Set(tools.callsOf('notify').map((c) => c.workflowId)).size).toBe(1);
      expect(notificationOf(tools, 'rolled-back').notification.error).toBe('batch 2 answered 500');
      // What the failed region's rolling sync undid comes first, though the deploy's own undo list never held it.
      expect(notificationOf(tools, 'rolled-back').notification.compensation?.slice(0, 2)).toEqual([`ok: roll back batch 2/2 in ${WEST}`, `ok: roll back batch 1/2 in ${WEST}`]);
      expect([...tools.versions.values()]).toEqual(Array(4).fill('1.0.0'));
    });
  });

  it('tell a nightly bake only its result', async () => {
    const request = deployRequest('bake', { spec: notify });
    const tools = FakeToolset.withOldFleets(request.spec.regions);
    await tests.run(tools, async ({ start }) => {
      await (await start(nightlyBake, request)).result();
      expect(sent(tools)).toEqual(['notify.webhooks[0] baked', 'notify.webhooks[1] baked']);
      expect(notificationOf(tools, 'baked').notification.result).toEqual([{ region: EAST, imageId: `ami-baked-${EAST}`, instanceIds: [] }]);
    });
  });

  it('announce the approval gate with what waits, until when, and the command that decides', async () => {
    const request = { ...deployRequest('partial', { spec: notify }), requireApproval: true };
    const tools = FakeToolset.withOldFleets(request.spec.regions);
    await tests.run(tools, async ({ start }) => {
      const handle = await start(partiallyImmutableDeploy, request);
      const waiting = await statusWhen(handle, 'at the gate', (s) => s.approval?.state === 'waiting');
      await until('the gate announced', async () => (tools.callsOf('notify', (i) => i.notification.event === 'waiting-for-approval').length > 0 ? true : undefined));
      expect(notificationOf(tools, 'waiting-for-approval').notification.approval).toEqual({
        deadline: waiting.approval!.deadline,
        waiting: `2 new instance(s) running since ${waiting.approval!.waiting.since} cost money until the deploy is approved or rejected`,
        approveCommand: 'hybrid-deploy approve example-app unit',
      });
      await handle.executeUpdate(approveUpdate, { args: [{ approve: true, by: 'alice' }] });
      await handle.result();
    });
  });

  it('never fail a deploy: a webhook that keeps failing is recorded in the status, and the deploy succeeds', async () => {
    const request = deployRequest('partial', { spec: notify });
    const tools = FakeToolset.withOldFleets(request.spec.regions)
      .fail('notify', 'WebhookFailed', 'notify.webhooks[0] answered HTTP 500', (i) => i.notification.event === 'started')
      .fail('notify', 'WebhookFailed', 'notify.webhooks[1] answered HTTP 404', (i) => i.webhookName === 'notify.webhooks[1]');
    await tests.run(tools, async ({ start }) => {
      const handle = await start(partiallyImmutableDeploy, request);
      expect((await handle.result()).regions[0].instanceIds).toEqual(newIds(EAST).split(' '));
      const status = await finalStatus(handle);
      expect(status.phase).toBe('done');
      expect(status.notificationFailures?.sort()).toEqual([
        'started → notify.webhooks[0]: notify.webhooks[0] answered HTTP 500',
        'succeeded → notify.webhooks[1]: notify.webhooks[1] answered HTTP 404',
      ]);
    });
  });
});
