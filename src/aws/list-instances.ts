import { DescribeInstancesCommand, type EC2Client, type Filter, type Instance } from '@aws-sdk/client-ec2';
import { awsCall } from './errors';
import { allPages } from './pages';

/** Instance states in which an instance still exists (it may be started again, or is about to run). */
export const EXISTING_STATES = ['pending', 'running', 'stopping', 'stopped'];

/**
 * Every instance DescribeInstances finds with these filters, page after page (`what` names the
 * listing in errors and logs). Filters only: a listing by id uses DescribeInstances directly.
 */
export function listInstances(ec2: EC2Client, what: string, filters: Filter[]): Promise<Instance[]> {
  return allPages(
    (NextToken) => awsCall(`ec2:DescribeInstances ${what}`, () => ec2.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: 500, NextToken }))),
    (page) => (page.Reservations ?? []).flatMap((r) => r.Instances ?? []),
  );
}
