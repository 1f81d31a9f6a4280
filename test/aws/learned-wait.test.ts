import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { TransitionTimes } from '../../src/aws/transition-times';
import { CLOSE_LOOKS_PER_INTERVAL, waitFor } from '../../src/aws/wait';

describe('what a wait learns of a transition', () => {
  it('keeps, per key, the earliest of the last few moments the old state was still seen', () => {
    const times = new TransitionTimes(3, 2);
    expect(times.expectedMs('tg drained')).toBeUndefined();
    times.record('tg drained', 600);
    times.record('tg drained', 550);
    expect(times.expectedMs('tg drained')).toBe(550);
    times.record('tg drained', 700);
    times.record('tg drained', 650);
    times.record('tg drained', 620);
    // 550 has left the last three: the estimate follows a group whose delay was raised.
    expect(times.expectedMs('tg drained')).toBe(620);
    times.record('tg healthy', 300);
    times.record('other drained', 100);
    // Two keys at most: the least recently used is forgotten.
    expect(times.expectedMs('tg drained')).toBeUndefined();
    expect(times.expectedMs('tg healthy')).toBe(300);
  });

  describe('a wait for a transition that ends a fixed time after it began', () => {
    const INTERVAL_MS = 100;
    const ENDS_AFTER_MS = 1_500;

    /**
     * Waits once for a state that turns done ENDS_AFTER_MS after the wait began (the first of two
     * targets `firstChangesAfterMs`); the looks it took and what its heartbeats said.
     */
    async function waitOnce(times: TransitionTimes | undefined, { attempt = 1, firstChangesAfterMs = ENDS_AFTER_MS } = {}) {
      const env = new MockActivityEnvironment({ attempt });
      const heartbeats: unknown[] = [];
      env.on('heartbeat', (d: unknown) => heartbeats.push(d));
      const began = Date.now();
      const looks: number[] = [];
      await env.run(() =>
        waitFor({
          what: 'the group to drain',
          timeoutSeconds: 30,
          pollIntervalMs: INTERVAL_MS,
          ...(times ? { learn: { times, key: 'tg drained' } } : {}),
          check: async () => {
            looks.push(Date.now() - began);
            const elapsed = Date.now() - began;
            return { done: elapsed >= ENDS_AFTER_MS, anyChanged: elapsed >= firstChangesAfterMs, value: true, progress: ['i-1: draining'] };
          },
        }),
      );
      return { looks, heartbeats, lateMs: looks[looks.length - 1] - ENDS_AFTER_MS };
    }

    it('polls at the interval the first time, then skips to the learned end and looks closely there', async () => {
      const times = new TransitionTimes();
      const first = await waitOnce(times);
      // The first wait knows nothing: a look per interval from the start.
      expect(first.looks.length).toBeGreaterThanOrEqual(Math.floor(ENDS_AFTER_MS / INTERVAL_MS));
      expect(times.expectedMs('tg drained')).toBeLessThan(ENDS_AFTER_MS);
      expect(times.expectedMs('tg drained')).toBeGreaterThanOrEqual(ENDS_AFTER_MS - INTERVAL_MS - 50);

      const second = await waitOnce(times);
      // One look at once (a resumed attempt may find it done), then none until the learned end.
      expect(second.looks[0]).toBeLessThan(INTERVAL_MS);
      expect(second.looks[1]).toBeGreaterThanOrEqual(times.expectedMs('tg drained')! - 50);
      expect(second.looks.length).toBeLessThan(first.looks.length);
      // Looking closely near the end: the looks after the skip come several times an interval.
      const closeLooks = second.looks.slice(1);
      expect(closeLooks.length).toBeGreaterThanOrEqual(2);
      expect(second.lateMs).toBeLessThan(INTERVAL_MS);
      expect((closeLooks[closeLooks.length - 1] - closeLooks[0]) / (closeLooks.length - 1)).toBeLessThan(INTERVAL_MS / CLOSE_LOOKS_PER_INTERVAL + INTERVAL_MS / 2);
      // The skip heartbeats (with the wait's last details), so a long drain never times the attempt out.
      expect(second.heartbeats.length).toBeGreaterThan(second.looks.length);
      expect(second.heartbeats.every((h) => JSON.stringify(h).includes('the group to drain'))).toBe(true);
    });

    it('a retried attempt neither skips (an earlier attempt began the transition) nor teaches', async () => {
      const times = new TransitionTimes();
      await waitOnce(times);
      const learned = times.expectedMs('tg drained')!;
      const retry = await waitOnce(times, { attempt: 2 });
      expect(retry.looks[1]).toBeLessThan(learned - INTERVAL_MS);
      expect(times.expectedMs('tg drained')).toBe(learned);
    });

    it('learns when the first of several targets changed, so a wait for fewer is never late', async () => {
      const times = new TransitionTimes();
      await waitOnce(times, { firstChangesAfterMs: ENDS_AFTER_MS / 2 });
      expect(times.expectedMs('tg drained')).toBeLessThan(ENDS_AFTER_MS / 2);
    });

    it('learns nothing later than it saw: a throttled look after the end is no sighting of the old state', async () => {
      const times = new TransitionTimes();
      const env = new MockActivityEnvironment();
      const began = Date.now();
      let throttled = 0;
      await env.run(() =>
        waitFor({
          what: 'the group to drain',
          timeoutSeconds: 30,
          pollIntervalMs: INTERVAL_MS,
          learn: { times, key: 'tg drained' },
          check: async () => {
            const elapsed = Date.now() - began;
            // AWS throttles the looks from just before the end until well after it.
            if (elapsed >= ENDS_AFTER_MS - INTERVAL_MS && throttled < 5) {
              throttled++;
              throw ApplicationFailure.create({ type: 'ThrottlingException', message: 'Rate exceeded' });
            }
            return { done: elapsed >= ENDS_AFTER_MS, value: true };
          },
        }),
      );
      expect(throttled).toBe(5);
      // The last look that saw the old state came before the throttling began.
      expect(times.expectedMs('tg drained')).toBeLessThan(ENDS_AFTER_MS - INTERVAL_MS);
    });

    it('without learning, keeps looking at the interval', async () => {
      const plain = await waitOnce(undefined);
      expect(plain.looks.length).toBeGreaterThanOrEqual(Math.floor(ENDS_AFTER_MS / INTERVAL_MS));
    });
  });
});
