import { msToNumber } from '@temporalio/common/lib/time';
import { AWS_ACTIVITY_RETRY, SDK_MAX_ATTEMPTS } from '../../src/contracts';

/** When each activity attempt starts (s after the first), by Temporal's backoff rule, ignoring the attempts' own run time. */
function attemptStarts(): number[] {
  const initial = msToNumber(AWS_ACTIVITY_RETRY.initialInterval!) / 1000;
  const max = msToNumber(AWS_ACTIVITY_RETRY.maximumInterval!) / 1000;
  const starts = [0];
  for (let n = 1; n < AWS_ACTIVITY_RETRY.maximumAttempts!; n++) {
    starts.push(starts[n - 1] + Math.min(max, initial * AWS_ACTIVITY_RETRY.backoffCoefficient! ** (n - 1)));
  }
  return starts;
}

describe('the one retry layer (contracts/retry-policy.ts), as the README states it', () => {
  it('sends one AWS call at most 24 times in all: the SDK’s attempts times the activity’s', () => {
    expect(SDK_MAX_ATTEMPTS * AWS_ACTIVITY_RETRY.maximumAttempts!).toBe(24);
  });

  it('spreads the attempts over about 14 minutes, so a 10-minute throttling storm is ridden out', () => {
    const starts = attemptStarts();
    expect(starts.map((s) => Math.round(s))).toEqual([0, 2, 8, 26, 80, 242, 542, 842]);
    // Some attempt starts after a storm that began with the first one and lasted 10 minutes.
    expect(starts.some((s) => s > 600)).toBe(true);
    // And none waits longer than 5 minutes after the previous one: the step moves soon after the storm ends.
    expect(Math.max(...starts.slice(1).map((s, i) => s - starts[i]))).toBeLessThanOrEqual(300);
  });
});
