/**
 * The one error type handlers throw. It carries AWS's error code and HTTP status; the protocol
 * layer renders it in the service's exact shape (EC2 `<Response><Errors>`, ELBv2
 * `<ErrorResponse>`, SSM `{__type, message}`).
 */
export class AwsApiError extends Error {
  constructor(
    /** AWS's error code, e.g. `InvalidInstanceID.NotFound`. */
    readonly code: string,
    message: string,
    /** HTTP status: 400 for client errors, 503 for throttling, 500 for `InternalError`. */
    readonly status = 400,
  ) {
    super(message);
    this.name = 'AwsApiError';
  }
}

/** Shorthand for the most common client error. */
export function invalidParameter(message: string, code = 'InvalidParameterValue'): AwsApiError {
  return new AwsApiError(code, message);
}

/** Throws `MissingParameter` unless a required input is present. */
export function required<T>(value: T | undefined | null, name: string, code = 'MissingParameter'): T {
  if (value === undefined || value === null || (typeof value === 'string' && value === '')) {
    throw new AwsApiError(code, `The request must contain the parameter ${name}`);
  }
  return value;
}
