import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ReusableImage, RunKind, WaitingFleet } from '../contracts';

/** Where a deploy is; also upserted as the `DeployPhase` search attribute. */
export const Phases = [
  'starting', 'resolving', 'baking', 'copying', 'launching', 'verifying', 'waiting-for-approval', 'promoting', 'retiring',
  'syncing', 'rolling-back', 'compensating', 'done', 'failed', 'cancelled',
] as const;
export type Phase = (typeof Phases)[number];

/** Per-region progress, as the `status` query shows it. */
export interface RegionProgress {
  phase: Phase;
  /** When the region entered its phase (ISO, workflow time). */
  phaseStartedAt?: string;
  /** The step running in the region now, in the words of its activity summary (`copy ami-… us-east-1 → us-west-2`). */
  step?: string;
  /** When that step started (ISO, workflow time). */
  stepStartedAt?: string;
  imageId?: string;
  newInstances?: string[];
  oldInstances?: string[];
  /** Mutable rollouts: batches done of batches planned. */
  batchesDone?: number;
  batchesTotal?: number;
  updated?: number;
}

/** The whole deploy's progress. */
export interface DeployStatus {
  procedure: RunKind;
  app: string;
  env: string;
  version: string;
  phase: Phase;
  /** When the deploy started and entered its phase (ISO, workflow time). */
  startedAt?: string;
  phaseStartedAt?: string;
  regions: Record<string, RegionProgress>;
  /** A bake of the live release: where its version was found (`the live fleet in us-east-1`). */
  releaseFoundIn?: string;
  /** An immutable deploy or bake whose bake key matched: the image it reuses instead of baking. */
  reusedImage?: ReusableImage;
  /** Why no bake key could be computed, so nothing could be reused (e.g. the artifact's sha256 is unknown). */
  bakeKeyUnknown?: string;
  error?: string;
  compensation?: string[];
  /** The approval gate, once the deploy reached it (see {@link approveUpdate}). */
  approval?: ApprovalStatus;
  /** Webhook deliveries that failed (a failing webhook never fails the deploy). */
  notificationFailures?: string[];
}

/** `status`: the deploy's phase and per-region progress (the CLI and the Web UI's query tab read it). */
export const statusQuery = defineQuery<DeployStatus>('status');

/** What a finished deploy returns: small, ids only. */
export interface DeployResult {
  procedure: RunKind;
  app: string;
  env: string;
  version: string;
  regions: { region: string; imageId?: string; instanceIds: string[]; retiredInstanceIds: string[] }[];
  /** The bake was skipped: this image, baked earlier from the same inputs, was reused. */
  reusedImage?: ReusableImage;
}

/** A region's rolling sync reports its progress to the mutable deploy that started it. */
export interface RolloutProgress {
  region: string;
  phase: Phase;
  batchesDone: number;
  batchesTotal: number;
  updated: number;
}

/** `rolloutProgress`: sent by each region's rolling sync (a child workflow) to its parent deploy. */
export const rolloutProgressSignal = defineSignal<[RolloutProgress]>('rolloutProgress');

/** What `hybrid-deploy approve` sends: approve, or reject with a reason; who decides. */
export interface ApprovalRequest {
  approve: boolean;
  /** Who decides (`--by`, else the CI actor or the OS user). */
  by: string;
  /** Why: required to reject. */
  reason?: string;
}

/** A decision, as the deploy recorded it. */
export interface ApprovalDecision {
  approved: boolean;
  by: string;
  /** When the deploy received it (ISO, workflow time). */
  at: string;
  reason?: string;
}

/** The approval gate: what waits, since when, until when, and how it ended. */
export interface ApprovalStatus {
  state: 'waiting' | 'approved' | 'rejected' | 'timed-out';
  /** When the deploy started waiting and when the wait times out (ISO, workflow time). */
  waitingSince: string;
  deadline: string;
  /** What waits for the decision, as instances: the new fleets, or a mutable deploy's canary batches. */
  waiting: WaitingFleet;
  decision?: ApprovalDecision;
}

/**
 * `approve`: lets a deploy waiting at its approval gate go live, or rejects it (then it
 * compensates, as after a failure). Validated: only a deploy that is waiting accepts it, a
 * rejection needs a reason, and the decider is named.
 */
export const approveUpdate = defineUpdate<ApprovalDecision, [ApprovalRequest]>('approve');
