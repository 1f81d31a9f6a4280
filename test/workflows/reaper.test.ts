import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { reaper } from '../../src/workflows';
import { until } from '../helpers/outcomes';
import { FakeToolset } from './helpers/fake-toolset';
import { EAST, expectCancelled, WEST, WorkflowTests } from './helpers/workflow-tests';

describe('reaper', () => {
  const tests = WorkflowTests.forThisFile();

  const fake = () => new FakeToolset({ fleets: {} });

  it('sweeps every region at once, as of the given time, and reports what each removed', async () => {
    const tools = fake().on('reapExpired', ({ region }) => ({
      removed: [{ kind: 'instance', id: `i-${region}-builder-1`, region, reason: 'kept builder expired' }],
    }));
    const report = await tests.run(tools, async ({ start }) =>
      (await start(reaper, { regions: [EAST, WEST], app: 'example-app', now: '2026-06-01T00:00:00.000Z', maxBuilderAgeHours: 6 })).result(),
    );
    expect(tools.callsOf('reapExpired').map((c) => c.input).sort((a, b) => a.region.localeCompare(b.region))).toEqual(
      [EAST, WEST].map((region) => ({ region, app: 'example-app', now: '2026-06-01T00:00:00.000Z', dryRun: false, maxBuilderAgeHours: 6, timeoutSeconds: 1_200 })),
    );
    expect(report).toEqual({
      now: '2026-06-01T00:00:00.000Z',
      dryRun: false,
      removed: [EAST, WEST].map((region) => ({ kind: 'instance', id: `i-${region}-builder-1`, region, reason: 'kept builder expired' })),
    });
  });

  it('judges as of the workflow clock by default, and passes a dry run and the default builder age on', async () => {
    const tools = fake();
    const before = Date.now();
    const report = await tests.run(tools, async ({ start }) => (await start(reaper, { regions: [EAST], dryRun: true })).result());
    const [call] = tools.callsOf('reapExpired');
    expect(call.input).toMatchObject({ region: EAST, dryRun: true, maxBuilderAgeHours: 24 });
    expect(call.input.app).toBeUndefined();
    expect(Date.parse(call.input.now)).toBeGreaterThanOrEqual(before - 1_000);
    expect(Date.parse(call.input.now)).toBeLessThanOrEqual(Date.now());
    expect(report).toEqual({ now: call.input.now, dryRun: true, removed: [] });
  });

  it('fails with the cause when a region cannot be swept', async () => {
    const tools = fake().fail('reapExpired', 'UnauthorizedOperation', `not allowed to terminate in ${WEST}`, (i) => i.region === WEST);
    await tests.run(tools, async ({ start }) => {
      const error = await (await start(reaper, { regions: [EAST, WEST] })).result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const cause = (error as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ActivityFailure);
      expect(cause?.cause).toBeInstanceOf(ApplicationFailure);
      expect(cause?.cause).toMatchObject({ type: 'UnauthorizedOperation', message: `not allowed to terminate in ${WEST}` });
    });
  });

  it('ends cancelled when cancelled while sweeping, and the sweep is cancelled too', async () => {
    const tools = fake();
    const sweep = tools.block('reapExpired');
    await tests.run(tools, async ({ start }) => {
      const handle = await start(reaper, { regions: [EAST] });
      const call = await sweep.reached;
      await handle.cancel();
      await expectCancelled(handle);
      await until('the sweep to end cancelled', async () => (call.outcome === 'cancelled' ? true : undefined));
    });
  });
});
