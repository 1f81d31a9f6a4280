/** Images (AMIs): records and store. */
import type { ImageState } from '@aws-sdk/client-ec2';
import type { TagSet } from './tags';

/** One image. Deregistered images stay in the store (hidden from DescribeImages) for the control listing. */
export interface ImageRecord {
  readonly id: string;
  readonly region: string;
  readonly name: string;
  readonly description?: string;
  readonly ownerId: string;
  readonly ownerAlias?: string;
  readonly public: boolean;
  /** Host directory holding the image's root (`opt/...`). */
  readonly root: string;
  readonly creationDate: Date;
  readonly sourceInstanceId?: string;
  readonly sourceImageId?: string;
  readonly sourceRegion?: string;
  readonly clientToken?: string;
  readonly tags: TagSet;
  /** The EBS snapshots the image is made of (one: the root volume's). */
  readonly snapshotIds: string[];
  state: ImageState;
  stateReason?: { code: string; message: string };
  deregistered: boolean;
  /** Epoch ms from which DescribeImages and CreateTags see it (eventual consistency). */
  visibleAt: number;
}

/** Every image ever made or preloaded. */
export class ImageStore {
  private readonly byId = new Map<string, ImageRecord>();
  private readonly byToken = new Map<string, string>();

  add(image: ImageRecord): void {
    this.byId.set(image.id, image);
    if (image.clientToken) this.byToken.set(`${image.region}\0${image.clientToken}`, image.id);
  }

  /** A registered (not deregistered) image in the region, visible to the API or not. */
  findRegistered(region: string, id: string): ImageRecord | undefined {
    const image = this.byId.get(id);
    return image && image.region === region && !image.deregistered ? image : undefined;
  }

  /** A registered image the API already shows (eventual consistency: a new one is hidden for a while). */
  findVisible(region: string, id: string, now = Date.now()): ImageRecord | undefined {
    const image = this.findRegistered(region, id);
    return image && image.visibleAt <= now ? image : undefined;
  }

  /**
   * The registered image with this name in the region, visible or not: names are unique per
   * account and region, and the uniqueness check does not wait for the API to show a new image.
   */
  findByName(region: string, name: string): ImageRecord | undefined {
    return this.listRegistered(region).find((i) => i.name === name);
  }

  /** Registered images the API shows. */
  listVisible(region: string, now = Date.now()): ImageRecord[] {
    return this.listRegistered(region).filter((i) => i.visibleAt <= now);
  }

  /** Registered images (other than `except`) made of this snapshot. */
  usingSnapshot(snapshotId: string, except?: string): ImageRecord[] {
    return [...this.byId.values()].filter((i) => !i.deregistered && i.id !== except && i.snapshotIds.includes(snapshotId));
  }

  /** The image a CopyImage with this client token made in the region, if any. */
  findByToken(region: string, token: string): ImageRecord | undefined {
    const id = this.byToken.get(`${region}\0${token}`);
    return id ? this.byId.get(id) : undefined;
  }

  listRegistered(region: string): ImageRecord[] {
    return [...this.byId.values()].filter((i) => i.region === region && !i.deregistered);
  }

  listAll(): ImageRecord[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
    this.byToken.clear();
  }
}
