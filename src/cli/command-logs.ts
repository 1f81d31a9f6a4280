import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { parseOutputKey, type StoredOutput } from '../aws/command-output';
import type { DeployRequest } from '../contracts';
import type { CommandLogs } from './results';

/** What a deploy says about where its commands' output went (its request, as started). */
export async function requestOfRun(client: Client, namespace: string, workflowId: string, runId: string): Promise<DeployRequest | undefined> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId, runId }, maximumPageSize: 1 });
  const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  const [request] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
  return request as DeployRequest | undefined;
}

/** Which outputs to read. */
export interface LogsFilter {
  instance?: string;
  step?: string;
}

/**
 * Every command output a run kept: lists `<prefix>/<app>/<env>/<run id>/` in the bucket and reads
 * each stream whole, in the order the commands ran. An S3 client of the operator's environment
 * (`AWS_ENDPOINT_URL` and `AWS_REGION` from the CLI's environment, credentials from the default
 * chain); it needs `s3:ListBucket` and `s3:GetObject` on the bucket.
 */
export async function readCommandLogs(env: NodeJS.ProcessEnv, request: DeployRequest, runId: string, filter: LogsFilter): Promise<Omit<CommandLogs, 'kind'>> {
  const settings = request.spec.commandOutput!;
  const base = `${settings.s3KeyPrefix.replace(/\/+$/, '')}/${request.spec.app}/${request.env}/${runId}/`;
  const s3 = new S3Client({
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || request.spec.regions[0],
    followRegionRedirects: true,
    ...(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL } : {}),
  });
  try {
    const found: (StoredOutput & { key: string; lastModified: number })[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: settings.s3Bucket, Prefix: `${base}${filter.step ? `${filter.step}/` : ''}`, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const parsed = parseOutputKey(object.Key!.slice(base.length));
        if (parsed && (!filter.instance || parsed.instanceId === filter.instance)) found.push({ ...parsed, key: object.Key!, lastModified: object.LastModified?.getTime() ?? 0 });
      }
      token = page.NextContinuationToken;
    } while (token);
    // Commands in the order they ran (a command's earliest object; S3 keeps whole seconds), then
    // instances, then each instance's stdout before its stderr, as a terminal would show them.
    const ranAt = new Map<string, number>();
    for (const o of found) ranAt.set(o.commandId, Math.min(ranAt.get(o.commandId) ?? Infinity, o.lastModified));
    const streamOrder = (o: StoredOutput) => (o.stream === 'stdout' ? 0 : 1);
    found.sort(
      (a, b) =>
        ranAt.get(a.commandId)! - ranAt.get(b.commandId)! ||
        a.step.localeCompare(b.step) ||
        a.commandId.localeCompare(b.commandId) ||
        a.instanceId.localeCompare(b.instanceId) ||
        streamOrder(a) - streamOrder(b),
    );
    const outputs = [];
    for (const { step, commandId, instanceId, stream, key } of found) {
      const object = await s3.send(new GetObjectCommand({ Bucket: settings.s3Bucket, Key: key }));
      const text = (await object.Body?.transformToString('utf8')) ?? '';
      outputs.push({ step, commandId, instanceId, stream, bytes: Buffer.byteLength(text), text });
    }
    return { app: request.spec.app, env: request.env, runId, location: `s3://${settings.s3Bucket}/${base}`, outputs };
  } finally {
    s3.destroy();
  }
}
