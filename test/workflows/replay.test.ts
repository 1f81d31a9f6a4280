import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';

/**
 * The determinism guard: every recorded history (test/fixtures/histories, recorded from real
 * end-to-end runs by scripts/record-histories.ts) must replay against the current workflow code.
 * A change that would break deploys running while a new worker version rolls out fails here;
 * see test/fixtures/histories/README.md for patched()/deprecatePatch() and re-recording.
 */
const DIR = join(__dirname, '..', 'fixtures', 'histories');
const WORKFLOWS = require.resolve('../../src/workflows');

/** Every procedure, succeeding and failing, and the mutable deploy's child workflow; in one region, and what only two regions do. */
const REQUIRED = [
  'immutable-success',
  'partial-success',
  'mutable-success',
  'mutable-success.rolling-sync',
  'immutable-failed-compensated',
  'mutable-rollback',
  'mutable-rollback.rolling-sync',
  'nightly-bake-success',
  'immutable-two-regions',
  'mutable-two-regions-rollback',
  'mutable-two-regions-rollback.rolling-sync-us-east-1',
  'mutable-two-regions-rollback.rolling-sync-us-west-2',
  'mutable-two-regions-rollback.rollback-us-west-2',
  // The one-region line again on today's code, every patch taken.
  'patched-immutable-success',
  'patched-partial-success',
  'patched-mutable-success',
  'patched-mutable-success.rolling-sync',
  'patched-immutable-failed-compensated',
  'patched-mutable-rollback',
  'patched-mutable-rollback.rolling-sync',
  'patched-nightly-bake-success',
];

/** Every patch id the workflow code uses (`patched('<id>')`), read from the source. */
function patchIds(): string[] {
  const ids = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        const literal = [...text.matchAll(/\bpatched\(\s*(['"`])([^'"`]+)\1\s*\)/g)];
        // Every call names its id as a literal, so none can hide from this check.
        expect({ file: path, calls: (text.match(/\bpatched\(/g) ?? []).length }).toEqual({ file: path, calls: literal.length });
        for (const m of literal) ids.add(m[2]);
      }
    }
  };
  walk(join(__dirname, '..', '..', 'src', 'workflows'));
  return [...ids].sort();
}

/** The activity types a history scheduled, and the child workflows it started, in order. */
function stepsOf(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) => {
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
    const child = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    return activity ? [activity] : child ? [`child ${child}`] : [];
  });
}

/** The patch ids a history's markers name (the SDK's patch marker holds `{ id, deprecated }` as JSON). */
function patchesTaken(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) =>
    Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((payloads) =>
      (payloads.payloads ?? []).flatMap((p) => {
        try {
          const value = JSON.parse(Buffer.from(p.data ?? new Uint8Array()).toString('utf8')) as { id?: unknown };
          return typeof value.id === 'string' ? [value.id] : [];
        } catch {
          return [];
        }
      }),
    ),
  );
}

/** A fixture, as a History message (protobufjs' object form, see the recording script). */
function loadHistory(name: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')));
}

function workflowTypeOf(history: temporal.api.history.v1.IHistory): string | null | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
}

/** Each history's workflow id (replay needs it: child workflow ids derive from it). */
const MANIFEST = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as Record<string, { workflowId: string }>;

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && f !== 'manifest.json')
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

describe('replaying recorded workflow histories against the current workflow code', () => {
  it('has a recorded history for every procedure, success and failure, and for the rolling-sync child', () => {
    expect(fixtures).toEqual([...REQUIRED].sort());
    expect(Object.keys(MANIFEST).sort()).toEqual(fixtures);
    const types = Object.fromEntries(fixtures.map((name) => [name, workflowTypeOf(loadHistory(name))]));
    expect(types).toEqual({
      'immutable-failed-compensated': 'fullyImmutableDeploy',
      'immutable-success': 'fullyImmutableDeploy',
      'mutable-rollback': 'mutableDeploy',
      'mutable-rollback.rolling-sync': 'rollingSync',
      'mutable-success': 'mutableDeploy',
      'mutable-success.rolling-sync': 'rollingSync',
      'partial-success': 'partiallyImmutableDeploy',
      'nightly-bake-success': 'nightlyBake',
      'immutable-two-regions': 'fullyImmutableDeploy',
      'mutable-two-regions-rollback': 'mutableDeploy',
      'mutable-two-regions-rollback.rolling-sync-us-east-1': 'rollingSync',
      'mutable-two-regions-rollback.rolling-sync-us-west-2': 'rollingSync',
      'mutable-two-regions-rollback.rollback-us-west-2': 'rollingSync',
      'patched-immutable-failed-compensated': 'fullyImmutableDeploy',
      'patched-immutable-success': 'fullyImmutableDeploy',
      'patched-mutable-rollback': 'mutableDeploy',
      'patched-mutable-rollback.rolling-sync': 'rollingSync',
      'patched-mutable-success': 'mutableDeploy',
      'patched-mutable-success.rolling-sync': 'rollingSync',
      'patched-partial-success': 'partiallyImmutableDeploy',
      'patched-nightly-bake-success': 'nightlyBake',
    });
  });

  it('has, for every patch in the workflow code, a recorded history that took its new path', () => {
    // A patch taken leaves a marker naming it in the history. A patch added without recording
    // the `patched` group again fails here: its new path would replay nowhere.
    const taken = new Set(fixtures.filter((name) => name.startsWith('patched-')).flatMap((name) => patchesTaken(loadHistory(name))));
    const ids = patchIds();
    expect(ids).toEqual(expect.arrayContaining(['copy-beside-builder-termination', 'post-deploy-in-sync-command', 'tag-beside-back-in-service']));
    expect(ids.filter((id) => !taken.has(id))).toEqual([]);
  });

  it('has the steps only several regions take: the copy to another region, and a finished region\'s rollback child', () => {
    const immutable = stepsOf(loadHistory('immutable-two-regions'));
    expect(immutable.filter((s) => s === 'copyAmi')).toHaveLength(1);
    expect(immutable.filter((s) => s === 'launchInstances')).toHaveLength(3);
    const id = MANIFEST['mutable-two-regions-rollback'].workflowId;
    expect(stepsOf(loadHistory('mutable-two-regions-rollback')).filter((s) => s.startsWith('child '))).toEqual([
      `child ${id}/us-east-1`,
      `child ${id}/us-west-2`,
      `child ${id}/us-west-2/rollback`,
    ]);
  });

  it('replays every fixture without a determinism violation', async () => {
    const histories = fixtures.map((name) => ({ workflowId: MANIFEST[name].workflowId, history: loadHistory(name) }));
    const results: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS, replayName: 'determinism-guard' }, histories)) {
      results.push(`${result.workflowId}: ${result.error ? `${result.error.name}: ${result.error.message}` : 'ok'}`);
    }
    expect(results.sort()).toEqual(fixtures.map((name) => `${MANIFEST[name].workflowId}: ok`).sort());
  });

  it('fails with a DeterminismViolationError when workflow code reorders two activities (the guard can fail)', async () => {
    const replay = Worker.runReplayHistory(
      { workflowsPath: require.resolve('./fixtures/reordered-workflows'), replayName: 'determinism-guard-negative' },
      loadHistory('partial-success'),
      MANIFEST['partial-success'].workflowId,
    );
    await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
    await expect(replay).rejects.toThrow(/nondeterminism/i);
  });
});
