/**
 * The image catalog's contracts: what a bake key is made of, how a reusable image is found, and
 * what the retention policy decides about each image. Node-free, so workflows import it.
 */
import type { ArtifactRef } from './deploy-request';

/** Everything that goes into an image: the same inputs make the same image, so it need not be baked again. */
export interface BakeKeyInput {
  /** The resolved base image id in the bake region (an SSM parameter resolves to a new id when patched). */
  baseImageId: string;
  /** The spec's bake section as it shapes the image. */
  bake: { packages: string[]; commands: string[]; instanceType: string };
  version: string;
  artifact: ArtifactRef;
}

/** Input of `findReusableImage`. */
export interface FindReusableImageInput extends BakeKeyInput {
  app: string;
  /** The spec's regions, the bake region first. */
  regions: string[];
}

/** An available image of the catalog whose bake key matches. */
export interface ReusableImage {
  region: string;
  imageId: string;
  imageName: string;
  bakedAt: string;
  /** The workflow run that baked it (its tags). */
  bakedBy: string;
}

export interface FindReusableImageOutput {
  /** The bake key of these inputs; absent when one cannot be computed (see `noKeyReason`). */
  bakeKey?: string;
  /** Why no key could be computed (e.g. the artifact's sha256 is unknown and unreadable from the worker). */
  noKeyReason?: string;
  /** The newest matching available image in each region that has one. */
  matches: ReusableImage[];
}

/** The retention policy of a spec: keep the newest `keep` images per region, and any younger than `minAgeDays`. */
export interface RetentionPolicy {
  keep: number;
  minAgeDays: number;
}

/** Why an image stays or goes, in words a person reads in `hybrid-deploy images` and a housekeeping report. */
export type RetentionDecision = { action: 'keep'; reason: string } | { action: 'remove'; reason: string };

/** One image of the catalog, as the listing and the housekeeping report show it. */
export interface CatalogEntry {
  region: string;
  imageId: string;
  imageName: string;
  state: string;
  version: string;
  bakeKey?: string;
  bakedAt: string;
  ageDays: number;
  /** Snapshot storage the image holds (GiB, the snapshots' volume sizes: what AWS bills at most). */
  sizeGiB: number;
  snapshotIds: string[];
  decision: RetentionDecision;
}

/** Input of `applyRetention`: one app in one region. */
export interface ApplyRetentionInput {
  region: string;
  app: string;
  policy: RetentionPolicy;
  /** Judge ages as of this time (ISO; the workflow's clock). */
  now: string;
  /** List and decide; remove nothing. */
  dryRun: boolean;
}

export interface ApplyRetentionOutput {
  images: CatalogEntry[];
  keptGiB: number;
  freedGiB: number;
}
