import { deregisterWithSnapshots, findImageByName } from '../aws/images';
import type { ActivityDeps } from './deps';
import type { DeregisterImageInput, DeregisterImageOutput } from '../contracts';

/**
 * Compensation for bakeAmi and copyAmi: deregisters the image with this name in a region, if
 * there is one (found by name, so a half-made image whose id never reached the workflow is
 * found too), together with its snapshots, which AWS would otherwise keep (and bill). Idempotent.
 */
export function createDeregisterImage({ clients }: ActivityDeps) {
  return async function deregisterImage(input: DeregisterImageInput): Promise<DeregisterImageOutput> {
    const ec2 = clients.ec2(input.region);
    const image = await findImageByName(ec2, input.imageName);
    if (!image?.ImageId) return {};
    await deregisterWithSnapshots(ec2, input.region, image.ImageId);
    return { deregistered: image.ImageId };
  };
}
