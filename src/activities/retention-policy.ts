import type { RetentionDecision, RetentionPolicy } from '../contracts';

/** What the policy needs to know of one available image. */
export interface RetentionCandidate {
  imageId: string;
  bakedAt: string;
  /** Why it is in use (an instance, a launch template), if it is. */
  inUse?: string;
  /** Why it belongs to a deploy that still runs, or is not proven ours, if so: then it is never touched. */
  untouchable?: string;
}

const DAY_MS = 86_400_000;

/**
 * The retention policy for one app in one region, as EC2 Image Builder's lifecycle policies
 * count: the newest `keep` images stay, so do images younger than `minAgeDays`, images in use,
 * and the newest of all whatever the policy says (partial deploys and rollbacks launch from
 * it). Everything else may go. Pure: the same images and clock always give the same answer.
 */
export function decideRetention(images: RetentionCandidate[], policy: RetentionPolicy, now: number): Map<string, RetentionDecision> {
  const newestFirst = [...images].sort((a, b) => b.bakedAt.localeCompare(a.bakedAt));
  const decisions = new Map<string, RetentionDecision>();
  newestFirst.forEach((image, rank) => {
    const ageDays = (now - Date.parse(image.bakedAt)) / DAY_MS;
    let decision: RetentionDecision;
    if (image.untouchable) decision = { action: 'keep', reason: image.untouchable };
    else if (rank === 0) decision = { action: 'keep', reason: 'the newest image: partial deploys and rollbacks launch from it' };
    else if (image.inUse) decision = { action: 'keep', reason: `in use: ${image.inUse}` };
    else if (rank < policy.keep) decision = { action: 'keep', reason: `among the newest ${policy.keep}` };
    else if (ageDays < policy.minAgeDays) decision = { action: 'keep', reason: `younger than ${policy.minAgeDays} days` };
    else decision = { action: 'remove', reason: `older than the newest ${policy.keep} and than ${policy.minAgeDays} days, not in use` };
    decisions.set(image.imageId, decision);
  });
  return decisions;
}
