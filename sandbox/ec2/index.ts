/** The EC2 allow-list: every operation the sandbox implements. Anything else is `InvalidAction`. */
import type { OperationTable } from '../protocol/handler';
import { describeInstances, describeInstanceStatus } from './describe-instances';
import { copyImage, createImage, deregisterImage, describeImages } from './images';
import { startInstances, stopInstances, terminateInstances } from './instance-actions';
import { describeSecurityGroups, describeSubnets } from './network';
import { describeRegions } from './regions';
import { createLaunchTemplate, deleteLaunchTemplate, describeLaunchTemplates, describeLaunchTemplateVersions } from './launch-templates';
import { runInstances } from './run-instances';
import { deleteSnapshot, describeSnapshots } from './snapshots';
import { createTags, deleteTags } from './tags';

export const EC2_OPERATIONS: OperationTable = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  DescribeInstanceStatus: describeInstanceStatus,
  StartInstances: startInstances,
  StopInstances: stopInstances,
  TerminateInstances: terminateInstances,
  CreateImage: createImage,
  CopyImage: copyImage,
  DescribeImages: describeImages,
  DeregisterImage: deregisterImage,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeRegions: describeRegions,
  DescribeSnapshots: describeSnapshots,
  DeleteSnapshot: deleteSnapshot,
  DescribeSubnets: describeSubnets,
  DescribeSecurityGroups: describeSecurityGroups,
  CreateLaunchTemplate: createLaunchTemplate,
  DescribeLaunchTemplates: describeLaunchTemplates,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
  DeleteLaunchTemplate: deleteLaunchTemplate,
};
