/** Tag keys hybrid-deploy puts on everything it creates: the catalog and the reaper read them. */
export const TagKeys = {
  app: 'hybrid-deploy:app',
  env: 'hybrid-deploy:env',
  version: 'hybrid-deploy:version',
  workflowId: 'hybrid-deploy:workflow-id',
  runId: 'hybrid-deploy:run-id',
  role: 'hybrid-deploy:role',
  baseImage: 'hybrid-deploy:base-image',
  bakedAt: 'hybrid-deploy:baked-at',
  expiresAt: 'hybrid-deploy:expires-at',
  sourceImage: 'hybrid-deploy:source-image',
  /** What went into an image (see `BakeKeyInput`): an image with the same key need not be baked again. */
  bakeKey: 'hybrid-deploy:bake-key',
} as const;

/**
 * Tag key prefixes a spec may not use: `hybrid-deploy:` is how the product proves what it made
 * (a user tag there could make the reaper take a live fleet down), `aws:` is AWS's own.
 */
export const RESERVED_TAG_PREFIXES = ['hybrid-deploy:', 'aws:'] as const;

/**
 * The `step` a bake launches its builder with (see `LaunchInstancesInput.step`): part of the
 * builder's ClientToken, which the reaper recomputes from the run's ids to prove that an instance
 * is a builder that run launched (a tag can be written by anyone; a ClientToken only at launch).
 */
export const BUILDER_LAUNCH_STEP = 'builder';

/** What a created resource is for. */
export const Roles = { builder: 'builder', fleet: 'fleet', image: 'image' } as const;
export type Role = (typeof Roles)[keyof typeof Roles];

/** Who created a resource: enough to find it again and to know whether it may be reaped. */
export interface Ownership {
  app: string;
  env: string;
  version: string;
  workflowId: string;
  runId: string;
}

/** The run and role whose resources a step looks for (compensation finds what a launch made by tag). */
export interface OwnedBy {
  workflowId: string;
  runId: string;
  role: Role;
}

/** An EC2 tag, as the AWS APIs take and return it. */
export interface Tag {
  Key?: string;
  Value?: string;
}

/** The standard tags for a resource, plus the spec's own tags and any extras (ours win). */
export function ownershipTags(owner: Ownership, role: Role, extra: Record<string, string> = {}, userTags: Record<string, string> = {}): { Key: string; Value: string }[] {
  const tags: Record<string, string> = {
    ...userTags,
    Name: `${owner.app}-${owner.env}-${role}-${owner.version}`,
    [TagKeys.app]: owner.app,
    [TagKeys.env]: owner.env,
    [TagKeys.version]: owner.version,
    [TagKeys.workflowId]: owner.workflowId,
    [TagKeys.runId]: owner.runId,
    [TagKeys.role]: role,
    ...extra,
  };
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Reads a tag value from an AWS tag list. */
export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}
