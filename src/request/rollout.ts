/**
 * Rolling-batch arithmetic for the mutable procedure, like CodeDeploy's deployment configs: a
 * batch size and a minimum-healthy floor, each a count (`2`) or a percentage of the fleet
 * (`"25%"`). Pure, so the CLI (validation) and workflows (planning) share it.
 */

/** A count or a percentage, as written in a spec or on the command line. */
export type CountOrPercent = number | string;

const PERCENT = /^(\d{1,3}(?:\.\d+)?)%$/;
const COUNT = /^\d+$/;

/** Parses `3`, `"3"` or `"25%"`; undefined when malformed. */
export function parseCountOrPercent(value: CountOrPercent): { count: number } | { percent: number } | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? { count: value } : undefined;
  const trimmed = value.trim();
  if (COUNT.test(trimmed)) return { count: Number(trimmed) };
  const match = PERCENT.exec(trimmed);
  if (match && Number(match[1]) <= 100) return { percent: Number(match[1]) };
  return undefined;
}

/** Instances a floor keeps in service on a fleet of this size: rounded up, as CodeDeploy's minimum healthy hosts. */
function healthyFloor(fleetSize: number, floor: { count: number } | { percent: number }): number {
  return 'count' in floor ? floor.count : Math.ceil((fleetSize * floor.percent) / 100);
}

/** True when the floor leaves at least one instance of a fleet this size free to update (or it is not a floor at all). */
export function hasRoomForBatch(fleetSize: number, minHealthy: CountOrPercent): boolean {
  const floor = parseCountOrPercent(minHealthy);
  return !floor || fleetSize === 0 || fleetSize - healthyFloor(fleetSize, floor) >= 1;
}

/**
 * Why a rollout value can never plan a batch, on a fleet of any size: a batch of nothing, or a
 * floor of every instance. Undefined when it can (or is not a count or percentage at all).
 */
export function neverPlansBatch(setting: 'batchSize' | 'minHealthy', value: CountOrPercent): string | undefined {
  const parsed = parseCountOrPercent(value);
  if (!parsed) return undefined;
  const amount = 'count' in parsed ? parsed.count : parsed.percent;
  if (setting === 'batchSize' && amount === 0) return `${JSON.stringify(value)} moves no instance: a batch needs at least one (e.g. 1 or "25%")`;
  if (setting === 'minHealthy' && 'percent' in parsed && parsed.percent >= 100) return `${JSON.stringify(value)} keeps every instance in service: no batch can ever be updated`;
  return undefined;
}

/** A rollout plan for one fleet: instances per batch and how many batches. */
export interface BatchPlan {
  fleetSize: number;
  batchSize: number;
  minHealthy: number;
  batches: number;
}

/**
 * Plans batches for a fleet: the batch size rounds down (at least 1), the healthy floor rounds
 * up (as CodeDeploy's minimum healthy hosts), and the batch shrinks so the floor always holds.
 * Throws when the floor leaves no room for even one instance out of service.
 */
export function planBatches(fleetSize: number, batchSize: CountOrPercent, minHealthy: CountOrPercent): BatchPlan {
  const size = parseCountOrPercent(batchSize);
  const floor = parseCountOrPercent(minHealthy);
  if (!size) throw new Error(`batch size ${JSON.stringify(batchSize)} is not a count or a percentage (e.g. 2 or "25%")`);
  if (!floor) throw new Error(`min healthy ${JSON.stringify(minHealthy)} is not a count or a percentage (e.g. 1 or "50%")`);
  const wanted = 'count' in size ? size.count : Math.floor((fleetSize * size.percent) / 100);
  const healthy = healthyFloor(fleetSize, floor);
  const room = fleetSize - healthy;
  if (!hasRoomForBatch(fleetSize, minHealthy)) {
    throw new Error(
      `min healthy ${JSON.stringify(minHealthy)} keeps all ${fleetSize} instance(s) in service: no room for a batch ` +
        `(pass --min-healthy ${fleetSize - 1} or lower rollout.minHealthy in the spec, or use a partial deploy)`,
    );
  }
  const batch = Math.max(1, Math.min(wanted, room, fleetSize));
  return { fleetSize, batchSize: batch, minHealthy: healthy, batches: fleetSize === 0 ? 0 : Math.ceil(fleetSize / batch) };
}
