import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * The region an activity acts in: its input's `region` (a copy's destination), or, for one that
 * looks across regions, its `regions` (the reusable-image lookup) or its spec's (the preflight),
 * comma-separated.
 */
export function regionOf(input: unknown): string | undefined {
  const { region, regions: own, spec } = (input ?? {}) as { region?: unknown; regions?: unknown; spec?: { regions?: unknown } };
  if (typeof region === 'string') return region;
  const regions = own ?? spec?.regions;
  if (Array.isArray(regions) && regions.length > 0 && regions.every((r) => typeof r === 'string')) return regions.join(',');
  return undefined;
}

/**
 * Puts the region an activity acts in on every log line it writes and on every metric it emits
 * through its context (the SDK already adds the workflow id, run id and activity type), and logs
 * the step's start with it: the SDK's own start line comes before the input is known.
 */
export const activityRegion: ActivityInterceptorsFactory = (context) => {
  let region: string | undefined;
  return {
    inbound: {
      execute: (input, next) => {
        region = regionOf(input.args[0]);
        context.log.info('activity started', { attempt: context.info.attempt });
        return next(input);
      },
    },
    outbound: {
      getLogAttributes: (attributes, next) => next(region ? { ...attributes, region } : attributes),
      getMetricTags: (tags, next) => next(region ? { ...tags, region } : tags),
    },
  };
};
