import type { Client } from '@temporalio/client';
import { deployArgs, startDeployWorld, type CliRun, type DeployWorld } from '../helpers/deploy-world';
import { fleetOf, until } from '../helpers/outcomes';

const REGION = 'us-east-1';

/** The Web UI's "current details": the workflow's built-in metadata query. */
async function currentDetails(client: Client, workflowId: string, runId: string): Promise<string> {
  const metadata = (await client.workflow.getHandle(workflowId, runId).query<{ currentDetails?: string }>('__temporal_workflow_metadata')) ?? {};
  return metadata.currentDetails ?? '';
}

/**
 * The manual approval gate, end to end through the CLI: a deploy that requires approval launches
 * and verifies its new fleet, then waits; `hybrid-deploy approve` moves traffic, a rejection or a
 * timeout undoes the deploy as a failure would, and the old fleet serves throughout.
 */
describe('the approval gate, through the CLI', () => {
  let world: DeployWorld;
  let env: string;
  const spec = (approval?: object) =>
    world.spec((s) => {
      s.regions = [REGION];
      delete s.regionSettings['us-west-2'];
      if (approval) s.approval = approval;
    });

  /** Starts a deploy with --wait in the background; resolves to its CLI run when it ends. */
  const deployInBackground = (version: string, extra: string[] = [], specFile = spec()): Promise<CliRun> =>
    world.cli(deployArgs(world, { procedure: 'partial', env, version, spec: specFile, extra }));

  const statusJson = async () => JSON.parse((await world.cli(['status', 'example-app', env, '--json'])).stdout);
  const atTheGate = () => until('the deploy to wait for approval', async () => ((await statusJson()).status?.approval?.state === 'waiting' ? statusJson() : undefined));
  const liveInstances = async (version: string) =>
    (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:env'] === env && i.tags['hybrid-deploy:version'] === version && i.state !== 'terminated').map((i) => i.id);

  beforeAll(async () => {
    world = await startDeployWorld({ profile: 'fast' });
    env = world.uniqueEnv('gate');
    const first = await world.cli(deployArgs(world, { procedure: 'immutable', env, version: '1.0.0', spec: spec() }));
    expect({ code: first.code, err: first.code ? first.stdout + first.stderr : '' }).toEqual({ code: 0, err: '' });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('waits after the new fleet passed its checks, says it costs money, and moves traffic once approved', async () => {
    const deploying = deployInBackground('2.0.0', ['--require-approval']);
    const waiting = await atTheGate();
    expect(waiting.status.phase).toBe('waiting-for-approval');
    const newFleet = await liveInstances('2.0.0');
    expect(waiting.status.approval.waiting.instanceIds.sort()).toEqual(newFleet.sort());
    expect(await world.servedVersion(REGION)).toBe('1.0.0');
    const text = await world.cli(['status', 'example-app', env]);
    expect(text.stdout).toMatch(/waiting for approval since \S+ \(times out at \S+, then it is undone\): 2 new instance\(s\) running since \S+ cost money until the deploy is approved or rejected/);
    expect(text.stdout).toContain(`approve: hybrid-deploy approve example-app ${env}`);
    // The Web UI's current details say the same, with the commands that decide.
    const waitingDetails = await currentDetails(world.client, waiting.workflowId, waiting.runId);
    expect(waitingDetails).toMatch(/\*\*waiting for approval\*\* until \S+: 2 new instance\(s\) running since \S+ cost money until the deploy is approved or rejected/);
    expect(waitingDetails).toContain(`approve: \`hybrid-deploy approve example-app ${env}\``);

    const approved = await world.cli(['approve', 'example-app', env, '--by', 'alice', '--json']);
    expect({ code: approved.code, err: approved.stderr }).toEqual({ code: 0, err: '' });
    const decision = JSON.parse(approved.stdout);
    expect(decision).toMatchObject({ approved: true, by: 'alice', runId: waiting.runId });
    const run = await deploying;
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    expect(await world.servedVersion(REGION)).toBe('2.0.0');
    expect((await fleetOf(world, env, REGION)).map((i) => i.id).sort()).toEqual(newFleet.sort());
    // Who approved and when, recorded in the deploy: in `status` (JSON and text) and the Web UI.
    expect((await statusJson()).status.approval).toMatchObject({ state: 'approved', decision: { approved: true, by: 'alice', at: decision.at } });
    expect((await world.cli(['status', 'example-app', env])).stdout).toContain(`  approved by alice at ${decision.at}`);
    expect(await currentDetails(world.client, waiting.workflowId, waiting.runId)).toContain(`**approved** by alice at ${decision.at}`);
  });

  it('refuses a decision for a deploy that is not waiting at its gate, and records none', async () => {
    // The new fleet's SSM agents stay offline: the deploy holds in its launch, short of the gate.
    await world.sandbox.control.failNextAgents({ next: 2 });
    const deploying = deployInBackground('2.1.0', ['--require-approval']);
    const held = await until('the new fleet to launch with its agents offline', async () => {
      const instances = (await world.sandbox.control.resources()).instances.filter((i) => i.tags['hybrid-deploy:env'] === env && i.tags['hybrid-deploy:version'] === '2.1.0');
      return instances.length === 2 && instances.every((i) => i.agent !== 'Online') ? instances.map((i) => i.id) : undefined;
    });
    const early = await world.cli(['approve', 'example-app', env, '--by', 'carol', '--json']);
    expect(early.code).toBe(2);
    expect(JSON.parse(early.stdout)).toMatchObject({
      code: 'NOT_WAITING_FOR_APPROVAL',
      error: expect.stringMatching(new RegExp(`^deploy/example-app/${env} refused the decision: this deploy is not waiting for approval: it is in phase \\S+$`)),
    });
    expect((await statusJson()).status.approval).toBeUndefined();
    for (const id of held) await world.sandbox.control.setAgentOnline(id, true);
    const waiting = await atTheGate();
    // A validated Update leaves no trace in history when refused: only the accepted decision is there.
    expect(JSON.parse((await world.cli(['approve', 'example-app', env, '--by', 'dave', '--json'])).stdout)).toMatchObject({ approved: true, by: 'dave' });
    const run = await deploying;
    expect({ code: run.code, err: run.code ? run.stdout + run.stderr : '' }).toEqual({ code: 0, err: '' });
    const history = await world.client.workflow.getHandle(waiting.workflowId, waiting.runId).fetchHistory();
    const updates = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(updates).toHaveLength(1);
    expect(await world.servedVersion(REGION)).toBe('2.1.0');
  });

  it('on rejection (a reason required) undoes the deploy: the old fleet serves, the new one is gone', async () => {
    const serving = (await fleetOf(world, env, REGION)).map((i) => i.id).sort();
    const deploying = deployInBackground('3.0.0', ['--require-approval']);
    await atTheGate();
    const noReason = await world.cli(['approve', 'example-app', env, '--reject', '--json']);
    expect(noReason.code).toBe(2);
    expect(JSON.parse(noReason.stdout).problems).toEqual([{ path: '--reason', message: 'is required with --reject: say why, it is recorded with the decision' }]);
    const rejected = await world.cli(['approve', 'example-app', env, '--reject', '--reason', 'p99 latency doubled on the new fleet', '--by', 'bob']);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toContain('rejected (p99 latency doubled on the new fleet): it undoes what it did, as after a failure');
    const run = await deploying;
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatch(/^rejected by bob at \S+: p99 latency doubled on the new fleet$/);
    expect(await world.servedVersion(REGION)).toBe('2.1.0');
    expect((await fleetOf(world, env, REGION)).map((i) => i.id).sort()).toEqual(serving);
    expect(await liveInstances('3.0.0')).toEqual([]);
    expect((await statusJson()).status.approval).toMatchObject({ state: 'rejected', decision: { approved: false, by: 'bob', reason: 'p99 latency doubled on the new fleet' } });
  });

  it('times out after approval.timeoutHours and undoes the deploy', async () => {
    const run = await deployInBackground('4.0.0', [], spec({ required: true, timeoutHours: 0.001 }));
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error).toBe('nobody approved the deploy within 0.001h (approval.timeoutHours)');
    expect(await world.servedVersion(REGION)).toBe('2.1.0');
    expect(await liveInstances('4.0.0')).toEqual([]);
    expect((await statusJson()).status.approval.state).toBe('timed-out');
    expect((await world.cli(['status', 'example-app', env])).stdout).toMatch(/ {2}approval timed out at \S+: nobody decided/);
    const late = await world.cli(['approve', 'example-app', env, '--json']);
    expect(late.code).toBe(2);
    expect(JSON.parse(late.stdout).code).toBe('DEPLOY_NOT_RUNNING');
  });
});
