import { createHash } from 'node:crypto';
import type { BakeKeyInput } from '../contracts';

/**
 * The bake key: a digest of everything that goes into an image — the resolved base image, the
 * bake section (packages, commands, instance type), the version and the artifact's sha256.
 * The artifact's URL is left out on purpose: the same bytes from another place make the same
 * image. Bumping the leading format number invalidates every key when what goes in changes.
 */
export function bakeKeyOf(input: Omit<BakeKeyInput, 'artifact'>, artifactSha256: string): string {
  const parts = {
    format: 1,
    baseImageId: input.baseImageId,
    packages: input.bake.packages,
    commands: input.bake.commands,
    instanceType: input.bake.instanceType,
    version: input.version,
    artifactSha256,
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
