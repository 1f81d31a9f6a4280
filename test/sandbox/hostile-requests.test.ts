import net from 'node:net';
import { DescribeInstancesCommand, DescribeRegionsCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import fc from 'fast-check';
import { BASE_IMAGE_IDS, BASE_IMAGE_PARAMETER, startSandbox, type RunningSandbox } from '../../sandbox';

/** One raw HTTP exchange over a socket, so request lines no HTTP client would send reach the server. */
function rawRequest(port: number, text: string): Promise<{ status: number; raw: string }> {
  return new Promise((resolve, reject) => {
    // Written, not ended: a half-closed socket would let the server drop a slow answer. `Connection: close` ends it.
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let raw = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (raw += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0), raw }));
  });
}

function httpText(method: string, path: string, headers: Record<string, string>, body: string): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Keys a hostile client would try on an object-backed parser, mixed with real wire names. */
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const segment = fc.oneof(
  fc.constantFrom(...HOSTILE_KEYS),
  fc.constantFrom('Action', 'Version', 'InstanceId', 'Filter', 'Name', 'Value', 'Tag', 'Key', 'TagSpecification', 'ResourceType', 'Targets', 'member', 'Id', 'MaxResults', 'NextToken', 'ImageId', 'MinCount', 'MaxCount', 'entry', 'DryRun'),
  fc.nat({ max: 3 }).map(String),
  fc.string({ maxLength: 6 }),
);
const queryKey = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.'));
const queryValue = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', 'NaN', '-1', '1e309', 'true', '2016-11-15', '2015-12-01', 'ami-0a1b2c3d4e5f00001'), fc.nat().map(String));
const EC2_ACTIONS = ['RunInstances', 'DescribeInstances', 'DescribeInstanceStatus', 'StopInstances', 'StartInstances', 'TerminateInstances', 'CreateImage', 'CopyImage', 'DescribeImages', 'DeregisterImage', 'CreateTags', 'DeleteTags', 'DescribeRegions'];
const ELB_ACTIONS = ['DescribeTargetGroups', 'RegisterTargets', 'DeregisterTargets', 'DescribeTargetHealth'];
const SSM_ACTIONS = ['DescribeInstanceInformation', 'SendCommand', 'GetCommandInvocation', 'ListCommandInvocations', 'CancelCommand', 'GetParameter', 'PutParameter', 'GetParametersByPath'];
const action = fc.oneof(fc.constantFrom(...EC2_ACTIONS, ...ELB_ACTIONS, ...SSM_ACTIONS, ...HOSTILE_KEYS), fc.string({ maxLength: 10 }));
const service = fc.oneof(fc.constantFrom('ec2', 'ssm', 'elasticloadbalancing', ...HOSTILE_KEYS), fc.string({ maxLength: 8 }));
const region = fc.oneof(fc.constantFrom('us-east-1', 'us-west-2', 'eu-west-1', ...HOSTILE_KEYS), fc.string({ maxLength: 8 }));
const authorization = fc
  .tuple(service, region)
  .map(([svc, reg]) => `AWS4-HMAC-SHA256 Credential=AKID/20260101/${reg}/${svc}/aws4_request, SignedHeaders=host, Signature=00`);
/** JSON whose keys are hostile: `{"__proto__": {...}}` written as text, so it reaches JSON.parse as an own key. */
const hostileJson = fc
  .tuple(fc.constantFrom(...HOSTILE_KEYS), fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('Name', 'InstanceId', 'Parameters', 'Filters', 'Targets', 'CommandId', 'Value', 'Overwrite'))
  .map(([key, value, other]) => `{"${key}": ${JSON.stringify(value)}, "${other}": ${JSON.stringify(value)}, "Parameters": {"${key}": ["x"]}}`);
const anyHeaderValue = fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ''));

/** A malformed request line: paths that no URL parser should be trusted with. */
const requestLine = fc.tuple(
  fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'HEAD'),
  fc.oneof(
    fc.constantFrom('//[', 'http://[', '//%zz', '/%', '/?%', '//', '/_sandbox/%', '/_sandbox/instances/__proto__/agent', '/_sandbox/instances/constructor/health', '//x:99999', 'http://a:b@[::1', '*', '/_sandbox/../_sandbox/reset'),
    fc.string({ maxLength: 16 }).map((s) => `/${s.replace(/[\s]/g, '')}`),
    fc.string({ maxLength: 16 }).map((s) => `//${s.replace(/[\s]/g, '')}`),
  ),
);

const queryRequest = fc
  .record({
    action,
    version: fc.constantFrom('2016-11-15', '2015-12-01', undefined),
    params: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 12 }),
    auth: fc.option(authorization, { nil: undefined }),
    inUrl: fc.boolean(),
  })
  .map(({ action: a, version, params, auth, inUrl }) => {
    const form = new URLSearchParams([['Action', a], ...(version ? [['Version', version]] : []), ...params] as [string, string][]).toString();
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) };
    return inUrl ? httpText('GET', `/?${form}`, headers, '') : httpText('POST', '/', headers, form);
  });

const jsonRequest = fc
  .record({
    target: fc.oneof(action.map((a) => `AmazonSSM.${a}`), fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ''))),
    body: fc.oneof(hostileJson, fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 30 })),
    auth: fc.option(authorization, { nil: undefined }),
  })
  .map(({ target, body, auth }) => httpText('POST', '/', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...(auth ? { authorization: auth } : {}) }, body));

const CONTROL_ROUTES = ['/_sandbox/faults/throttle', '/_sandbox/faults/fail', '/_sandbox/faults/image', '/_sandbox/faults/agent', '/_sandbox/instances/i-0123456789abcdef0/agent', '/_sandbox/instances/__proto__/health', '/_sandbox/calls', '/_sandbox/faults', '/_sandbox/config', '/_sandbox/health'];
const controlRequest = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'DELETE'),
    path: fc.oneof(fc.constantFrom(...CONTROL_ROUTES), fc.string({ maxLength: 12 }).map((s) => `/_sandbox/${encodeURIComponent(s)}`)),
    body: fc.oneof(hostileJson, fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 20 })),
  })
  .map(({ method, path, body }) => httpText(method, path, { 'content-type': 'application/json' }, body));

const malformedRequest = fc
  .record({ line: requestLine, headerName: fc.constantFrom('authorization', 'x-amz-target', 'content-type', 'x-amz-date'), headerValue: fc.oneof(anyHeaderValue, authorization), body: fc.string({ maxLength: 40 }) })
  .map(({ line: [method, path], headerName, headerValue, body }) => httpText(method, path, { [headerName]: headerValue }, body));

describe('the sandbox under hostile requests', () => {
  let sandbox: RunningSandbox;
  let port: number;
  const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    sandbox = await startSandbox({ profile: 'instant' });
    port = Number(new URL(sandbox.endpoint).port);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  /** The sandbox still answers, and answers correctly, through the real SDK clients. */
  async function stillCorrect(): Promise<void> {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
    expect(await (await fetch(`${sandbox.controlUrl}/health`)).json()).toEqual({ ok: true });
    // Control requests may legitimately have armed faults (that is what they are for): disarm them.
    await sandbox.control.clearFaults();
    const ec2 = new EC2Client(sandbox.clientConfig('us-east-1'));
    const ssm = new SSMClient(sandbox.clientConfig('us-east-1'));
    const elb = new ElasticLoadBalancingV2Client(sandbox.clientConfig('us-east-1'));
    try {
      const regions = (await ec2.send(new DescribeRegionsCommand({}))).Regions?.map((r) => r.RegionName).sort();
      expect(regions).toEqual(['eu-west-1', 'us-east-1', 'us-west-2']);
      expect((await ssm.send(new GetParameterCommand({ Name: BASE_IMAGE_PARAMETER }))).Parameter?.Value).toBe(BASE_IMAGE_IDS['us-east-1']);
      expect((await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups?.map((g) => g.TargetGroupName)).toEqual(['example-web']);
      const launched = await ec2.send(
        new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'probe', Value: 'after-fuzz' }] }] }),
      );
      const id = launched.Instances![0].InstanceId!;
      const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      const instance = described.Reservations![0].Instances![0];
      expect({ id: instance.InstanceId, tags: instance.Tags }).toEqual({ id, tags: [{ Key: 'probe', Value: 'after-fuzz' }] });
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    } finally {
      ec2.destroy();
      ssm.destroy();
      elb.destroy();
    }
  }

  it('survives a malformed request line and answers it with an error', async () => {
    for (const path of ['//[', 'http://[', '//%zz']) {
      const { status } = await rawRequest(port, httpText('GET', path, {}, ''));
      expect({ path, status }).toEqual({ path, status: 400 });
    }
    await stillCorrect();
  });

  it('keeps hostile query keys (__proto__, constructor) out of every object but the request', async () => {
    const { status } = await rawRequest(port, httpText('GET', '/?Action=DescribeRegions&Version=2016-11-15&__proto__.polluted=yes&constructor.prototype.polluted=yes', {}, ''));
    expect(status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const scoped = await rawRequest(port, httpText('POST', '/', { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/toString/aws4_request' }, 'Action=DescribeRegions'));
    expect(scoped.status).toBe(400);
    await stillCorrect();
  });

  const kinds: [string, fc.Arbitrary<string>][] = [
    ['EC2 and ELBv2 Query requests', queryRequest],
    ['SSM JSON requests', jsonRequest],
    ['control requests', controlRequest],
    ['malformed request lines and headers', malformedRequest],
  ];
  it.each(kinds)('answers %s without a crash, a 500 or a polluted prototype, and still answers correctly afterwards', async (_name, requests) => {
    await fc.assert(
      fc.asyncProperty(requests, async (text) => {
        const { status, raw } = await rawRequest(port, text);
        // Every request gets an answer; a 5xx other than a deliberate 501/503 is a crash caught too late.
        if (!(status >= 200 && status < 500) && status !== 501) throw new Error(`answered ${status} to:\n${text}\n---\n${raw.slice(0, 600)}`);
        if (Object.getOwnPropertyNames(Object.prototype).length !== prototypeNames.length || ({} as Record<string, unknown>).polluted !== undefined) {
          throw new Error(`Object.prototype changed by:\n${text}`);
        }
      }),
      { numRuns: 1_000 },
    );
    await stillCorrect();
  });
});
