import { ApplicationFailure, ContinueAsNew, isCancellation, log, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { type ArtifactRef, deploySearchAttributes, type ReusableImage, type DeployRequest, DeployPhase, DeployVersion, type Ownership, RUN_WORKFLOW_TYPES } from '../../contracts';
import { ApprovalGate } from './approval-gate';
import { keepCommandOutput } from './command-output';
import { Compensations } from './compensations';
import { describe } from './failure-message';
import { statusQuery, type DeployStatus, type Phase, type RegionProgress } from '../messages';
import { renderCurrentDetails } from './current-details';
import { Notifier } from './notifier';
import { reportEnd, reportStart } from './run-reports';
import { measureSteps } from './run-metrics';
import { toolset, trackSteps, type Toolset } from './toolset';

/**
 * The state one deploy carries through its building blocks: who owns what it creates, its
 * progress (served by the `status` query and mirrored in search attributes), its undo steps,
 * and the toolset. Every procedure starts by making one.
 */
export class DeployRun {
  owner: Ownership;
  readonly status: DeployStatus;
  readonly compensations = new Compensations();
  readonly tools: Toolset;
  /** The approval gate's state and the `approve` Update's handler (see steps/wait-for-approval). */
  readonly approvals: ApprovalGate;
  /** The spec's webhooks. */
  readonly notifier: Notifier;
  /** A run a person started (a deploy or bake), not a child that reports through its parent: it logs, notifies and counts. */
  readonly reportsItself: boolean;

  constructor(public request: DeployRequest) {
    const info = workflowInfo();
    const { spec, env, version, procedure } = request;
    // The first run id stays the same across retries, resets and continue-as-new: idempotency keys hold.
    this.owner = { app: spec.app, env, version, workflowId: info.workflowId, runId: info.firstExecutionRunId };
    const now = new Date(Date.now()).toISOString();
    this.status = { procedure, app: spec.app, env, version, phase: 'starting', startedAt: now, phaseStartedAt: now, regions: {} };
    // A region may run steps side by side (a batch's tag beside its health checks, the builder's
    // termination beside a copy): the status shows the newest still running, so a short step
    // that ends first hands the line back to the long one instead of leaving it blank.
    const running = new Map<string, { step: string; stepStartedAt: string }[]>();
    this.tools = trackSteps(measureSteps(keepCommandOutput(toolset(spec), request), procedure), {
      started: (region, step) => {
        const entry = { step, stepStartedAt: new Date(Date.now()).toISOString() };
        running.set(region, [...(running.get(region) ?? []), entry]);
        this.region(region, entry);
      },
      ended: (region, step) => {
        const left = (running.get(region) ?? []).filter((entry) => entry.step !== step);
        running.set(region, left);
        if (this.status.regions[region]?.step === step) this.region(region, left.at(-1) ?? { step: undefined, stepStartedAt: undefined });
      },
    });
    setHandler(statusQuery, () => this.status);
    this.approvals = new ApprovalGate(this.status, () => this.showProgress());
    this.reportsItself = (Object.values(RUN_WORKFLOW_TYPES) as string[]).includes(info.workflowType);
    this.notifier = new Notifier(this, this.reportsItself);
    upsertSearchAttributes(deploySearchAttributes(this.status, 'starting'));
  }

  get spec() {
    return this.request.spec;
  }

  /** Moves the whole deploy to a phase (and the `DeployPhase` search attribute with it). */
  phase(phase: Phase): void {
    if (this.status.phase === phase) return;
    this.status.phase = phase;
    this.status.phaseStartedAt = new Date(Date.now()).toISOString();
    upsertSearchAttributes([{ key: DeployPhase, value: phase }]);
    this.showProgress();
    log.info('phase', { phase });
  }

  /** Updates one region's progress. */
  region(region: string, patch: Partial<RegionProgress>): void {
    const current = this.status.regions[region];
    const entered = patch.phase !== undefined && patch.phase !== current?.phase ? { phaseStartedAt: new Date(Date.now()).toISOString() } : {};
    this.status.regions[region] = { ...(current ?? { phase: 'starting' }), ...entered, ...patch };
    this.showProgress();
  }

  /** Mirrors the progress in the Web UI's current details (no history event: it rides on the workflow's metadata query). */
  private showProgress(): void {
    setCurrentDetails(renderCurrentDetails(this.status, Date.now()));
  }

  /** The bake is skipped: an image baked earlier from the same inputs is reused (status, Web UI and result say which). */
  reuseImage(image: ReusableImage): void {
    this.status.reusedImage = image;
    this.showProgress();
  }

  /** No bake key could be computed, so nothing can be reused: the Web UI says why. */
  bakeKeyUnknown(reason: string): void {
    this.status.bakeKeyUnknown = reason;
    this.showProgress();
  }

  /**
   * A bake of the live release has found its version: from here on the run is about that version
   * (its images are named and tagged with it; `status`, the search attributes and the Web UI say it).
   */
  settleRelease(version: string, artifact: ArtifactRef, foundIn: string): void {
    this.request = { ...this.request, version, artifact };
    this.owner = { ...this.owner, version };
    this.status.version = version;
    this.status.releaseFoundIn = foundIn;
    upsertSearchAttributes([{ key: DeployVersion, value: version }]);
    this.showProgress();
  }

  /** Settings of one region. */
  settings(region: string) {
    return this.spec.regionSettings[region];
  }

  /** Where a region's traffic goes: its target group, the app's port, and the bounds of the waits. */
  trafficOf(region: string) {
    return { region, targetGroupArn: this.settings(region).targetGroupArn, port: this.spec.service.healthCheck.port, timeouts: this.spec.timeouts };
  }

  /**
   * Every region serves the new version: from here on, failing means retrying, not undoing. The
   * undo steps are dropped (refused if the deploy was cancelled meanwhile: see `Compensations.commit`).
   */
  pointOfNoReturn(): void {
    this.compensations.commit();
  }

  /** Runs the undo steps after a failure or cancellation and records how they went. */
  async compensate(error: unknown): Promise<void> {
    this.status.error = error instanceof Error ? describe(error) : String(error);
    this.phase('compensating');
    this.status.compensation = await this.compensations.run();
    // A cancelled deploy says so in the Web UI's phase filter too, not just in Temporal's status.
    this.phase(isCancellation(error) ? 'cancelled' : 'failed');
    this.showProgress();
  }
}

/**
 * The frame every procedure runs in: on failure or cancellation the undo steps run (not
 * cancellable), then the deploy fails with a message that says what went wrong and what was
 * undone; a cancellation stays a cancellation.
 */
export async function runDeploy<T>(request: DeployRequest, body: (run: DeployRun) => Promise<T>): Promise<T> {
  const run = new DeployRun(request);
  reportStart(run);
  try {
    const result = await body(run);
    run.phase('done');
    await reportEnd(run, { result });
    return result;
  } catch (error) {
    // Continuing as new hands the work (and its undo list, carried in the input) to the next run.
    if (error instanceof ContinueAsNew) throw error;
    await run.compensate(error);
    await reportEnd(run, { error });
    if (isCancellation(error)) throw error;
    throw ApplicationFailure.create({
      type: 'DeployFailed',
      nonRetryable: true,
      message: `${run.request.procedure === 'bake' ? 'bake' : `${run.request.procedure} deploy`} of ${run.request.spec.app} ${run.request.version} to ${run.request.env} failed: ${run.status.error}`,
      details: [{ compensation: run.status.compensation }],
      cause: error instanceof Error ? error : undefined,
    });
  }
}
