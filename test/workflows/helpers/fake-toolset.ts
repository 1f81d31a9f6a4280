import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../../src/activities';
import { TagKeys, type FleetMember, type InstanceRef, type ReusableImage } from '../../../src/contracts';

/** An activity of the toolset, by name. */
export type ToolName = keyof Activities;
type InputOf<N extends ToolName> = Parameters<Activities[N]>[0];
type OutputOf<N extends ToolName> = Awaited<ReturnType<Activities[N]>>;

/** How a recorded call ended (so far). */
export type CallOutcome = 'running' | 'ok' | 'failed' | 'cancelled';

/** One activity call the workflow made, as the fake saw it. */
export interface RecordedCall<N extends ToolName = ToolName> {
  name: N;
  input: InputOf<N>;
  /** The workflow run that called it (a rolling sync that continued as new has several). */
  workflowId: string;
  runId: string;
  outcome: CallOutcome;
  /** The region it acts in (a copy's destination). */
  region: string;
  /** The call, in a line: the activity and its key inputs (see {@link describeCall}). */
  line: string;
  /** When it started and ended, on one counter shared by every call (to order calls that overlap). */
  startedAt: number;
  endedAt?: number;
}

/** What a rule makes an activity do with one call. */
export type Behaviour<N extends ToolName> = (input: InputOf<N>, call: RecordedCall<N>) => Promise<OutputOf<N>> | OutputOf<N>;

interface Rule {
  name: ToolName;
  match: (input: any) => boolean;
  behaviour: Behaviour<any>;
  /** Applies to this many matching calls, then steps aside. */
  remaining: number;
}

/**
 * An activity held until the test lets it go: it heartbeats while it waits (so a cancellation of
 * the workflow reaches it, as it reaches a real waiting activity), and ends with a
 * `CancelledFailure` if it is cancelled first.
 */
export interface Gate<N extends ToolName = ToolName> {
  /** Resolves with the call once the workflow has called the activity. */
  readonly reached: Promise<RecordedCall<N>>;
  /** Lets the activity go on to its default behaviour. */
  release(): void;
  /** Makes the activity fail with a non-retryable failure of this type. */
  fail(type: string, message: string): void;
}

/** The world the fake answers from: each region's live fleet (what `findFleet` finds). */
export interface FakeWorld {
  fleets: Record<string, FleetMember[]>;
  /** Images in the catalog whose bake key matches (what `findReusableImage` finds); none by default. */
  reusableImages?: ReusableImage[];
}

/** A live fleet of `count` instances in `region` running `versions` (cycled), ids `i-<region>-old-<n>`. */
export function oldFleet(region: string, count: number, versions: string[] = ['1.0.0']): FleetMember[] {
  return Array.from({ length: count }, (_, k) => ({ instanceId: `i-${region}-old-${k + 1}`, privateIp: `10.9.${k}.1`, version: versions[k % versions.length] }));
}

/**
 * A recording fake of the toolset: every activity answers as AWS would after success (instances
 * launched, images made, commands run) unless a rule the test set says otherwise — fail with a
 * non-retryable `ApplicationFailure` of a given type, or block until released or cancelled. It
 * records every call with its key inputs and its outcome, and tracks the release each instance
 * runs, so a rollback can be checked by where every instance ends up.
 */
export class FakeToolset {
  readonly calls: RecordedCall[] = [];
  /** The release each instance runs, as syncCode left it. */
  readonly versions = new Map<string, string>();
  private rules: Rule[] = [];
  private clock = 0;
  private readonly gates: Array<{ release: () => void }> = [];

  constructor(readonly world: FakeWorld) {
    for (const fleet of Object.values(world.fleets)) for (const member of fleet) this.versions.set(member.instanceId, member.version);
  }

  /** A fake whose live fleet in each region is two instances on 1.0.0 (see {@link oldFleet}). */
  static withOldFleets(regions: string[]): FakeToolset {
    return new FakeToolset({ fleets: Object.fromEntries(regions.map((region) => [region, oldFleet(region, 2)])) });
  }

  /** Every matching call of `name` does what `behaviour` says (the newest rule wins). */
  on<N extends ToolName>(name: N, behaviour: Behaviour<N>, match: (input: InputOf<N>) => boolean = () => true, times = Infinity): this {
    this.rules.unshift({ name, match, behaviour, remaining: times });
    return this;
  }

  /**
   * The next matching call of `name` fails with a non-retryable `ApplicationFailure` of `type`
   * (later ones, such as the undo step's own call, succeed).
   */
  fail<N extends ToolName>(name: N, type: string, message: string, match?: (input: InputOf<N>) => boolean): this {
    return this.on(name, () => Promise.reject(ApplicationFailure.create({ type, message, nonRetryable: true })), match, 1);
  }

  /**
   * The next matching call of `name` waits for the test (see {@link Gate}). With `heartbeat: false`
   * it never hears of a cancellation: an activity that finishes before the cancellation reaches it.
   */
  block<N extends ToolName>(name: N, match?: (input: InputOf<N>) => boolean, { heartbeat = true } = {}): Gate<N> {
    let reach!: (call: RecordedCall<N>) => void;
    let open!: (how: { fail?: ApplicationFailure }) => void;
    const reached = new Promise<RecordedCall<N>>((resolve) => (reach = resolve));
    const opened = new Promise<{ fail?: ApplicationFailure }>((resolve) => (open = resolve));
    this.gates.push({ release: () => open({ fail: ApplicationFailure.create({ type: 'TestEnded', message: 'the test ended', nonRetryable: true }) }) });
    // Heartbeats carry the cancellation to the activity, as they do for a real waiting activity.
    const held = async (input: InputOf<N>, call: RecordedCall<N>): Promise<unknown> => {
      const context = Context.current();
      const beat = heartbeat ? setInterval(() => context.heartbeat(), 20) : undefined;
      try {
        reach(call);
        const how = await (heartbeat ? Promise.race([opened, context.cancelled]) : opened);
        if (how.fail) throw how.fail;
        return this.answer(name, input);
      } finally {
        clearInterval(beat);
      }
    };
    this.on(name, held as Behaviour<N>, match, 1);
    return {
      reached,
      release: () => open({}),
      fail: (type, message) => open({ fail: ApplicationFailure.create({ type, message, nonRetryable: true }) }),
    };
  }

  /** The toolset to register on a worker. */
  activities(): Activities {
    const names = Object.keys(DEFAULTS) as ToolName[];
    return Object.fromEntries(names.map((name) => [name, (input: unknown) => this.call(name, input)])) as unknown as Activities;
  }

  /** The recorded calls as lines, optionally only those matching. */
  lines(match: (call: RecordedCall) => boolean = () => true): string[] {
    return this.calls.filter(match).map((c) => c.line);
  }

  /** The recorded calls of one activity, optionally only those matching. */
  callsOf<N extends ToolName>(name: N, match: (input: InputOf<N>) => boolean = () => true): RecordedCall<N>[] {
    return this.calls.filter((c): c is RecordedCall<N> => c.name === name && match(c.input as InputOf<N>));
  }

  /** The lines of the calls in one region, in the order they were made. */
  linesIn(region: string): string[] {
    return this.lines((c) => c.region === region);
  }

  /** Where the first call matching comes in the record (-1 if none). */
  indexOf(match: (call: RecordedCall) => boolean): number {
    return this.calls.findIndex(match);
  }

  /** The lines of the calls made after the first call that ended `failed` or `cancelled` (the undo steps). */
  linesAfterFailure(): string[] {
    const at = this.calls.findIndex((c) => c.outcome === 'failed' || c.outcome === 'cancelled');
    return at < 0 ? [] : this.calls.slice(at + 1).map((c) => c.line);
  }

  /** Lets every gate still closed end (with a failure), so no activity outlives its test. */
  releaseAll(): void {
    for (const gate of this.gates) gate.release();
  }

  private async call(name: ToolName, input: any): Promise<unknown> {
    const { workflowExecution } = Context.current().info;
    const call: RecordedCall = { name, input, workflowId: workflowExecution?.workflowId ?? '', runId: workflowExecution?.runId ?? '', outcome: 'running', region: input.region ?? '', line: describeCall(name, input), startedAt: ++this.clock };
    this.calls.push(call);
    const rule = this.rules.find((r) => r.name === name && r.remaining > 0 && r.match(input));
    if (rule) rule.remaining--;
    try {
      const output = await (rule ? rule.behaviour(input, call) : this.answer(name, input));
      call.outcome = 'ok';
      return output;
    } catch (error) {
      call.outcome = Context.current().cancellationSignal.aborted ? 'cancelled' : 'failed';
      throw error;
    } finally {
      call.endedAt = ++this.clock;
    }
  }

  private answer(name: ToolName, input: any): unknown {
    return (DEFAULTS[name] as (fake: FakeToolset, input: unknown) => unknown)(this, input);
  }
}

/** Launched instances' ids say where and what they are: `i-us-east-1-fleet-2`, `i-us-east-1-builder-1`. */
function launched(region: string, role: string, count: number): InstanceRef[] {
  return Array.from({ length: count }, (_, k) => ({ instanceId: `i-${region}-${role}-${k + 1}`, privateIp: `10.1.${k}.1` }));
}

/** What each activity answers by default: success, the way AWS would answer it. */
const DEFAULTS: { [N in ToolName]: (fake: FakeToolset, input: InputOf<N>) => OutputOf<N> } = {
  preflight: () => ({ checked: [], unchecked: [] }),
  resolveBaseImage: (_, { region }) => ({ imageId: `ami-base-${region}` }),
  launchInstances: (_, { region, role, count }) => ({ instances: launched(region, role, count) }),
  runOnInstances: (_, { instanceIds }) => ({ results: instanceIds.map((instanceId) => ({ instanceId, status: 'Success', exitCode: 0, stdout: '', stderr: '' })) }),
  syncCode: (fake, { instanceIds, version }) => ({
    results: instanceIds.map((instanceId) => {
      const previousVersion = fake.versions.get(instanceId) ?? '';
      fake.versions.set(instanceId, version);
      return { instanceId, ok: true, previousVersion, changed: previousVersion !== version };
    }),
  }),
  bakeAmi: (_, { region, imageName }) => ({ imageId: `ami-baked-${region}`, imageName }),
  copyAmi: (_, { region }) => ({ imageId: `ami-copy-${region}` }),
  deregisterImage: (_, { region }) => ({ deregistered: `ami-in-${region}` }),
  smokeTest: (_, { targets }) => ({ passed: targets.map((t) => t.instanceId) }),
  shiftTraffic: (_, { register, deregister }) => ({ healthy: register, drained: deregister }),
  findFleet: (fake, { region }) => ({ instances: fake.world.fleets[region] ?? [] }),
  findLatestImage: (_, { region, app }) => ({ imageId: `ami-catalog-${region}`, imageName: `hybrid-deploy/${app}/0.9.0/run`, version: '0.9.0', bakedAt: '2026-01-01T00:00:00.000Z' }),
  tagInstances: (_, { instanceIds }) => ({ tagged: instanceIds }),
  terminateInstances: (_, { instanceIds }) => ({ terminated: instanceIds ?? [] }),
  keepInstances: (_, { instanceIds }) => ({ kept: instanceIds ?? [] }),
  reapExpired: () => ({ removed: [] }),
  findReusableImage: (fake) => ({ bakeKey: 'key-1', matches: fake.world.reusableImages ?? [] }),
  applyRetention: () => ({ images: [], keptGiB: 0, freedGiB: 0 }),
  notify: () => ({ status: 200 }),
};

/** A call in one line: the activity, its region and the inputs a procedure decides (ids, roles, versions). */
export function describeCall(name: ToolName, input: any): string {
  const ids = (list: string[] | undefined) => `[${(list ?? []).join(' ')}]`;
  switch (name) {
    case 'preflight':
      return `preflight ${input.procedure}`;
    case 'resolveBaseImage':
      return `resolveBaseImage ${input.region} ${input.baseImage}`;
    case 'launchInstances':
      return `launchInstances ${input.region} ${input.role} x${input.count} from ${input.imageId}`;
    case 'syncCode':
      return `syncCode ${input.region} ${ids(input.instanceIds)} ${input.mode === 'rollback' ? 'rollback to' : 'deploy'} ${input.version}${input.provision ? ' +provision' : ''}${input.postDeploy?.length ? ' +post-deploy' : ''}`;
    case 'runOnInstances':
      return `runOnInstances ${input.region} ${ids(input.instanceIds)} "${input.comment}"`;
    case 'smokeTest':
      return `smokeTest ${ids(input.targets.map((t: InstanceRef) => t.instanceId))} ${input.version}`;
    case 'bakeAmi':
      return `bakeAmi ${input.region} from ${input.builderInstanceId}`;
    case 'copyAmi':
      return `copyAmi ${input.sourceRegion}/${input.sourceImageId} to ${input.region}`;
    case 'deregisterImage':
      return `deregisterImage ${input.region} ${input.imageName}`;
    case 'shiftTraffic':
      return `shiftTraffic ${input.region} +${ids(input.register)} -${ids(input.deregister)}`;
    case 'findFleet':
      return `findFleet ${input.region}`;
    case 'findLatestImage':
      return `findLatestImage ${input.region}`;
    case 'tagInstances':
      return `tagInstances ${input.region} ${ids(input.instanceIds)} version=${input.tags[TagKeys.version]}`;
    case 'terminateInstances':
    case 'keepInstances':
      return `${name} ${input.region} ${input.ownedBy ? `${input.ownedBy.role}s of the run` : ids(input.instanceIds)}`;
    case 'reapExpired':
      return `reapExpired ${input.region}${input.dryRun ? ' (dry run)' : ''}`;
    case 'findReusableImage':
      return `findReusableImage ${input.regions.join(' ')} from ${input.baseImageId}`;
    case 'applyRetention':
      return `applyRetention ${input.region}${input.dryRun ? ' (dry run)' : ''}`;
    case 'notify':
      return `notify ${input.webhookName} ${input.notification.event}`;
  }
}
