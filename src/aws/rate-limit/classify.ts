/** Which bucket a command draws its token from, following AWS's rules for EC2. */
import { DEFAULT_RATE_LIMITS, type RateLimitedService, type RateLimitTable } from './buckets';

/** What a command costs: one token from this bucket. */
export interface BucketChoice {
  service: RateLimitedService;
  /** The table key: the action's own bucket, or its category. */
  bucket: string;
}

const NON_MUTATING = /^(Describe|Get|List|Search)/;

function nonEmpty(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null;
}

/**
 * Picks the bucket of a command. `commandName` is the SDK's (`RunInstancesCommand`) or the bare
 * action. An action with its own entry in the table uses it; otherwise reads (`Describe*`,
 * `Get*`, `List*`, `Search*`) use `describe` and everything else `mutating`. EC2 counts a
 * `Describe*` with no `Filters`, no `MaxResults` and no `InstanceIds` in its smaller unfiltered
 * bucket (an empty id list counts as none, as AWS's pagination guide warns); we apply that rule
 * to every EC2 `Describe*`, erring toward the smaller bucket as the sandbox does.
 */
export function classifyCommand(
  service: RateLimitedService,
  commandName: string,
  input: Record<string, unknown> | undefined = {},
  table: RateLimitTable = DEFAULT_RATE_LIMITS,
): BucketChoice {
  const action = commandName.replace(/Command$/, '');
  if (Object.hasOwn(table[service] ?? {}, action)) return { service, bucket: action };
  if (!NON_MUTATING.test(action)) return { service, bucket: 'mutating' };
  const args = input ?? {};
  const unfiltered =
    service === 'ec2' && action.startsWith('Describe') && !nonEmpty(args.Filters) && !nonEmpty(args.InstanceIds) && args.MaxResults === undefined;
  return { service, bucket: unfiltered ? 'describeUnfiltered' : 'describe' };
}
