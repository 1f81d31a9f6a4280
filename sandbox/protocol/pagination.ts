/** MaxResults/NextToken (or PageSize/Marker) pagination, shared by every service. */
import { AwsApiError } from './errors';

/** One page of `items` and the token for the next, as AWS paginates. */
export function paginate<T>(items: readonly T[], maxResults: number | undefined, nextToken: string | undefined): { page: T[]; nextToken?: string } {
  let offset = 0;
  if (nextToken) {
    const decoded = /^o(\d+)$/.exec(Buffer.from(nextToken, 'base64url').toString());
    if (!decoded) throw new AwsApiError('InvalidPaginationToken', `Invalid pagination token: ${nextToken}`);
    offset = Number(decoded[1]);
  }
  if (maxResults === undefined) return { page: items.slice(offset) };
  const end = offset + maxResults;
  return {
    page: items.slice(offset, end),
    nextToken: end < items.length ? Buffer.from(`o${end}`).toString('base64url') : undefined,
  };
}
