import { hasRoomForBatch, neverPlansBatch, parseCountOrPercent, planBatches } from '../../src/request/rollout';

describe('rolling batches', () => {
  it('parses counts and percentages, and nothing else', () => {
    expect(parseCountOrPercent(3)).toEqual({ count: 3 });
    expect(parseCountOrPercent('3')).toEqual({ count: 3 });
    expect(parseCountOrPercent('25%')).toEqual({ percent: 25 });
    expect(parseCountOrPercent('12.5%')).toEqual({ percent: 12.5 });
    for (const bad of ['', 'ten', '101%', '-1', '1.5', 1.5, -2, '%']) expect(parseCountOrPercent(bad)).toBeUndefined();
  });

  it('rounds the batch down and the healthy floor up, as CodeDeploy does', () => {
    expect(planBatches(10, '25%', '50%')).toEqual({ fleetSize: 10, batchSize: 2, minHealthy: 5, batches: 5 });
    expect(planBatches(3, '50%', '50%')).toEqual({ fleetSize: 3, batchSize: 1, minHealthy: 2, batches: 3 });
  });

  it('never takes more out of service than the floor allows', () => {
    expect(planBatches(100, 50, '90%')).toEqual({ fleetSize: 100, batchSize: 10, minHealthy: 90, batches: 10 });
    expect(planBatches(4, '100%', 0)).toEqual({ fleetSize: 4, batchSize: 4, minHealthy: 0, batches: 1 });
  });

  it('always moves at least one instance per batch', () => {
    expect(planBatches(3, '10%', 1).batchSize).toBe(1);
  });

  it('refuses a floor that leaves no room for a batch, saying what to change', () => {
    expect(() => planBatches(2, 1, '100%')).toThrow(/keeps all 2 instance\(s\) in service: no room for a batch/);
    expect(() => planBatches(2, 1, 2)).toThrow(/no room/);
  });

  it('names the flag to pass when the floor holds the whole fleet', () => {
    expect(() => planBatches(1, '50%', '50%')).toThrow(/keeps all 1 instance\(s\) in service: no room for a batch \(pass --min-healthy 0 /);
  });

  it('tells a fleet with room for a batch from one without, and values no fleet has room for', () => {
    expect([hasRoomForBatch(1, '50%'), hasRoomForBatch(2, '50%'), hasRoomForBatch(2, 2), hasRoomForBatch(3, 2), hasRoomForBatch(1, 0)]).toEqual([false, true, false, true, true]);
    expect(neverPlansBatch('minHealthy', '100%')).toMatch(/keeps every instance in service/);
    expect(neverPlansBatch('batchSize', 0)).toMatch(/moves no instance/);
    expect(neverPlansBatch('batchSize', '0%')).toMatch(/moves no instance/);
    expect([neverPlansBatch('minHealthy', '99%'), neverPlansBatch('minHealthy', 1000), neverPlansBatch('batchSize', '1%')]).toEqual([undefined, undefined, undefined]);
  });

  it('names a malformed value', () => {
    expect(() => planBatches(2, 'half', 1)).toThrow(/batch size "half" is not a count or a percentage/);
  });
});
