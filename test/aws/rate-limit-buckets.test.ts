/**
 * The worker's limiter and the sandbox model one thing from two sides: the limiter's defaults are
 * what the worker believes AWS allows, the sandbox's EC2 buckets are what "AWS" enforces in every
 * test and bench. If they drift apart, the limiter's tests and benches pass against a world that
 * no longer matches the limiter (or the other way round).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EC2_BUCKETS, ec2BucketOf } from '../../sandbox/state/faults';
import { classifyCommand, DEFAULT_RATE_LIMITS } from '../../src/aws/rate-limit';

/**
 * Every EC2 call the product makes, with an input shaped as the product sends it (the fields that
 * decide a bucket have the same names in the SDK's input and in the request the sandbox decodes).
 */
const PRODUCT_CALLS: { action: string; input: Record<string, unknown>; where: string }[] = [
  { action: 'RunInstances', input: { ImageId: 'ami-1', MinCount: 1, MaxCount: 1, ClientToken: 't' }, where: 'launch-instances' },
  { action: 'DescribeInstances', input: { InstanceIds: ['i-1'] }, where: 'launch, bake and keep waits' },
  { action: 'DescribeInstances', input: { Filters: [{ Name: 'tag:app', Values: ['web'] }] }, where: 'find-fleet, owned-instances, terminate wait' },
  { action: 'DescribeInstances', input: { Filters: [{ Name: 'tag-key', Values: ['role'] }], MaxResults: 500 }, where: 'reap' },
  { action: 'DescribeImages', input: { Owners: ['self'], Filters: [{ Name: 'name', Values: ['x'] }] }, where: 'images, find-latest-image, reap' },
  { action: 'DescribeImages', input: { ImageIds: ['ami-1'] }, where: 'image waits, copy-ami, resolve-base-image' },
  { action: 'CreateImage', input: { InstanceId: 'i-1', Name: 'app-1' }, where: 'bake-ami' },
  { action: 'CopyImage', input: { SourceRegion: 'us-east-1', SourceImageId: 'ami-1', Name: 'app-1' }, where: 'copy-ami' },
  { action: 'CreateTags', input: { Resources: ['i-1'], Tags: [{ Key: 'k', Value: 'v' }] }, where: 'create-tags' },
  { action: 'StopInstances', input: { InstanceIds: ['i-1'] }, where: 'bake-ami, keep-instances' },
  { action: 'TerminateInstances', input: { InstanceIds: ['i-1'] }, where: 'terminate-instances' },
  { action: 'DeregisterImage', input: { ImageId: 'ami-1', DeleteAssociatedSnapshots: true }, where: 'deregister-image, reap' },
  { action: 'DescribeSnapshots', input: { OwnerIds: ['self'], Filters: [{ Name: 'tag:role', Values: ['image'] }], MaxResults: 1000 }, where: 'reap' },
  { action: 'DeleteSnapshot', input: { SnapshotId: 'snap-1' }, where: 'reap' },
  { action: 'DescribeLaunchTemplates', input: { MaxResults: 200 }, where: 'apply-retention' },
  { action: 'DescribeLaunchTemplateVersions', input: { LaunchTemplateId: 'lt-1', MaxResults: 200 }, where: 'apply-retention' },
  { action: 'DescribeImages', input: { Owners: ['self'], Filters: [{ Name: 'tag:bake-key', Values: ['k'] }] }, where: 'find-reusable-image, apply-retention' },
  { action: 'DescribeSubnets', input: { SubnetIds: ['subnet-1'] }, where: 'preflight' },
  { action: 'DescribeSecurityGroups', input: { GroupIds: ['sg-1'] }, where: 'preflight' },
  // Not sent by the product today, but the bench and tests do: a fleet listing with no filter.
  { action: 'DescribeInstances', input: {}, where: 'bench/rate-limit.bench.ts' },
];

/** The EC2 commands `src/` imports from the SDK, as bare action names. */
function ec2ActionsInSource(dir: string): Set<string> {
  const actions = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const source = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const [, names] of source.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/client-ec2'/g)) {
      for (const name of names.split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
        if (name.endsWith('Command')) actions.add(name.replace(/Command$/, ''));
      }
    }
  }
  return actions;
}

describe("the limiter's EC2 defaults and the sandbox's EC2 buckets", () => {
  it('have the same buckets, each with the same capacity and refill', () => {
    expect(DEFAULT_RATE_LIMITS.ec2).toEqual(EC2_BUCKETS);
  });

  it.each(PRODUCT_CALLS)('put $action ($where) in the same bucket', ({ action, input }) => {
    expect(classifyCommand('ec2', `${action}Command`, input).bucket).toBe(ec2BucketOf(action, input));
  });

  it('cover every EC2 command src/ sends', () => {
    const listed = new Set(PRODUCT_CALLS.map((call) => call.action));
    const sent = ec2ActionsInSource(join(__dirname, '../../src'));
    expect(sent.size).toBeGreaterThan(0);
    expect([...sent].filter((action) => !listed.has(action))).toEqual([]);
  });
});
