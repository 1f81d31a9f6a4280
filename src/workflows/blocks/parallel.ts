import { CancellationScope } from '@temporalio/workflow';

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
