import type { Tag } from '@aws-sdk/client-ec2';

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
} as const;

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

/** The standard tags for a resource, plus the spec's own tags and any extras. */
export function ownershipTags(owner: Ownership, role: Role, extra: Record<string, string> = {}, userTags: Record<string, string> = {}): Tag[] {
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
export function tagValue(tags: { Key?: string; Value?: string }[] | undefined, key: string): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}
