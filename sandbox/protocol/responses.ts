/**
 * Success and error bodies in each service's exact wire shape.
 *
 * - EC2: `<XResponse xmlns=…><requestId/>…members…</XResponse>`; errors
 *   `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
 * - ELBv2 (awsQuery): `<XResponse><XResult>…</XResult><ResponseMetadata><RequestId/>…`; errors
 *   `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
 * - SSM (JSON 1.1): the output object; errors `{"__type": code, "message": …}`.
 */
import { AwsApiError } from './errors';
import { toAwsJson } from './json-output';
import type { ServiceSpec } from './services';
import { escapeXml, writeXmlMembers } from './xml-output';

/** A rendered HTTP response. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

function isUnit(schema: unknown): boolean {
  // Smithy's unit schema is the string "unit" (CreateTags and DeleteTags return nothing).
  return schema === 'unit' || (typeof schema === 'function' && (schema as () => unknown)() === 'unit');
}

/** Renders an operation's output. */
export function renderSuccess(service: ServiceSpec, action: string, outputSchema: unknown, output: unknown, requestId: string): WireResponse {
  if (service.protocol === 'json') {
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
      body: toAwsJson(output ?? {}),
    };
  }
  const members = isUnit(outputSchema)
    ? '<return>true</return>'
    : writeXmlMembers(outputSchema as Parameters<typeof writeXmlMembers>[0], (output ?? {}) as Record<string, unknown>);
  const body =
    service.protocol === 'ec2'
      ? `${XML_DECL}<${action}Response xmlns="${service.xmlNamespace}"><requestId>${requestId}</requestId>${members}</${action}Response>`
      : `${XML_DECL}<${action}Response xmlns="${service.xmlNamespace}"><${action}Result>${isUnit(outputSchema) ? '' : members}</${action}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId }, body };
}

/** Renders an AwsApiError in the service's shape. */
export function renderError(service: ServiceSpec, error: AwsApiError, requestId: string): WireResponse {
  if (service.protocol === 'json') {
    return {
      status: error.status,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
      body: JSON.stringify({ __type: error.code, message: error.message }),
    };
  }
  const code = escapeXml(error.code);
  const message = escapeXml(error.message);
  const body =
    service.protocol === 'ec2'
      ? `${XML_DECL}<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
      : `${XML_DECL}<ErrorResponse xmlns="${service.xmlNamespace}"><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
        `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status: error.status, headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId }, body };
}

/** The error for an operation outside the allow-list, as each service names it. */
export function unknownOperation(service: ServiceSpec, action: string): AwsApiError {
  if (service.protocol === 'json') {
    return new AwsApiError('UnknownOperationException', `Operation ${action || '(none)'} is not implemented by the hybrid-deploy sandbox`);
  }
  return new AwsApiError('InvalidAction', `The action ${action || '(none)'} is not valid for this web service (not implemented by the hybrid-deploy sandbox).`);
}
