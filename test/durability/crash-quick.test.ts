import { execFileSync } from 'node:child_process';
import { DeployChain, DurabilityWorld, orphanCount, QUICK_CRASHES, runCrash, runServerRestart, total, type Outcome } from '../../harness/durability';
import { testTemporalAddress } from '../helpers/temporal';

/**
 * Crashes that matter most, through the real parts: the production worker runs as a child
 * process (`node dist/src/worker.js`) and is SIGKILLed mid-step, a new one takes over; the
 * Temporal dev server itself is stopped and restarted on its SQLite file mid-bake. Every deploy
 * must still complete, create nothing twice and leave nothing behind. Counts only, never
 * timings: `npm run reliability` prints those, and runs the whole matrix.
 */
describe('deploys survive crashes of the worker and of the Temporal server', () => {
  let world: DurabilityWorld;
  let chain: DeployChain;
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    world = await DurabilityWorld.start({ temporalAddress: testTemporalAddress() });
    chain = new DeployChain(world);
  });
  afterAll(async () => {
    // The figures, for whoever reads the test log; the assertions are on counts.
    for (const o of outcomes) console.log(`${o.procedure} ${o.phase}: killed at ${o.killedAtSeconds}s (${o.killedActivity}), resumed in ${o.resumedInSeconds}s, acted in ${o.actedInSeconds}s, ${o.seconds}s in all; ${o.notes.join('; ')}`);
    if (!world) return;
    const pids = world.workerPids;
    await world.close();
    // Nothing of ours keeps running: no worker child, no restarted dev server (its args name the work dir).
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    expect(execFileSync('ps', ['-eo', 'args']).toString()).not.toContain(world.workDir);
  });

  /** Everything the issue asks of a crashed deploy, as one comparable object. */
  function expectSurvived(outcome: Outcome): void {
    outcomes.push(outcome);
    expect({
      interrupted: outcome.interrupted,
      completed: outcome.completed,
      error: outcome.error,
      duplicates: outcome.duplicates,
      orphans: outcome.orphans,
      fleet: outcome.fleetProblems,
    }).toEqual({
      interrupted: true,
      completed: true,
      error: undefined,
      duplicates: { builders: 0, images: 0, fleet: 0, commands: 0 },
      orphans: { instances: [], images: [], targets: [], snapshots: [], commands: [] },
      fleet: [],
    });
    expect(total(outcome.duplicates) + orphanCount(outcome.orphans)).toBe(0);
  }

  // First an immutable deploy (it makes the fleet and the catalog image), then a mutable one on that fleet.
  for (const { procedure, phase } of QUICK_CRASHES) {
    it(`a ${procedure} deploy whose worker is killed at ${phase} completes on a new worker: one of everything, nothing left behind`, async () => {
      expectSurvived(await runCrash(chain, procedure, phase));
    }, 300_000);
  }

  it('a bake survives a restart of the Temporal server (persistent store, same address): the worker reconnects by itself', async () => {
    const outcome = await runServerRestart(chain, { phase: 'image-pending' });
    expectSurvived(outcome);
    expect(outcome.restart).toMatchObject({ workerSurvived: true, workerReplaced: false });
  }, 300_000);
});
