import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { Client, type Connection, WorkflowNotFoundError } from '@temporalio/client';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { stringify as toYaml } from 'yaml';
import { buildExampleArtifact, readExampleSpec } from '../../examples/example-app';
import {
  AMAZON_OWNER_ID,
  DEFAULT_SANDBOX_CONFIG,
  startSandbox,
  type ProfileName,
  type RealismOverrides,
  type RunningSandbox,
  type SandboxConfigInput,
  type Timings,
} from '../../sandbox';
import { createAwsClients, type AwsClients } from '../../src/aws/clients';
import { createDeployWorker } from '../../src/deploy-worker';
import { exec } from '../../src/cli/exec';
import { connectTestClient, connectTestWorker, testTemporalAddress, uniqueTaskQueue } from './temporal';
import { codecOf, newCodecKeys } from '../../harness/stack/codec-keys';

const ROOT = join(__dirname, '..', '..');
export { EXAMPLE_SPEC_FILE as EXAMPLE_SPEC } from '../../examples/example-app';

/** One CLI invocation's outcome. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link startDeployWorld}. */
export interface DeployWorldOptions {
  profile?: ProfileName;
  timings?: Partial<Timings>;
  /** The sandbox's instance quota (default 64), for fleets at scale. */
  maxInstances?: number;
  /** Start without a worker (e.g. to prove invalid input never reaches one). */
  worker?: boolean;
  /** The payload codec keys of the worker and the CLI (`id=base64key`, oldest first); default a fresh key; `''`: none. */
  codecKeys?: string;
  /** Sandbox realism overrides (e.g. every new id invisible for 3 s). */
  realism?: RealismOverrides;
  /** The sandbox world (default: the built-in one). */
  config?: SandboxConfigInput;
  /** How long the worker waits out NotFound for what it just created (default 15 s: above any lag the tests set). */
  consistencyWindowMs?: number;
}

/**
 * Everything an end-to-end test needs, all real: the AWS sandbox on a free port, the jest run's
 * Temporal dev server, a production deploy worker (in this process) on a task queue of its own,
 * the CLI's `exec`, and the example app's artifacts.
 */
export interface DeployWorld {
  sandbox: RunningSandbox;
  /** A client with the world's codec: what the CLI uses, so it reads what the worker sealed. */
  client: Client;
  /** The codec keys the worker and the CLI share (`HYBRID_DEPLOY_CODEC_KEYS` form). */
  codecKeys: string;
  taskQueue: string;
  aws: AwsClients;
  /** Runs the CLI as a user would, against this world (`env` adds to the environment it sees). */
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
  /** Builds (once) the example app's artifact of a version. */
  artifact(version: string): { url: string; sha256: string };
  /**
   * Builds (once) an artifact of the example app whose release fails its health check: the app
   * with a `FAIL_HEALTH` file in the release dir (server.js answers 500 on /health). A real
   * tar.gz with its real sha256, so syncCode accepts it and only the smoke test can catch it.
   */
  brokenArtifact(version: string): { url: string; sha256: string };
  /**
   * Builds (once per label) an artifact of the example app with files changed or added (paths
   * relative to the release, e.g. `bin/stop.sh`), tarred with its real sha256: a release that is
   * wrong in one way only.
   */
  artifactWith(version: string, label: string, files: Record<string, string>): { url: string; sha256: string };
  /** How many times the CLI has asked for a Temporal connection (exec's `connect`). */
  readonly temporalConnects: number;
  /**
   * Terminates every live instance in the sandbox and waits until they are gone from the target
   * groups, so the next test's load balancers serve only its own fleet; clears armed faults.
   */
  clearInstances(): Promise<void>;
  /** Writes the example spec with changes applied; returns its path. */
  spec(change?: (spec: Record<string, any>) => void): string;
  /** The version the load balancer of a region serves (via its real proxy), or the error. */
  servedVersion(region: string): Promise<string>;
  /** Workflow ids are per app/env: a fresh env name keeps tests apart. */
  uniqueEnv(prefix?: string): string;
  close(): Promise<void>;
}

export async function startDeployWorld(options: DeployWorldOptions = {}): Promise<DeployWorld> {
  process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';
  const work = mkdtempSync(join(tmpdir(), 'hd-world-'));
  const sandbox = await startSandbox({
    profile: options.profile ?? 'fast',
    timings: options.timings,
    realism: options.realism,
    config: { ...(options.config ?? DEFAULT_SANDBOX_CONFIG), ...(options.maxInstances ? { maxInstances: options.maxInstances } : {}) },
  });
  const taskQueue = uniqueTaskQueue('deploy');
  const { connection } = await connectTestClient();
  const codecKeys = options.codecKeys ?? newCodecKeys('test');
  const { codec, dataConverter } = codecOf(codecKeys);
  const client = new Client({ connection, namespace: 'default', dataConverter });
  const aws = createAwsClients({ endpoint: sandbox.endpoint });
  let workerConnection: NativeConnection | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  if (options.worker !== false) {
    workerConnection = await connectTestWorker();
    worker = await createDeployWorker({
      connection: workerConnection,
      taskQueue,
      activityDeps: { clients: aws, pollIntervalMs: 100, consistencyWindowMs: options.consistencyWindowMs ?? 15_000 },
      codec,
    });
    running = worker.run();
  }
  const artifacts = new Map<string, { url: string; sha256: string }>();
  let envCounter = 0;
  let temporalConnects = 0;
  let specCounter = 0;
  const artifactWith: DeployWorld['artifactWith'] = (version, label, files) => {
    const key = `${label}/${version}`;
    if (!artifacts.has(key)) {
      const staging = join(work, `${label}-${version}`);
      cpSync(join(ROOT, 'examples', 'app'), staging, { recursive: true });
      writeFileSync(join(staging, 'VERSION'), `${version}\n`);
      for (const [path, content] of Object.entries(files)) writeFileSync(join(staging, path), content, { mode: 0o755 });
      mkdirSync(join(work, 'artifacts'), { recursive: true });
      const file = join(work, 'artifacts', `example-app-${version}-${label}.tar.gz`);
      execFileSync('tar', ['-C', staging, '-czf', file, ...readdirSync(staging).sort()]);
      const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
      artifacts.set(key, { url: pathToFileURL(file).href, sha256 });
    }
    return artifacts.get(key)!;
  };

  return {
    sandbox,
    client,
    codecKeys,
    taskQueue,
    aws,
    async cli(args, extraEnv = {}) {
      let stdout = '';
      let stderr = '';
      const code = await exec([...args, ...(args[0] === 'deploy' || (args[0] === 'bake' && !args.includes('--task-queue')) ? ['--task-queue', taskQueue] : [])], {
        stdout: (s) => (stdout += s),
        stderr: (s) => (stderr += s),
        // AWS_ENDPOINT_URL: commands that read AWS themselves (logs) reach the sandbox, as a user's CLI would.
        env: { ...process.env, TEMPORAL_ADDRESS: testTemporalAddress(), TEMPORAL_NAMESPACE: 'default', HYBRID_DEPLOY_CODEC_KEYS: codecKeys, AWS_ENDPOINT_URL: sandbox.endpoint, AWS_REGION: 'us-east-1', ...extraEnv },
        connect: async () => {
          temporalConnects++;
          return client;
        },
      });
      return { code, stdout, stderr };
    },
    artifact(version) {
      if (!artifacts.has(version)) {
        artifacts.set(version, buildExampleArtifact(version, join(work, 'artifacts')));
      }
      return artifacts.get(version)!;
    },
    brokenArtifact(version) {
      return artifactWith(version, 'broken', { FAIL_HEALTH: 'this release fails its health check on purpose\n' });
    },
    artifactWith,
    get temporalConnects() {
      return temporalConnects;
    },
    async clearInstances() {
      await sandbox.control.clearFaults();
      const deadline = Date.now() + 30_000;
      for (;;) {
        const { instances, targetGroups } = await sandbox.control.resources();
        // Only what the API shows can be terminated: an instance still hidden by the realism's lag waits a round.
        const live = instances.filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down' && i.visible);
        for (const region of new Set(live.map((i) => i.region))) {
          await aws.ec2(region).send(new TerminateInstancesCommand({ InstanceIds: live.filter((i) => i.region === region).map((i) => i.id) }));
        }
        const alive = instances.filter((i) => i.state !== 'terminated');
        const registered = targetGroups.flatMap((g) => g.registrations);
        if (alive.length === 0 && registered.length === 0) return;
        if (Date.now() > deadline) throw new Error(`clearInstances: still alive ${JSON.stringify(alive.map((i) => [i.id, i.state]))}, registered ${JSON.stringify(registered)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    spec(change) {
      const spec = readExampleSpec();
      spec.timeouts.heartbeat = 5;
      change?.(spec);
      const file = join(work, `spec-${++specCounter}.yaml`);
      writeFileSync(file, toYaml(spec));
      return file;
    },
    async servedVersion(region) {
      const url = sandbox.loadBalancers[region]['example-web'];
      try {
        const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
        const body = await response.text();
        return response.ok ? (JSON.parse(body) as { version: string }).version : `HTTP ${response.status}`;
      } catch (error) {
        return `error: ${(error as Error).message}`;
      }
    },
    uniqueEnv(prefix = 't') {
      return `${prefix}${++envCounter}-${Math.random().toString(36).slice(2, 8)}`;
    },
    async close() {
      worker?.shutdown();
      await running?.catch(() => undefined);
      await workerConnection?.close();
      await (connection as Connection).close();
      aws.destroy();
      await sandbox.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * The deploy args for the example spec and an artifact version. `artifact` replaces the example
 * app's artifact of that version (e.g. a {@link DeployWorld.brokenArtifact}); `wait: false`
 * starts the deploy and returns at once.
 */
export function deployArgs(
  world: DeployWorld,
  options: { procedure: string; env: string; version: string; spec?: string; extra?: string[]; artifact?: { url: string; sha256: string }; wait?: boolean; reuseImages?: boolean },
): string[] {
  const { url, sha256 } = options.artifact ?? world.artifact(options.version);
  // Tests deploy the same versions from the same bytes in many envs of one world: an immutable
  // deploy would reuse an earlier test's image and never bake. Tests of the bake itself need it
  // baked; the image lifecycle's tests say `reuseImages`.
  const forceBake = options.procedure === 'immutable' && !options.reuseImages ? ['--force-bake'] : [];
  return [
    'deploy', '--procedure', options.procedure, '--spec', options.spec ?? world.spec(), '--env', options.env,
    '--version', options.version, '--artifact', url, '--sha256', sha256, ...forceBake, ...(options.wait === false ? [] : ['--wait']), '--json', ...(options.extra ?? []),
  ];
}

/** What {@link leftovers} says when an env owns nothing at all. */
export const NOTHING_LEFT: Leftovers = { instances: [], images: [], snapshots: [], commands: [], untagged: [], workflows: [] };

/** What a deploy left in the world for one env (see {@link leftovers}). */
export interface Leftovers {
  /** Ids of instances tagged with the env that are not terminated. */
  instances: string[];
  /** Ids of images of the env (by tag, or by the name of a tagged one) that are not deregistered. */
  images: string[];
  /** Ids of snapshots tagged with the env that are not deleted (the images' own, and any left behind). */
  snapshots: string[];
  /** Ids of SSM commands to the env's instances still pending, delayed or running. */
  commands: string[];
  /**
   * Whatever is alive in the sandbox that no env's tag accounts for, read from its full resource
   * list (as the durability audit reads it): instances not terminated, images not deregistered and
   * snapshots not deleted (the base images' aside) that carry no `hybrid-deploy:env` tag, and
   * target registrations of anything but a tagged instance. A leak that lost its tags shows here,
   * whichever env made it.
   */
  untagged: string[];
  /** The env's deploy workflow, if it is still running: `<workflowId> <runId>`. */
  workflows: string[];
}

/**
 * Everything still alive for an env: non-terminated instances and non-deregistered images tagged
 * `hybrid-deploy:env=<env>` (an image copy is also found by the name of a tagged image, in case
 * its tags never landed), their snapshots, SSM commands still pending or running on its
 * instances, everything alive that no env's tag accounts for, and the env's deploy workflow if it
 * is running. Ids are sorted.
 */
export async function leftovers(world: Pick<DeployWorld, 'sandbox' | 'client'>, env: string, app = 'example-app'): Promise<Leftovers> {
  const { instances, images, snapshots, commands, targetGroups } = await world.sandbox.control.resources();
  const ours = (tags: Record<string, string> | undefined) => tags?.['hybrid-deploy:env'] === env;
  const tagged = (tags: Record<string, string> | undefined) => tags?.['hybrid-deploy:env'] !== undefined;
  const names = new Set(images.filter((i) => ours(i.tags)).map((i) => i.name));
  const envInstances = new Set(instances.filter((i) => ours(i.tags)).map((i) => i.id));
  const taggedNames = new Set(images.filter((i) => tagged(i.tags)).map((i) => i.name));
  const taggedInstances = new Set(instances.filter((i) => tagged(i.tags)).map((i) => i.id));
  const workflows: string[] = [];
  try {
    const description = await world.client.workflow.getHandle(`deploy/${app}/${env}`).describe();
    if (description.status.name === 'RUNNING') workflows.push(`${description.workflowId} ${description.runId}`);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  const untagged = [
    ...instances.filter((i) => !tagged(i.tags) && i.state !== 'terminated').map((i) => `instance ${i.id} (${i.region}, ${i.state})`),
    ...images
      .filter((i) => !tagged(i.tags) && !taggedNames.has(i.name) && !i.deregistered && i.ownerId !== AMAZON_OWNER_ID)
      .map((i) => `image ${i.id} (${i.region}, ${i.state}, ${i.name})`),
    ...snapshots.filter((s) => !tagged(s.tags) && !s.deleted && s.ownerId !== AMAZON_OWNER_ID).map((s) => `snapshot ${s.id} (${s.region}, ${s.description})`),
    ...targetGroups.flatMap((g) => g.registrations.filter((r) => !taggedInstances.has(r.targetId)).map((r) => `target ${r.targetId} (${g.region} ${g.name}, ${r.state})`)),
  ];
  return {
    instances: instances.filter((i) => ours(i.tags) && i.state !== 'terminated').map((i) => i.id).sort(),
    images: images.filter((i) => (ours(i.tags) || names.has(i.name)) && !i.deregistered).map((i) => i.id).sort(),
    snapshots: snapshots.filter((s) => ours(s.tags) && !s.deleted).map((s) => s.id).sort(),
    commands: commands
      .filter((c) => c.invocations.some((v) => envInstances.has(v.instanceId) && ['Pending', 'Delayed', 'InProgress', 'Cancelling'].includes(v.status)))
      .map((c) => c.id)
      .sort(),
    untagged: untagged.sort(),
    workflows,
  };
}
