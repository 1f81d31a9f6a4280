import { type NativeConnection, Worker } from '@temporalio/worker';
import type { Client, Connection } from '@temporalio/client';
import { DEPLOY_SEARCH_ATTRIBUTES } from '../../src/contracts';
import { connectTestClient, connectTestWorker, uniqueTaskQueue } from '../helpers/temporal';
import * as activities from './fixtures/hello-activities';
import { helloWorkflow } from './fixtures/hello-workflow';

describe('the Temporal dev server harness', () => {
  let client: Client;
  let connection: Connection;
  let workerConnection: NativeConnection;

  beforeAll(async () => {
    ({ client, connection } = await connectTestClient());
    workerConnection = await connectTestWorker();
  });
  afterAll(async () => {
    await connection?.close();
    await workerConnection?.close();
  });

  it('runs a workflow and its activity on a real worker', async () => {
    const taskQueue = uniqueTaskQueue('harness');
    const worker = await Worker.create({
      connection: workerConnection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/hello-workflow'),
      activities,
    });
    const result = await worker.runUntil(
      client.workflow.execute(helloWorkflow, { taskQueue, workflowId: `hello-${taskQueue}`, args: ['ops'] }),
    );
    expect(result).toBe(`hello ops from worker pid ${process.pid}`);
    const history = await client.workflow.getHandle(`hello-${taskQueue}`).fetchHistory();
    // The server recorded the activity round trip: proof the worker, not the test, ran it.
    const completed = history.events?.filter((event) => event.activityTaskCompletedEventAttributes) ?? [];
    expect(completed).toHaveLength(1);
  });

  it('has the Deploy* search attributes registered as Keyword', async () => {
    const { customAttributes: keys } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const key of DEPLOY_SEARCH_ATTRIBUTES) {
      // 2 is INDEXED_VALUE_TYPE_KEYWORD in Temporal's API enum.
      expect({ name: key.name, type: keys?.[key.name] }).toEqual({ name: key.name, type: 2 });
    }
  });

  it('lists a workflow by a Deploy* search attribute it upserted at start', async () => {
    const taskQueue = uniqueTaskQueue('harness-sa');
    const workflowId = `hello-sa-${taskQueue}`;
    const worker = await Worker.create({
      connection: workerConnection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/hello-workflow'),
      activities,
    });
    await worker.runUntil(
      client.workflow.execute(helloWorkflow, {
        taskQueue,
        workflowId,
        args: ['sa'],
        typedSearchAttributes: [{ key: DEPLOY_SEARCH_ATTRIBUTES[0], value: taskQueue }],
      }),
    );
    let found: string[] = [];
    for (let attempt = 0; attempt < 40 && found.length === 0; attempt++) {
      found = [];
      for await (const execution of client.workflow.list({ query: `DeployApp = "${taskQueue}"` })) found.push(execution.workflowId);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(found).toEqual([workflowId]);
  });
});
