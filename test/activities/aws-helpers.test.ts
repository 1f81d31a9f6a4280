import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { toActivityFailure, hasAwsCode } from '../../src/aws/errors';
import { clientToken } from '../../src/aws/client-token';
import { imageNameFor, ownershipTags, tagValue } from '../../src/contracts';
import { spreadOverSubnets } from '../../src/activities/launch-instances';
import { chunk } from '../../src/aws/chunk';

/** An error shaped as the AWS SDK v3 throws them. */
function sdkError(code: string, status: number): Error {
  return Object.assign(new Error(`${code} happened`), { name: code, $metadata: { httpStatusCode: status, requestId: 'req-1' } });
}

describe('AWS error classification', () => {
  it('makes permanent errors non-retryable, typed by their code, with a hint', () => {
    for (const [code, hint] of [
      ['InvalidAMIID.NotFound', /does not exist in this region/],
      ['UnauthorizedOperation', /IAM policy/],
    ] as const) {
      const failure = toActivityFailure(sdkError(code, 400), 'ec2:RunInstances') as ApplicationFailure;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect({ type: failure.type, nonRetryable: failure.nonRetryable }).toEqual({ type: code, nonRetryable: true });
      expect(failure.message).toMatch(hint);
      expect(failure.message).toMatch(/^ec2:RunInstances failed: /);
    }
  });

  it('keeps throttling and server errors retryable', () => {
    for (const [code, status] of [['RequestLimitExceeded', 503], ['ThrottlingException', 400], ['InternalError', 500], ['Unavailable', 503]] as const) {
      const failure = toActivityFailure(sdkError(code, status), 'ec2:DescribeImages') as ApplicationFailure;
      expect({ code, nonRetryable: failure.nonRetryable }).toEqual({ code, nonRetryable: false });
    }
  });

  it('leaves errors that are not AWS errors alone', () => {
    const plain = new Error('socket hang up');
    expect(toActivityFailure(plain, 'x')).toBe(plain);
  });

  it('keeps a cancellation a cancellation, even once the SDK stamped it with $metadata', () => {
    // The rate limiter rejects a cancelled activity's queued call with Temporal's CancelledFailure;
    // the SDK's retry middleware then adds $metadata to it, as it does to AWS errors.
    const cancelled = Object.assign(new CancelledFailure('CANCELLED'), { $metadata: { attempts: 1 } });
    expect(toActivityFailure(cancelled, 'ec2:DescribeInstances')).toBe(cancelled);
  });

  it('recognizes a code before and after classification', () => {
    const raw = sdkError('InvalidAMIName.Duplicate', 400);
    expect(hasAwsCode(raw, 'InvalidAMIName.Duplicate')).toBe(true);
    expect(hasAwsCode(toActivityFailure(raw, 'ec2:CreateImage'), 'InvalidAMIName.Duplicate')).toBe(true);
    expect(hasAwsCode(raw, 'Other')).toBe(false);
  });
});

describe('idempotency keys and names', () => {
  const run = { workflowId: 'deploy/shop/prod', runId: '0195-aaaa' };

  it('derives one ClientToken per run and step, within AWS limits', () => {
    expect(clientToken(run, 'fleet/0')).toBe(clientToken({ ...run }, 'fleet/0'));
    expect(clientToken(run, 'fleet/0')).not.toBe(clientToken(run, 'fleet/1'));
    expect(clientToken(run, 'fleet/0')).not.toBe(clientToken({ ...run, runId: '0195-bbbb' }, 'fleet/0'));
    expect(clientToken(run, 'x').length).toBeLessThanOrEqual(64);
    expect(clientToken(run, 'x')).toMatch(/^[\x21-\x7e]+$/);
  });

  it('names images deterministically with only characters AMI names allow', () => {
    const name = imageNameFor('shop', '1.2.3+build#7', run.runId);
    expect(name).toBe(imageNameFor('shop', '1.2.3+build#7', run.runId));
    expect(name).toMatch(/^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/);
    expect(imageNameFor('shop', 'v'.repeat(200), run.runId).length).toBe(128);
  });

  it('tags what it creates with owner, role and the spec tags, the owner winning', () => {
    const tags = ownershipTags({ app: 'shop', env: 'prod', version: '1.0.0', ...run }, 'fleet', {}, { team: 'web', 'hybrid-deploy:app': 'spoof' });
    expect(tagValue(tags, 'hybrid-deploy:app')).toBe('shop');
    expect(tagValue(tags, 'hybrid-deploy:role')).toBe('fleet');
    expect(tagValue(tags, 'hybrid-deploy:run-id')).toBe(run.runId);
    expect(tagValue(tags, 'team')).toBe('web');
    expect(tagValue(tags, 'Name')).toBe('shop-prod-fleet-1.0.0');
  });
});

describe('batching helpers', () => {
  it('spreads instances over subnets evenly', () => {
    expect(spreadOverSubnets(5, ['a', 'b'])).toEqual([{ subnetId: 'a', count: 3 }, { subnetId: 'b', count: 2 }]);
    expect(spreadOverSubnets(1, ['a', 'b', 'c'])).toEqual([{ subnetId: 'a', count: 1 }]);
  });

  it('chunks SSM targets into batches of at most 50', () => {
    const ids = Array.from({ length: 120 }, (_, i) => `i-${i}`);
    expect(chunk(ids, 50).map((c) => c.length)).toEqual([50, 50, 20]);
    expect(chunk([], 50)).toEqual([]);
  });
});
