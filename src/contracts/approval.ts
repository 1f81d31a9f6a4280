/**
 * The approval gate as people read it: what a deploy holds while it waits, in a sentence that
 * `status`, the Web UI and the notifications share, and the command that decides.
 */

/** What a deploy holds while it waits for approval. */
export interface WaitingFleet {
  /**
   * `new-fleets`: launched and verified, not yet live (immutable, partial: they cost money while
   * they wait); `canary`: a mutable deploy's first batch in every region, serving the new release.
   */
  kind: 'new-fleets' | 'canary';
  instanceIds: string[];
  /** Since when they run (new fleets) or serve the new release (canary), ISO. */
  since: string;
  /** A canary's whole fleet, every region (the rest keep the previous release until approved). */
  fleetSize?: number;
}

/** `4 new instance(s) running since 2026-…Z cost money until the deploy is approved or rejected`. */
export function describeWaiting(waiting: WaitingFleet): string {
  const count = waiting.instanceIds.length;
  if (waiting.kind === 'canary') {
    const rest = (waiting.fleetSize ?? count) - count;
    return `canary: ${count} instance(s) serve the new release since ${waiting.since}; the other ${rest} keep the previous one until the deploy is approved`;
  }
  return `${count} new instance(s) running since ${waiting.since} cost money until the deploy is approved or rejected`;
}

/** The command that approves a deploy of app to env (add `--reject --reason "…"` to reject it). */
export function approveCommand(app: string, env: string): string {
  return `hybrid-deploy approve ${app} ${env}`;
}
