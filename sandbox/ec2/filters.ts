/** EC2-style filters (`Filter.N.Name/Value.N`, wildcards) and TagSpecifications. */
import type { Filter } from '@aws-sdk/client-ec2';
import { AwsApiError } from '../protocol/errors';
import type { TagSet } from '../state/tags';

/** For each supported filter name, the values a resource has for it. */
export type FilterFields<T> = Readonly<Record<string, (resource: T) => readonly (string | undefined)[]>>;

function wildcardToRegExp(pattern: string): RegExp {
  // EC2 filter values accept `*` (any run) and `?` (one character); `\` escapes them.
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) re += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/**
 * Keeps the resources matching every filter (AND across filters, OR across a filter's values).
 * `tag:KEY` and `tag-key` work on any resource with tags; an unknown name is `InvalidParameterValue`,
 * as AWS answers.
 */
export function applyFilters<T>(
  resources: readonly T[],
  filters: readonly Filter[] | undefined,
  fields: FilterFields<T>,
  tagsOf: (resource: T) => TagSet,
): T[] {
  if (!filters?.length) return [...resources];
  const compiled = filters.map((f) => {
    const name = f.Name ?? '';
    const patterns = (f.Values ?? []).map(wildcardToRegExp);
    let valuesOf: (r: T) => readonly (string | undefined)[];
    if (name.startsWith('tag:')) valuesOf = (r) => [tagsOf(r).get(name.slice(4))];
    else if (name === 'tag-key') valuesOf = (r) => tagsOf(r).keys();
    else if (fields[name]) valuesOf = fields[name];
    else throw new AwsApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
    return { valuesOf, patterns };
  });
  return resources.filter((r) =>
    compiled.every(({ valuesOf, patterns }) =>
      valuesOf(r).some((v) => v !== undefined && patterns.some((p) => p.test(v))),
    ),
  );
}

/** Tags of one resource type from `TagSpecifications`. */
export function tagsFromSpecifications(
  specs: readonly { ResourceType?: string; Tags?: { Key?: string; Value?: string }[] }[] | undefined,
  resourceType: string,
): { Key?: string; Value?: string }[] {
  return (specs ?? []).filter((s) => s.ResourceType === resourceType).flatMap((s) => s.Tags ?? []);
}
