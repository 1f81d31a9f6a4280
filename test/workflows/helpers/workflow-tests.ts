import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId, type WorkflowStartOptions } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, type Workflow } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { readExampleSpec } from '../../../examples/example-app';
import { imageNameFor, type DeployRequest, type RunKind } from '../../../src/contracts';
import { parseDeploySpec } from '../../../src/request/load';
import { statusQuery, type DeployStatus } from '../../../src/workflows/messages';
import { until } from '../../helpers/outcomes';
import { testTemporalAddress, uniqueTaskQueue } from '../../helpers/temporal';
import type { FakeToolset } from './fake-toolset';

/** The example spec's regions: the first is where an image is baked. */
export const EAST = 'us-east-1';
export const WEST = 'us-west-2';

/** What a test body gets: a client, its own task queue, and a way to start workflows on it. */
export interface WorkflowTestContext {
  client: Client;
  taskQueue: string;
  /** Starts a workflow on this test's task queue under a workflow id no other test uses. */
  start<W extends Workflow>(workflow: W, ...args: Parameters<W>): Promise<WorkflowHandleWithFirstExecutionRunId<W>>;
}

/**
 * Workflow unit tests against the jest run's Temporal dev server, as Temporal's samples write
 * them: the workflows bundled once per file, a worker per test (`runUntil`) on a task queue of
 * its own whose activities are a {@link FakeToolset}, unique workflow ids.
 */
export class WorkflowTests {
  private started?: { env: TestWorkflowEnvironment; workflowBundle: WorkflowBundleWithSourceMap };

  /**
   * The environment of this test file: connects to the dev server and bundles the workflows in
   * `beforeAll`, tears down in `afterAll`. Call it at the top of the file's `describe`.
   */
  static forThisFile(): WorkflowTests {
    const tests = new WorkflowTests();
    beforeAll(async () => {
      const env = await TestWorkflowEnvironment.createFromExistingServer({ address: testTemporalAddress() });
      const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../../src/workflows'), logger: new DefaultLogger('WARN') });
      tests.started = { env, workflowBundle };
    });
    afterAll(async () => {
      await tests.started?.env.teardown();
    });
    return tests;
  }

  private get env(): { env: TestWorkflowEnvironment; workflowBundle: WorkflowBundleWithSourceMap } {
    if (!this.started) throw new Error('the workflow test environment has not started: call WorkflowTests.forThisFile() in the describe block');
    return this.started;
  }

  get client(): Client {
    return this.env.env.client;
  }

  /** Runs `body` while a fresh worker serves its task queue with the fake's activities. */
  async run<T>(tools: FakeToolset, body: (context: WorkflowTestContext) => Promise<T>): Promise<T> {
    const taskQueue = uniqueTaskQueue('wf-unit');
    const { env, workflowBundle } = this.env;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: tools.activities(),
      // Cancellation reaches an activity with its next heartbeat: let heartbeats through at once.
      maxHeartbeatThrottleInterval: '50ms',
      defaultHeartbeatThrottleInterval: '50ms',
    });
    const client = this.client;
    const context: WorkflowTestContext = {
      client,
      taskQueue,
      start: (workflow, ...args) => client.workflow.start(workflow, { taskQueue, workflowId: `wf-unit/${randomUUID()}`, args } as unknown as WorkflowStartOptions<typeof workflow>),
    };
    // Gates still closed when the body ends (a failed expectation) are let go before the worker shuts down.
    return worker.runUntil(async () => {
      try {
        return await body(context);
      } finally {
        tools.releaseAll();
      }
    });
  }
}

/** Options of {@link deployRequest}. */
export interface DeployRequestOptions {
  regions?: string[];
  version?: string;
  /** Changes to the example spec (a plain object) before it is validated. */
  spec?: (spec: Record<string, any>) => void;
  rollout?: DeployRequest['rollout'];
  limits?: DeployRequest['limits'];
}

/** A deploy request for the example spec, validated as the CLI validates it, in one region (default) or several. */
export function deployRequest(procedure: RunKind, options: DeployRequestOptions = {}): DeployRequest {
  const raw = readExampleSpec();
  const regions = options.regions ?? [EAST];
  raw.regions = regions;
  raw.regionSettings = Object.fromEntries(regions.map((region) => [region, raw.regionSettings[region]]));
  options.spec?.(raw);
  return {
    procedure,
    spec: parseDeploySpec(raw),
    env: 'unit',
    version: options.version ?? '2.0.0',
    artifact: { url: 'https://artifacts.invalid/example-app-2.0.0.tar.gz', sha256: 'a'.repeat(64) },
    rollout: options.rollout,
    limits: options.limits,
  };
}

/** The image a run bakes (named after the version and the run's first run id). */
export function imageNameOf(request: DeployRequest, handle: WorkflowHandleWithFirstExecutionRunId): string {
  return imageNameFor(request.spec.app, request.version, handle.firstExecutionRunId);
}

/** How a deploy failed: its message, the compensation report in its details, and the innermost cause. */
export interface DeployFailure {
  type: string | undefined;
  message: string;
  compensation: string[];
  /** The failure at the bottom of the chain: what actually went wrong. */
  root: { type?: string; message: string };
  /** Every failure in the chain, outermost first, by class name (`ApplicationFailure`, `ActivityFailure`, …). */
  chain: string[];
  /** The compensation report of each `DeployFailed` further down the chain (a child workflow's). */
  nested: string[][];
}

/** Waits for a workflow to fail and describes its failure; fails the test if it did anything else. */
export async function deployFailure(handle: WorkflowHandle): Promise<DeployFailure> {
  const error = await handle.result().then(
    (result) => new Error(`expected the workflow to fail; it returned ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  if (!(error instanceof WorkflowFailedError)) throw error;
  const failure = error.cause;
  if (!(failure instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(failure)}`);
  const chain: string[] = [];
  const reports: string[][] = [];
  let root: Error = failure;
  for (let current: Error | undefined = failure; current; current = (current as { cause?: Error }).cause) {
    chain.push(current.constructor.name);
    if (current instanceof ApplicationFailure && current.type === 'DeployFailed') reports.push((current.details?.[0] as { compensation?: string[] } | undefined)?.compensation ?? []);
    root = current;
  }
  return {
    type: failure.type ?? undefined,
    message: failure.message,
    compensation: failure.type === 'DeployFailed' ? reports[0] : [],
    root: { type: root instanceof ApplicationFailure ? (root.type ?? undefined) : undefined, message: root.message },
    chain,
    nested: failure.type === 'DeployFailed' ? reports.slice(1) : reports,
  };
}

/** Waits for a workflow to end cancelled; fails the test if it ended any other way. */
export async function expectCancelled(handle: WorkflowHandle): Promise<void> {
  const error = await handle.result().then(
    (result) => new Error(`expected the workflow to be cancelled; it returned ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  if (!(error instanceof WorkflowFailedError) || !(error.cause instanceof CancelledFailure)) throw error;
}

/** Polls the `status` query until `predicate` holds; resolves to that status. */
export function statusWhen(handle: WorkflowHandle, what: string, predicate: (status: DeployStatus) => boolean): Promise<DeployStatus> {
  return until(`status: ${what}`, async () => {
    const status = await handle.query(statusQuery);
    return predicate(status) ? status : undefined;
  });
}

/** The status once the workflow has closed (queries still answer while the worker runs). */
export function finalStatus(handle: WorkflowHandle): Promise<DeployStatus> {
  return handle.query(statusQuery);
}

/**
 * Waits until the workflow has *processed* a cancellation request: the request is in its history
 * and a workflow task completed after it. A test that lets work go on after this knows the
 * workflow saw the cancellation first.
 */
export function cancellationSeen(handle: WorkflowHandle): Promise<true> {
  return until('the workflow to process its cancellation request', async () => {
    const { events } = await handle.fetchHistory();
    const requested = events?.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes) ?? -1;
    if (requested < 0) return undefined;
    return events!.slice(requested + 1).some((e) => e.workflowTaskCompletedEventAttributes) ? true : undefined;
  });
}
