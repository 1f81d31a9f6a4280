import { DescribeInstancesCommand, type EC2Client, type Filter, type Instance } from '@aws-sdk/client-ec2';
import { awsCall } from './errors';
import { allPages } from './pages';

/** Instance states in which an instance still exists (it may be started again, or is about to run). */
export const EXISTING_STATES = ['pending', 'running', 'stopping', 'stopped'];

/**
 * Instances per DescribeInstances page. A page of a thousand full instance descriptions parses
 * into tens of MB; at 200 a listing of a large fleet costs a few more calls and a fraction of the
 * worker's memory (each page is reduced to what the caller keeps before the next is fetched).
 */
export const INSTANCES_PER_PAGE = 200;

/**
 * Every instance DescribeInstances finds with these filters, page after page (`what` names the
 * listing in errors and logs), each reduced by `keep` as its page arrives, so a large fleet's
 * full descriptions never pile up in memory. Filters only: a listing by id uses
 * DescribeInstances directly.
 */
export function listInstances<T = Instance>(ec2: EC2Client, what: string, filters: Filter[], keep: (instance: Instance) => T = (instance) => instance as T): Promise<T[]> {
  return allPages(
    (NextToken) => awsCall(`ec2:DescribeInstances ${what}`, () => ec2.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: INSTANCES_PER_PAGE, NextToken }))),
    (page) => (page.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map(keep)),
  );
}
