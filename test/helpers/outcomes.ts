import type { CliRun, DeployWorld } from './deploy-world';

/** A successful CLI run's JSON document (stdout and stderr shown when it did not exit 0). */
export function succeeded(run: CliRun): any {
  expect({ code: run.code, out: run.code === 0 ? '' : `${run.stdout}\n${run.stderr}` }).toEqual({ code: 0, out: '' });
  return JSON.parse(run.stdout);
}

/** A failed deploy's JSON document (stdout and stderr shown when it did not exit 1). */
export function failed(run: CliRun): any {
  expect({ code: run.code, out: run.code === 1 ? '' : `${run.stdout}\n${run.stderr}` }).toEqual({ code: 1, out: '' });
  return JSON.parse(run.stdout);
}

/** A cancelled deploy's JSON document: exit 5 (stopped), outcome cancelled (stdout and stderr shown otherwise). */
export function cancelled(run: CliRun): any {
  expect({ code: run.code, out: run.code === 5 ? '' : `${run.stdout}\n${run.stderr}` }).toEqual({ code: 5, out: '' });
  const output = JSON.parse(run.stdout);
  expect(output).toMatchObject({ outcome: 'cancelled', code: 'DEPLOY_CANCELLED' });
  return output;
}

/** Polls `probe` every 50 ms until it returns a value (not undefined); fails after `seconds`, saying what it waited for. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${seconds}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The env's live fleet in a region (running instances tagged role=fleet), sorted by id. */
export async function fleetOf(world: DeployWorld, env: string, region: string) {
  const { instances } = await world.sandbox.control.resources();
  return instances
    .filter((i) => i.region === region && i.tags['hybrid-deploy:env'] === env && i.tags['hybrid-deploy:role'] === 'fleet' && i.state === 'running')
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** What every instance of a fleet answers on its own health endpoint (not through the load balancer). */
export async function versionsRunning(instances: { privateIp: string }[]): Promise<string[]> {
  return Promise.all(
    instances.map(async (i) => {
      try {
        const response = await fetch(`http://${i.privateIp}:8080/health`, { signal: AbortSignal.timeout(5_000) });
        return ((await response.json()) as { version: string }).version;
      } catch (error) {
        return `error: ${(error as Error).message}`;
      }
    }),
  );
}
