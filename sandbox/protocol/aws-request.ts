/**
 * Turns an HTTP request into (service, region, operation, input).
 *
 * The service and region come from the SigV4 `Authorization` header's credential scope
 * (`Credential=AKID/20260101/us-east-1/ec2/aws4_request`), which is what the SDK and the CLI sign
 * with; signatures themselves are not checked (any credentials work). Unsigned requests (curl)
 * fall back to `X-Amz-Target` (SSM) or the Query `Version` (EC2 2016-11-15, ELBv2 2015-12-01).
 */
import type { IncomingMessage } from 'node:http';
import type { ServiceId } from '../state/faults';
import { AwsApiError } from './errors';
import { parseQueryTree, type QueryTree } from './query-input';
import { SERVICES, type ServiceSpec } from './services';

/** A recognised AWS API request, before input decoding. */
export interface AwsRequest {
  service: ServiceSpec;
  region?: string;
  action: string;
  /** Query services: the parsed form. */
  form?: QueryTree;
  /** JSON services: the raw body. */
  body?: string;
}

const SCOPE = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

function credentialScope(req: IncomingMessage, url: URL): { region: string; service: string } | undefined {
  const match = SCOPE.exec(req.headers.authorization ?? '') ?? SCOPE.exec(`Credential=${url.searchParams.get('X-Amz-Credential') ?? ''}`);
  return match ? { region: match[1], service: match[2] } : undefined;
}

/** Reads the whole body (AWS API bodies are small; 16 MiB is far above any real one). */
export async function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new AwsApiError('RequestEntityTooLarge', 'Request body too large', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Recognises the service and operation; undefined when the request is not an AWS API call at all. */
export function recognise(req: IncomingMessage, url: URL, body: string): AwsRequest | undefined {
  const scope = credentialScope(req, url);
  const target = req.headers['x-amz-target'];
  const targetText = Array.isArray(target) ? target[0] : target;
  let serviceId: ServiceId | undefined;
  if (scope && !Object.hasOwn(SERVICES, scope.service)) {
    throw new AwsApiError('InvalidAction', `The hybrid-deploy sandbox does not emulate the ${scope.service} service (only ec2, ssm, elasticloadbalancing)`);
  }
  if (scope) serviceId = scope.service as ServiceId;
  else if (targetText?.startsWith('AmazonSSM.')) serviceId = 'ssm';

  if (serviceId === 'ssm') {
    return { service: SERVICES.ssm, region: scope?.region, action: (targetText ?? '').replace(/^AmazonSSM\./, ''), body };
  }
  // Query protocols: Action may be in the URL or in a form body (the CLI and the SDK use the body).
  const params = new URLSearchParams(url.search);
  const contentType = String(req.headers['content-type'] ?? '');
  if (body && !contentType.includes('json')) for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
  const action = params.get('Action');
  if (!action) return scope && serviceId ? { service: SERVICES[serviceId], region: scope.region, action: '', form: {} } : undefined;
  if (!serviceId) {
    const version = params.get('Version');
    serviceId = version === SERVICES.elasticloadbalancing.version ? 'elasticloadbalancing' : 'ec2';
  }
  return { service: SERVICES[serviceId], region: scope?.region, action, form: parseQueryTree(params) };
}
