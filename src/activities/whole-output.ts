import { Context } from '@temporalio/activity';
import { API_OUTPUT_LIMITS, invocationOutputPrefix, readOutputTail } from '../aws/command-output';
import type { CommandOutputLocation, CommandResult } from '../contracts';
import type { ActivityDeps } from './deps';

/** How much of a cut stream's end is fetched back: enough for the markers and the lines that say what failed. */
const TAIL_BYTES = 8 * 1024;

/**
 * An invocation's result with the end of its output restored: when SSM's API cut a stream (24,000
 * characters of stdout, 8,000 of stderr) and the whole of it was kept in S3, the last few KB are
 * read back from there and joined to what the API returned, so the failure report shows the lines
 * that say what went wrong (they come last) and markers printed at the end are found. The result
 * names where the whole output is.
 */
export async function withWholeOutputTail(deps: ActivityDeps, region: string, location: CommandOutputLocation | undefined, commandId: string, result: CommandResult): Promise<CommandResult> {
  if (!location) return result;
  const prefix = invocationOutputPrefix(location, commandId, result.instanceId);
  const completed: CommandResult = { ...result, outputLocation: `s3://${location.s3Bucket}/${prefix}` };
  for (const stream of ['stdout', 'stderr'] as const) {
    if (result[stream].length < API_OUTPUT_LIMITS[stream]) continue;
    const tail = await readOutputTail(deps.clients.s3(region), location.s3Bucket, `${prefix}${stream}`, TAIL_BYTES, Context.current().cancellationSignal);
    if (tail === undefined || result[stream].endsWith(tail)) continue;
    completed[stream] = `${result[stream]}\n[… cut by SSM; the whole ${stream} is at ${completed.outputLocation}${stream} …]\n${tail}`;
  }
  return completed;
}
