/**
 * `createSandbox`: the request handler, without listening. It routes `/_sandbox/*` to the control
 * endpoint and everything else to the AWS API router; the server (server.ts) is a thin shell.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleControl, type ControlDeps } from './control/routes';
import { readBody, recognise, type AwsRequest } from './protocol/aws-request';
import { AwsApiError } from './protocol/errors';
import { parseAwsJson } from './protocol/json-output';
import { handleS3, isS3Request } from './s3';
import { readQueryInput } from './protocol/query-input';
import { renderError, renderSuccess, unknownOperation, type WireResponse } from './protocol/responses';
import { operationSchemas, SERVICES } from './protocol/services';
import { newRequestId } from './state/ids';
import type { SandboxState } from './state/sandbox-state';

/** What the handler needs. */
export interface CreateSandboxOptions {
  state: SandboxState;
  /** Control-endpoint extras (load balancer URLs, reset); optional so unit tests can omit them. */
  control?: Omit<ControlDeps, 'state'>;
}

/** A Node HTTP request listener. */
export type SandboxHandler = (req: IncomingMessage, res: ServerResponse) => void;

function send(res: ServerResponse, wire: WireResponse): void {
  res.writeHead(wire.status, { ...wire.headers, 'content-length': Buffer.byteLength(wire.body) });
  res.end(wire.body);
}

/** Decodes the input, applies faults, runs the handler, encodes the output. */
async function callOperation(state: SandboxState, request: AwsRequest, requestId: string): Promise<WireResponse> {
  const { service, action } = request;
  const region = request.region ?? state.regionNames()[0];
  const handler = Object.hasOwn(service.operations, action) ? service.operations[action] : undefined;
  const schemas = operationSchemas(service, action);
  if (!handler || !schemas) {
    state.faults.onCall(service.id, action || '(none)', region);
    throw unknownOperation(service, action);
  }
  let input: Record<string, unknown>;
  if (service.protocol === 'json') {
    try {
      input = parseAwsJson(request.body ?? '');
    } catch (e) {
      throw new AwsApiError('SerializationException', `Could not parse the request body: ${(e as Error).message}`);
    }
  } else {
    input = readQueryInput(schemas.input as Parameters<typeof readQueryInput>[0], request.form ?? {}, service.protocol === 'ec2' ? 'ec2' : 'query');
  }
  state.faults.onCall(service.id, action, region, input);
  // IAM is global: the SDK signs it for whatever region the client has.
  if (service.id !== 'iam' && !state.region(region)) {
    throw new AwsApiError('UnsupportedRegion', `Region ${region} is not configured in this sandbox (configured: ${state.regionNames().join(', ')})`);
  }
  const output = await handler({ state, region }, input);
  await state.faults.answerAfterHold(service.id, action);
  return renderSuccess(service, action, schemas.output, output, requestId);
}

/**
 * The request's URL. The request line is whatever the client sent: a target such as `//[` is no
 * URL at all, and must cost the client a 400, not the sandbox its process.
 */
function requestUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  try {
    // An origin-form target (`/path?query`) is parsed as a path, never as `//host` or `scheme:`.
    return new URL(target.startsWith('/') ? `http://sandbox.invalid/${target.replace(/^\/+/, '')}` : target);
  } catch {
    return undefined;
  }
}

/** Builds the handler. Anything unexpected becomes a logged 500 `InternalError` in the service's shape. */
export function createSandbox(options: CreateSandboxOptions): SandboxHandler {
  const { state } = options;
  return (req, res) => {
    const requestId = newRequestId();
    const url = requestUrl(req);
    if (!url) {
      send(res, renderError(SERVICES.ec2, new AwsApiError('InvalidRequest', 'The request line does not hold a valid URL'), requestId));
      return;
    }
    if (url.pathname.startsWith('/_sandbox/') || url.pathname === '/_sandbox') {
      handleControl(req, res, url, { state, ...options.control }).catch((err: unknown) => {
        state.logger.error({ err, path: url.pathname }, 'control request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(err) }));
      });
      return;
    }
    // S3 speaks REST (the path names the bucket and key), not an Action: routed apart.
    if (isS3Request(req, url)) {
      void handleS3(state, req, res, url, requestId);
      return;
    }
    let service = SERVICES.ec2;
    (async () => {
      const body = await readBody(req);
      const request = recognise(req, url, body);
      if (!request) throw new AwsApiError('MissingAction', 'The request must contain the parameter Action (or be signed for ec2, ssm, elasticloadbalancing or iam)');
      service = request.service;
      return callOperation(state, request, requestId);
    })()
      .then((wire) => send(res, wire))
      .catch((err: unknown) => {
        if (err instanceof AwsApiError) {
          send(res, renderError(service, err, requestId));
          return;
        }
        state.logger.error({ err, requestId, url: req.url }, 'unexpected error handling an AWS request');
        send(res, renderError(service, new AwsApiError('InternalError', 'An internal error has occurred', 500), requestId));
      });
  };
}
