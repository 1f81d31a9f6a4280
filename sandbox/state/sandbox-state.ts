/**
 * The sandbox's whole state: the stores, the faults, the timers and where things live on disk.
 * Handlers receive it; lifecycle code (ec2/, ssm/, elbv2/) changes it through intention-named
 * functions. It is created once per sandbox and `reset()` brings it back to the configured start.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegionConfig, SandboxConfig } from '../config/schema';
import type { Timings } from '../config/profiles';
import type { Realism } from '../config/realism';
import { writeBaseImageRoot } from '../host/image-roots';
import { IpAllocator } from '../host/ip-allocator';
import { CommandStore } from './commands';
import { Faults } from './faults';
import { ImageStore } from './images';
import { InstanceStore } from './instances';
import { LaunchTemplateStore } from './launch-templates';
import { ObjectStore } from './objects';
import { ParameterStore } from './parameters';
import { Scheduler } from './scheduler';
import { SnapshotStore } from './snapshots';
import { TagSet } from './tags';
import { TargetGroupStore } from './target-groups';
import { AMAZON_OWNER_ID } from '../default-config';

/** Where the sandbox reports what happens in the background. */
export interface SandboxLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What the state needs to exist. */
export interface SandboxStateOptions {
  config: SandboxConfig;
  timings: Timings;
  /** The realism in force (see config/realism.ts). */
  realism: Realism;
  /** Everything the sandbox writes goes under here. */
  dataDir: string;
  /** Unique per sandbox; marks its processes (`SANDBOX_ID`). */
  sandboxId: string;
  logger: SandboxLogger;
}

/** The state of one sandbox. */
export class SandboxState {
  readonly instances = new InstanceStore();
  readonly images = new ImageStore();
  readonly snapshots = new SnapshotStore();
  readonly launchTemplates = new LaunchTemplateStore();
  readonly commands = new CommandStore();
  readonly parameters = new ParameterStore();
  readonly targetGroups = new TargetGroupStore();
  readonly faults: Faults;
  readonly ips = new IpAllocator();
  readonly objects: ObjectStore;
  readonly config: SandboxConfig;
  readonly timings: Timings;
  readonly realism: Realism;
  readonly dataDir: string;
  readonly sandboxId: string;
  readonly logger: SandboxLogger;
  scheduler: Scheduler;
  /** The sandbox's own endpoint once it listens (instances reach S3 through it). */
  endpoint?: string;
  /** The PEM of the HTTPS listener's certificate once it listens (instances trust it). */
  caBundlePath?: string;

  constructor(options: SandboxStateOptions) {
    this.config = options.config;
    this.timings = options.timings;
    this.realism = options.realism;
    this.faults = new Faults(options.realism);
    this.dataDir = options.dataDir;
    this.sandboxId = options.sandboxId;
    this.logger = options.logger;
    this.scheduler = this.newScheduler();
    this.objects = new ObjectStore(join(this.dataDir, 's3'), this.config.s3Buckets);
    for (const region of this.config.regions) {
      for (const tg of region.targetGroups) {
        this.targetGroups.add({ region: region.name, config: tg, registrations: new Map() });
      }
    }
  }

  get accountId(): string {
    return this.config.accountId;
  }

  /** The configured region, or undefined. */
  region(name: string): RegionConfig | undefined {
    return this.config.regions.find((r) => r.name === name);
  }

  /** The configured instance profile with this name (IAM is global), or undefined. */
  instanceProfile(name: string) {
    return this.config.instanceProfiles.find((p) => p.name === name);
  }

  regionNames(): string[] {
    return this.config.regions.map((r) => r.name);
  }

  instanceRoot(instanceId: string): string {
    return join(this.dataDir, 'instances', instanceId);
  }

  imageRoot(region: string, imageId: string): string {
    return join(this.dataDir, 'images', region, imageId);
  }

  /** Loads the configured world: base images (with their roots on disk) and public parameters. */
  async seed(): Promise<void> {
    await mkdir(join(this.dataDir, 'instances'), { recursive: true });
    for (const region of this.config.regions) {
      for (const base of region.baseImages) {
        const root = this.imageRoot(region.name, base.id);
        await writeBaseImageRoot(root, { imageId: base.id, name: base.name, region: region.name });
        const snapshotId = `snap-${base.id.slice(4)}`;
        this.snapshots.add({
          id: snapshotId,
          region: region.name,
          ownerId: AMAZON_OWNER_ID,
          ownerAlias: 'amazon',
          description: `Root volume of ${base.name}`,
          volumeSize: 8,
          startTime: new Date('2026-11-01T00:00:00.000Z'),
          tags: new TagSet(),
          state: 'completed',
          deleted: false,
        });
        this.images.add({
          id: base.id,
          region: region.name,
          name: base.name,
          description: base.description,
          ownerId: AMAZON_OWNER_ID,
          ownerAlias: 'amazon',
          public: true,
          root,
          creationDate: new Date('2026-11-01T00:00:00.000Z'),
          tags: new TagSet(),
          snapshotIds: [snapshotId],
          state: 'available',
          deregistered: false,
          visibleAt: 0,
        });
        for (const name of base.ssmParameters) this.putPublicParameter(region.name, name, base.id, 'aws:ec2:image');
      }
      for (const [name, value] of Object.entries(region.parameters)) this.putPublicParameter(region.name, name, value, 'text');
    }
  }

  /**
   * Forgets every resource and fault, cancels pending transitions, and reloads the configured
   * world. The caller kills instance processes first (see `ec2/instance-lifecycle`).
   */
  async reset(): Promise<void> {
    this.scheduler.close();
    await this.scheduler.drain();
    this.scheduler = this.newScheduler();
    for (const i of this.instances.listAll()) this.ips.release(i.privateIp);
    this.instances.clear();
    this.images.clear();
    this.snapshots.clear();
    this.launchTemplates.clear();
    this.commands.clear();
    this.parameters.clear();
    this.targetGroups.clearRegistrations();
    this.faults.clear(false, true);
    await this.objects.clear();
    await rm(join(this.dataDir, 'instances'), { recursive: true, force: true });
    await rm(join(this.dataDir, 'images'), { recursive: true, force: true });
    await this.seed();
  }

  private putPublicParameter(region: string, name: string, value: string, dataType: string): void {
    this.parameters.put({
      region,
      name,
      value,
      type: 'String',
      version: 1,
      lastModified: new Date('2026-11-01T00:00:00.000Z'),
      dataType,
      public: name.startsWith('/aws/'),
    });
  }

  private newScheduler(): Scheduler {
    return new Scheduler((what, error) => this.logger.error({ err: error, what }, 'background work failed'));
  }
}
