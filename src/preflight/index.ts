import type { AwsClients } from '../aws/clients';
import { checkInstanceProfile } from '../aws/instance-profile';
import type { PreflightInput } from '../contracts';
import { checkBaseImage, checkCatalog } from './images';
import { checkSecurityGroups, checkSubnets, checkTargetGroup } from './network';
import { Findings, type PreflightProblem } from './problems';

export type { PreflightProblem } from './problems';

/** Every problem found, and what was checked. */
export interface PreflightReport {
  problems: PreflightProblem[];
  checked: string[];
  unchecked: string[];
}

/**
 * Checks, read-only, what a run of `procedure` will rely on, and lists every problem at once:
 * - launching (immutable, partial, bake): the base image resolves (immutable, bake) or the
 *   catalog has an image in every region (partial); subnets and security groups exist; the
 *   instance profile exists and its role lets the SSM agent register;
 * - taking traffic (immutable, partial, mutable): each region's target group exists, is attached
 *   to a load balancer, and that load balancer enables the zone of every subnet.
 * A bake touches only the first region, its first subnet, and no target group.
 */
export async function runPreflight(clients: AwsClients, { procedure, spec }: PreflightInput): Promise<PreflightReport> {
  const findings = new Findings();
  const launches = procedure !== 'mutable';
  const traffic = procedure !== 'bake';
  const regions = procedure === 'bake' ? spec.regions.slice(0, 1) : spec.regions;
  if (procedure === 'immutable' || procedure === 'bake') {
    const region = spec.regions[0];
    await checkBaseImage(findings, { ec2: clients.ec2(region), ssm: clients.ssm(region) }, region, spec.baseImage);
  }
  for (const [index, region] of regions.entries()) {
    const settings = spec.regionSettings[region];
    const ec2 = clients.ec2(region);
    if (procedure === 'partial') await checkCatalog(findings, ec2, region, spec.app, index);
    const zones = traffic ? await checkTargetGroup(findings, clients.elbv2(region), region, settings.targetGroupArn) : undefined;
    if (launches) {
      const targets = { region, subnetIds: procedure === 'bake' ? settings.subnetIds.slice(0, 1) : settings.subnetIds, securityGroupIds: settings.securityGroupIds };
      await checkSubnets(findings, ec2, targets, zones);
      await checkSecurityGroups(findings, ec2, targets);
    }
  }
  if (launches) {
    await findings.check('iamInstanceProfile', `instance profile ${spec.iamInstanceProfile ?? '(none)'}`, async () => {
      const profile = await checkInstanceProfile(clients.iam(spec.regions[0]), spec.iamInstanceProfile);
      if (profile.problem) findings.problem('iamInstanceProfile', profile.problem);
      if (profile.unchecked) findings.unchecked.push(profile.unchecked);
    });
  }
  return { problems: findings.problems, checked: findings.checked, unchecked: findings.unchecked };
}
