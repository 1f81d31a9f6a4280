import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { DeployResult, Phase } from '../../../src/workflows/messages';
import type { FakeToolset, ToolName } from './fake-toolset';
import { cancellationSeen, deployFailure, expectCancelled, finalStatus, statusWhen, type WorkflowTestContext, type WorkflowTests } from './workflow-tests';

/** An undo step as the compensation report names it, and the activity call it makes. */
export interface UndoStep {
  report: string;
  call: string;
}

/** One step of a procedure: the activity call that makes it, and what a failure there must undo. */
export interface StepCase<U extends string> {
  step: string;
  tool: ToolName;
  /** Which calls of `tool` are this step (default: every call). */
  match?: (input: any) => boolean;
  /** The failure type the step fails with. */
  type: string;
  /** The deploy's phase while the step runs. */
  phase: Phase;
  /** The undo steps a failure there runs, newest first. */
  undo: U[];
  /**
   * Another branch runs beside the step (the builder's termination beside the fleet launch), so
   * its calls may come between the failure and the undo steps: the undo steps are then the last
   * calls made, not the only ones.
   */
  beside?: string;
}

/** What {@link eachStepFailsAndCancels} runs. */
export interface StepMatrix<U extends string> {
  tests: WorkflowTests;
  fake: () => FakeToolset;
  start: (context: WorkflowTestContext) => Promise<WorkflowHandleWithFirstExecutionRunId>;
  /** The DeployFailed message for a cause. */
  failureMessage: (cause: string) => string;
  /** The procedure's undo steps; a handle gives the run's own names (its image). */
  undo: (handle: WorkflowHandleWithFirstExecutionRunId) => Record<U, UndoStep>;
  steps: StepCase<U>[];
}

/**
 * For each step of a procedure, two tests: a failure there fails the deploy with `DeployFailed`
 * naming the cause, after exactly the undo steps registered so far, last in first out (the report
 * in the failure's details, and the calls they made); a cancellation while the step runs (its
 * activity blocked, the `status` query showing the step's phase) ends the deploy cancelled after
 * the same undo steps.
 */
export function eachStepFailsAndCancels<U extends string>(matrix: StepMatrix<U>): void {
  const expected = (handle: WorkflowHandleWithFirstExecutionRunId, undo: U[]) => {
    const steps = matrix.undo(handle);
    return { report: undo.map((u) => `ok: ${steps[u].report}`), calls: undo.map((u) => steps[u].call) };
  };

  /** The calls made since the failure: the undo steps alone, or ending with them when another branch ran beside the step. */
  const undoCalls = (tools: FakeToolset, calls: string[], beside: string | undefined) => (beside ? tools.linesAfterFailure().slice(-calls.length) : tools.linesAfterFailure());

  describe.each(matrix.steps)('at "$step"', ({ step, tool, match, type, phase, undo, beside }) => {
    it(`fails with DeployFailed naming the cause, after undoing: ${undo.join(', ') || 'nothing'} (last in, first out)`, async () => {
      const tools = matrix.fake().fail(tool, type, `injected at ${step}`, match);
      await matrix.tests.run(tools, async (context) => {
        const handle = await matrix.start(context);
        const failure = await deployFailure(handle);
        const { report, calls } = expected(handle, undo);
        expect(failure).toEqual({
          type: 'DeployFailed',
          message: matrix.failureMessage(`injected at ${step}`),
          compensation: report,
          root: { type, message: `injected at ${step}` },
          chain: ['ApplicationFailure', 'ActivityFailure', 'ApplicationFailure'],
          nested: [],
        });
        expect(undoCalls(tools, calls, beside)).toEqual(calls);
        expect(await finalStatus(handle)).toMatchObject({ phase: 'failed', error: `injected at ${step}`, compensation: report });
      });
    });

    it(`ends cancelled when cancelled there (phase ${phase}), after the same undo steps`, async () => {
      const tools = matrix.fake();
      const gate = tools.block(tool, match);
      await matrix.tests.run(tools, async (context) => {
        const handle = await matrix.start(context);
        const blocked = await gate.reached;
        await statusWhen(handle, `phase ${phase}`, (s) => s.phase === phase);
        await handle.cancel();
        await expectCancelled(handle);
        const { report, calls } = expected(handle, undo);
        expect(blocked.outcome).toBe('cancelled');
        expect(undoCalls(tools, calls, beside)).toEqual(calls);
        expect(await finalStatus(handle)).toMatchObject({ phase: 'cancelled', compensation: report });
      });
    });
  });
}

/** What {@link retiringIsFinal} runs: a procedure that makes new fleets live, then retires the old ones. */
export interface RetiringProcedure {
  tests: WorkflowTests;
  fake: () => FakeToolset;
  start: (context: WorkflowTestContext) => Promise<WorkflowHandleWithFirstExecutionRunId<(...args: any[]) => Promise<DeployResult>>>;
  failureMessage: (cause: string) => string;
}

/** The retirement of an old fleet: terminating instances by id, old ones (`i-<region>-old-<n>`). */
const isRetirement = (input: { instanceIds?: string[] }) => !!input.instanceIds?.[0]?.includes('-old-');

/**
 * Past the point of no return (every region live), nothing is undone: a failure to retire the old
 * fleet fails the deploy with an empty compensation report, and a cancellation that arrives while
 * the old fleet is being retired lets the retirement finish, and the deploy completes.
 */
export function retiringIsFinal(procedure: RetiringProcedure): void {
  it('does not undo anything once every region is live: a failure to retire the old fleet fails the deploy as it stands', async () => {
    const tools = procedure.fake().fail('terminateInstances', 'WaitTimedOut', 'old fleet still shutting down', isRetirement);
    await procedure.tests.run(tools, async (context) => {
      const handle = await procedure.start(context);
      const failure = await deployFailure(handle);
      expect(failure.message).toBe(procedure.failureMessage('old fleet still shutting down'));
      expect(failure.compensation).toEqual([]);
      expect(tools.linesAfterFailure()).toEqual([]);
    });
  });

  it('finishes retiring the old fleet when cancelled past the point of no return, and completes', async () => {
    const tools = procedure.fake();
    const retire = tools.block('terminateInstances', isRetirement);
    await procedure.tests.run(tools, async (context) => {
      const handle = await procedure.start(context);
      const call = await retire.reached;
      await statusWhen(handle, 'retiring', (s) => s.phase === 'retiring');
      await handle.cancel();
      await cancellationSeen(handle);
      retire.release();
      const result = await handle.result();
      expect(call.outcome).toBe('ok');
      expect(result.regions.flatMap((r) => r.retiredInstanceIds)).toEqual(call.input.instanceIds);
      expect(tools.linesAfterFailure()).toEqual([]);
      expect((await finalStatus(handle)).phase).toBe('done');
    });
  });
}
