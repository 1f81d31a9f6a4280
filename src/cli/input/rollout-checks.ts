import type { Procedure, RolloutOptions } from '../../contracts';
import type { InputProblem } from '../../request/load';
import { hasRoomForBatch, neverPlansBatch, parseCountOrPercent, type CountOrPercent } from '../../request/rollout';
import type { DeploySpec } from '../../request/schema';

/** The rolling flags of `deploy`. */
export interface RolloutFlags {
  batchSize?: string;
  minHealthy?: string;
}

/**
 * Checks what can be known about a rollout before anything starts, all problems at once:
 * - the flags: counts or percentages, only for `--procedure mutable`, not contradicting each other;
 * - the spec's `rollout`, whatever the procedure: a value that can never plan a batch, on any
 *   fleet (a batch of 0, a floor of 100%), makes a spec no mutable deploy can use;
 * - for a mutable deploy, the settings in force (flags over the spec) against the fleet size the
 *   spec declares, `regionSettings.<region>.desiredCount`: the size every immutable or partial
 *   deploy launches. The workflow plans again against the fleet it finds (which someone may
 *   have scaled since), so this refuses only what the spec itself rules out.
 * Returns the flags' overrides of the spec (what the workflow lays over `rollout`).
 */
export function checkRollout(flags: RolloutFlags, procedure: Procedure | undefined, spec: DeploySpec | undefined, problems: InputProblem[]): RolloutOptions | undefined {
  const batchSize = flagAmount('--batch-size', flags.batchSize, procedure, problems);
  const minHealthy = flagAmount('--min-healthy', flags.minHealthy, procedure, problems);
  if (typeof batchSize === 'string' && typeof minHealthy === 'string' && parseFloat(batchSize) + parseFloat(minHealthy) > 100) {
    problems.push({ path: '--min-healthy', message: `${minHealthy} healthy cannot hold while batches of ${batchSize} are out of service (the two add up to more than 100%)` });
  }
  if (spec) checkSpecRollout(spec, problems);
  if (procedure !== 'mutable') return undefined;
  // A flag that was refused above is not checked again against the fleet.
  if (spec && (minHealthy !== undefined || flags.minHealthy === undefined)) {
    checkFleetRoom(spec, minHealthy ?? spec.rollout.minHealthy, minHealthy !== undefined ? '--min-healthy' : 'rollout.minHealthy', problems);
  }
  if (batchSize === undefined && minHealthy === undefined) return undefined;
  // Only what was given: the workflow lays these over the spec's `rollout` settings.
  return { ...(batchSize !== undefined ? { batchSize } : {}), ...(minHealthy !== undefined ? { minHealthy } : {}) };
}

/** The spec's `rollout` values that can never plan a batch, on any fleet: whatever the procedure, the spec is wrong. */
export function checkSpecRollout(spec: DeploySpec, problems: InputProblem[]): void {
  for (const setting of ['batchSize', 'minHealthy'] as const) {
    const never = neverPlansBatch(setting, spec.rollout[setting]);
    if (never) problems.push({ path: `rollout.${setting}`, message: never });
  }
}

/**
 * A rolling amount from the command line: a count or a percentage of the fleet (the spec's own
 * grammar, shared with the workflow's planner), at least `minimum`.
 */
export function parseAmount(value: string, minimum = 1): number | string | undefined {
  const parsed = parseCountOrPercent(value);
  if (!parsed) return undefined;
  if ('count' in parsed) return parsed.count >= minimum ? parsed.count : undefined;
  return parsed.percent >= minimum ? `${parsed.percent}%` : undefined;
}

function flagAmount(flag: '--batch-size' | '--min-healthy', value: string | undefined, procedure: Procedure | undefined, problems: InputProblem[]): CountOrPercent | undefined {
  if (value === undefined) return undefined;
  if (procedure && procedure !== 'mutable') {
    problems.push({ path: flag, message: `only applies to --procedure mutable (this deploy is ${procedure}: it replaces whole fleets, not batches)` });
  }
  const amount = parseAmount(value, flag === '--min-healthy' ? 0 : 1);
  if (amount === undefined) {
    problems.push({ path: flag, message: `${JSON.stringify(value)} is not a count or a percentage (a positive integer like 2, or 1%-100% like 25%)` });
    return undefined;
  }
  const never = flag === '--min-healthy' ? neverPlansBatch('minHealthy', amount) : undefined;
  if (never) problems.push({ path: flag, message: `${never} (leave room for one, e.g. --min-healthy 50%)` });
  return never ? undefined : amount;
}

/** One problem per region whose declared fleet the floor leaves no instance of to update. */
function checkFleetRoom(spec: DeploySpec, floor: CountOrPercent, path: string, problems: InputProblem[]): void {
  if (neverPlansBatch('minHealthy', floor)) return; // said already, for every fleet
  for (const region of spec.regions) {
    const fleet = spec.regionSettings[region]?.desiredCount;
    if (fleet === undefined || hasRoomForBatch(fleet, floor)) continue;
    const instances = fleet === 1 ? '1 instance' : `${fleet} instances`;
    const fix =
      fleet === 1
        ? 'pass --min-healthy 0 (the only instance stops serving while it is updated)'
        : `pass --min-healthy ${fleet - 1} or lower`;
    problems.push({
      path,
      message:
        `${JSON.stringify(floor)} keeps all ${instances} of ${region} (regionSettings.${region}.desiredCount) in service: no room for a batch; ` +
        `${fix}, or use --procedure partial (new instances replace the old ones)`,
    });
  }
}
