import { CancellationScope } from '@temporalio/workflow';
import type { Phase } from '../messages';
import type { DeployRun } from './deploy-run';

/**
 * Runs branches in parallel. If one fails, the others are cancelled and awaited before the
 * error is rethrown, so no branch is still creating resources while compensation runs.
 */
export async function allOrCancel<T>(branches: (() => Promise<T>)[]): Promise<T[]> {
  const scope = new CancellationScope();
  const running = branches.map((branch) => scope.run(branch));
  const settled = Promise.allSettled(running);
  try {
    return await Promise.all(running);
  } catch (error) {
    scope.cancel();
    await settled;
    throw error;
  }
}

/**
 * Moves the deploy to a phase and runs one branch per region of the spec, all at once, in the
 * spec's order: the same work everywhere, and if one region fails the others stop (see
 * {@link allOrCancel}). Resolves to the regions' results in the spec's order.
 */
export function inEveryRegion<T>(run: DeployRun, phase: Phase, branch: (region: string, index: number) => Promise<T>): Promise<T[]> {
  run.phase(phase);
  return allOrCancel(run.spec.regions.map((region, index) => () => branch(region, index)));
}
