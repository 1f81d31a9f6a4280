import type { Client, Connection } from '@temporalio/client';
import { DeployApp, DeployEnv, DeployPhase, DeployProcedure } from '../../src/contracts';
import { ExitCode } from '../../src/cli/exit-codes';
import { connectTestClient, testTemporalAddress, uniqueTaskQueue } from '../helpers/temporal';
import { APP, deployArgs, runCli, uniqueEnv } from './run-cli';

/**
 * The CLI against the real dev server. Deploys go to a task queue no worker polls, so they stay
 * started-but-unprocessed; each test uses its own env, and every workflow is terminated after.
 */
describe('hybrid-deploy against Temporal (no worker)', () => {
  let client: Client;
  let connection: Connection;
  const started: string[] = [];

  beforeAll(async () => {
    ({ client, connection } = await connectTestClient());
  });

  afterEach(async () => {
    for (const workflowId of started.splice(0)) {
      await client.workflow.getHandle(workflowId).terminate('test cleanup').catch(() => undefined);
    }
  });

  afterAll(async () => {
    await connection?.close();
  });

  const env = { TEMPORAL_UI_URL: 'http://ui.test/' };

  async function deploy(envName: string, extra: string[] = []) {
    const taskQueue = uniqueTaskQueue('cli');
    started.push(`deploy/${APP}/${envName}`);
    return runCli([...deployArgs(envName), '--task-queue', taskQueue, ...extra], { client, env });
  }

  it('starts the workflow and prints its id, run id and Web UI link', async () => {
    const envName = uniqueEnv();
    const run = await deploy(envName);
    expect(run.code).toBe(ExitCode.OK);
    const workflowId = `deploy/${APP}/${envName}`;
    const description = await client.workflow.getHandle(workflowId).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.type).toBe('fullyImmutableDeploy');
    expect(description.typedSearchAttributes.get(DeployApp)).toBe(APP);
    expect(description.typedSearchAttributes.get(DeployEnv)).toBe(envName);
    expect(description.typedSearchAttributes.get(DeployProcedure)).toBe('immutable');
    expect(description.typedSearchAttributes.get(DeployPhase)).toBe('starting');
    expect(run.stdout).toContain(`workflow: ${workflowId}`);
    expect(run.stdout).toContain(`run:      ${description.runId}`);
    expect(run.stdout).toContain(`ui:       http://ui.test/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${description.runId}/history`);
  });

  it('prints one JSON document with --json', async () => {
    const envName = uniqueEnv();
    const run = await deploy(envName, ['--json']);
    expect(run.code).toBe(ExitCode.OK);
    const doc = JSON.parse(run.stdout);
    expect(doc).toEqual({
      workflowId: `deploy/${APP}/${envName}`,
      runId: expect.any(String),
      uiUrl: expect.stringContaining('/history'),
      procedure: 'immutable',
      app: APP,
      env: envName,
      version: '1.4.2',
      seconds: expect.any(Number),
    });
  });

  it('exits 3 and names the running run when the same app/env is already deploying', async () => {
    const envName = uniqueEnv();
    expect((await deploy(envName)).code).toBe(ExitCode.OK);
    const { runId } = await client.workflow.getHandle(`deploy/${APP}/${envName}`).describe();
    const second = await deploy(envName);
    expect(second.code).toBe(ExitCode.CONFLICT);
    expect(second.stderr).toContain(`error [DEPLOY_CONFLICT]`);
    expect(second.stderr).toContain(`a deploy of ${APP}/${envName} is already running: workflow deploy/${APP}/${envName} run ${runId} (http://ui.test/namespaces/default/`);
  });

  it('connects from the environment (TEMPORAL_ADDRESS) when no client is injected', async () => {
    const envName = uniqueEnv();
    started.push(`deploy/${APP}/${envName}`);
    const run = await runCli([...deployArgs(envName), '--task-queue', uniqueTaskQueue('cli')], {
      noConnect: true,
      env: { TEMPORAL_ADDRESS: testTemporalAddress(), TEMPORAL_NAMESPACE: 'default' },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stdout).toContain('http://localhost:8233/namespaces/default/workflows/');
  });

  it('cancel of a deploy that is not running exits 2', async () => {
    const envName = uniqueEnv();
    const run = await runCli(['cancel', APP, envName], { client, env });
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    expect(run.stderr).toContain(`error [DEPLOY_NOT_RUNNING] (user error): no deploy of ${APP}/${envName} is running`);
  });

  it('status of an unknown deploy exits 2', async () => {
    const envName = uniqueEnv();
    const run = await runCli(['status', APP, envName], { client, env });
    expect(run.code).toBe(ExitCode.INVALID_INPUT);
    expect(run.stderr).toContain(`no deploy or bake of ${APP}/${envName} found`);
  });

  it('status of a started-but-unprocessed deploy says it is running and no worker has picked it up', async () => {
    const envName = uniqueEnv();
    expect((await deploy(envName)).code).toBe(ExitCode.OK);
    const begin = Date.now();
    const run = await runCli(['status', APP, envName], { client, env });
    expect(Date.now() - begin).toBeLessThan(15_000);
    expect(run.code).toBe(ExitCode.DEPLOY_RUNNING);
    expect(run.stdout).toContain(`deploy/${APP}/${envName}: running`);
    expect(run.stdout).toContain('no worker has picked it up yet');
    const json = await runCli(['status', APP, envName, '--json'], { client, env });
    const doc = JSON.parse(json.stdout);
    expect(doc.execution.status).toBe('RUNNING');
    expect(doc.statusError).toContain('no worker has picked it up yet');
  });

  it('cancel of a running deploy requests cancellation', async () => {
    const envName = uniqueEnv();
    expect((await deploy(envName)).code).toBe(ExitCode.OK);
    const run = await runCli(['cancel', APP, envName, '--json'], { client, env });
    expect(run.code).toBe(ExitCode.OK);
    expect(JSON.parse(run.stdout)).toMatchObject({ workflowId: `deploy/${APP}/${envName}`, cancelRequested: true });
    const history = await client.workflow.getHandle(`deploy/${APP}/${envName}`).fetchHistory();
    expect(history.events?.some((event) => event.workflowExecutionCancelRequestedEventAttributes)).toBe(true);
  });
});
