/**
 * JSON 1.1 (SSM) output: timestamps are epoch seconds (numbers), as the awsJson protocols send them.
 */

/** Serializes an output object, turning every Date into epoch seconds. */
export function toAwsJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : v;
  });
}

/** Parses a JSON 1.1 request body; numbers that the model calls timestamps stay numbers. */
export function parseAwsJson(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  const parsed: unknown = JSON.parse(body);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SyntaxError('request body is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}
