/** GetParameter, PutParameter, GetParametersByPath. */
import type {
  GetParameterRequest,
  GetParameterResult,
  GetParametersByPathRequest,
  GetParametersByPathResult,
  Parameter,
  PutParameterRequest,
  PutParameterResult,
} from '@aws-sdk/client-ssm';
import { paginate } from '../protocol/pagination';
import { AwsApiError, required } from '../protocol/errors';
import type { OperationContext } from '../protocol/handler';
import type { ParameterRecord } from '../state/parameters';

function render(p: ParameterRecord, accountId: string): Parameter {
  const path = p.name.startsWith('/') ? p.name : `/${p.name}`;
  return {
    Name: p.name,
    Type: p.type,
    Value: p.value,
    Version: p.version,
    LastModifiedDate: p.lastModified,
    ARN: `arn:aws:ssm:${p.region}:${p.public ? '' : accountId}:parameter${path}`,
    DataType: p.dataType,
  };
}

export function getParameter({ state, region }: OperationContext, input: GetParameterRequest): GetParameterResult {
  const name = required(input.Name, 'Name', 'ValidationException');
  const p = state.parameters.get(region, name);
  if (!p) throw new AwsApiError('ParameterNotFound', `Parameter ${name} not found.`);
  return { Parameter: render(p, state.accountId) };
}

export function putParameter({ state, region }: OperationContext, input: PutParameterRequest): PutParameterResult {
  const name = required(input.Name, 'Name', 'ValidationException');
  const value = required(input.Value, 'Value', 'ValidationException');
  if (name.startsWith('/aws/') || name.startsWith('aws')) {
    throw new AwsApiError('AccessDeniedException', `No access to reserved parameter name: ${name}.`);
  }
  const existing = state.parameters.get(region, name);
  if (existing && !input.Overwrite) {
    throw new AwsApiError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
  }
  const version = (existing?.version ?? 0) + 1;
  state.parameters.put({
    region,
    name,
    value,
    type: input.Type ?? existing?.type ?? 'String',
    version,
    lastModified: new Date(),
    dataType: input.DataType ?? existing?.dataType ?? 'text',
    description: input.Description ?? existing?.description,
    public: false,
  });
  return { Version: version, Tier: 'Standard' };
}

export function getParametersByPath({ state, region }: OperationContext, input: GetParametersByPathRequest): GetParametersByPathResult {
  const path = required(input.Path, 'Path', 'ValidationException');
  if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 10)) {
    throw new AwsApiError('ValidationException', `1 validation error detected: Value '${input.MaxResults}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10`);
  }
  const all = state.parameters.listByPath(region, path, !!input.Recursive);
  const { page, nextToken } = paginate(all, input.MaxResults ?? 10, input.NextToken);
  return { Parameters: page.map((p) => render(p, state.accountId)), NextToken: nextToken };
}
