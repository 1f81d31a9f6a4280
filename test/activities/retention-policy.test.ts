import { decideRetention, type RetentionCandidate } from '../../src/activities/retention-policy';
import { bakeKeyOf } from '../../src/activities/bake-key';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const daysAgo = (days: number) => new Date(NOW - days * 86_400_000).toISOString();
const image = (id: string, ageDays: number, extra: Partial<RetentionCandidate> = {}): RetentionCandidate => ({ imageId: id, bakedAt: daysAgo(ageDays), ...extra });

describe('the retention policy', () => {
  const actions = (images: RetentionCandidate[], keep: number, minAgeDays: number) =>
    Object.fromEntries([...decideRetention(images, { keep, minAgeDays }, NOW)].map(([id, d]) => [id, d.action]));

  it('keeps the newest N and those younger than D days; removes the rest', () => {
    const images = [image('a', 1), image('b', 5), image('c', 9), image('d', 20), image('e', 40)];
    expect(actions(images, 2, 10)).toEqual({ a: 'keep', b: 'keep', c: 'keep', d: 'remove', e: 'remove' });
    expect(actions(images, 2, 0)).toEqual({ a: 'keep', b: 'keep', c: 'remove', d: 'remove', e: 'remove' });
  });

  it('never removes an image in use, one it may not touch, or the newest, whatever the policy says', () => {
    const images = [image('new', 30), image('used', 50, { inUse: 'launched by i-1 (stopped)' }), image('running', 60, { untouchable: 'never removed: its deploy is still running' }), image('old', 70)];
    const decisions = decideRetention(images, { keep: 1, minAgeDays: 0 }, NOW);
    expect(decisions.get('new')).toEqual({ action: 'keep', reason: expect.stringContaining('newest') });
    expect(decisions.get('used')).toEqual({ action: 'keep', reason: 'in use: launched by i-1 (stopped)' });
    expect(decisions.get('running')).toEqual({ action: 'keep', reason: 'never removed: its deploy is still running' });
    expect(decisions.get('old')).toEqual({ action: 'remove', reason: expect.stringContaining('not in use') });
  });
});

describe('the bake key', () => {
  const inputs = { baseImageId: 'ami-1', bake: { packages: ['nodejs'], commands: ['echo hi'], instanceType: 't3.micro' }, version: '1.0.0' };
  const sha = 'a'.repeat(64);

  it('is the same for the same inputs, and changes with each one of them', () => {
    const key = bakeKeyOf(inputs, sha);
    expect(bakeKeyOf({ ...inputs }, sha)).toBe(key);
    const changed = [
      bakeKeyOf({ ...inputs, baseImageId: 'ami-2' }, sha),
      bakeKeyOf({ ...inputs, bake: { ...inputs.bake, packages: ['nodejs', 'jq'] } }, sha),
      bakeKeyOf({ ...inputs, bake: { ...inputs.bake, commands: ['echo hello'] } }, sha),
      bakeKeyOf({ ...inputs, bake: { ...inputs.bake, instanceType: 't3.small' } }, sha),
      bakeKeyOf({ ...inputs, version: '1.0.1' }, sha),
      bakeKeyOf(inputs, 'b'.repeat(64)),
    ];
    expect(new Set([key, ...changed]).size).toBe(7);
  });
});
