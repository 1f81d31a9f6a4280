/** DescribeRegions: the configured regions. */
import type { DescribeRegionsRequest, DescribeRegionsResult, Region } from '@aws-sdk/client-ec2';
import type { OperationContext } from '../protocol/handler';
import { TagSet } from '../state/tags';
import { applyFilters } from './filters';

export function describeRegions({ state }: OperationContext, input: DescribeRegionsRequest): DescribeRegionsResult {
  let regions: Region[] = state.regionNames().map((name) => ({
    RegionName: name,
    Endpoint: `ec2.${name}.amazonaws.com`,
    OptInStatus: 'opt-in-not-required',
  }));
  if (input.RegionNames?.length) regions = regions.filter((r) => input.RegionNames?.includes(r.RegionName ?? ''));
  const noTags = new TagSet();
  return {
    Regions: applyFilters(regions, input.Filters, { 'region-name': (r) => [r.RegionName], endpoint: (r) => [r.Endpoint] }, () => noTags),
  };
}
