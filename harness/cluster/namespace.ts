import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { DEPLOY_SEARCH_ATTRIBUTES } from '../../src/contracts';

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (the compose file's `--type Keyword`). */
const KEYWORD = 2;

/** The compose file's retention for namespace `default` (`--retention 720h`). */
const RETENTION = '720h';

/** Retries `step` until it succeeds or `timeoutMs` passes, like the compose file's `retry` (the namespace cache catches up with a namespace just created). */
async function retry<T>(what: string, step: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`gave up: ${what}: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * The compose file's `temporal-register-search-attributes` service: namespace `namespace` exists
 * (created with a 720 h retention when missing) and carries the Keyword search attributes every
 * deploy workflow upserts. Idempotent; creates only what is missing.
 */
export async function registerNamespace(address: string, namespace = 'default', timeoutMs = 60_000, log: (line: string) => void = () => undefined): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { workflowService, operatorService } = connection;
    let exists = true;
    try {
      await workflowService.describeNamespace({ namespace });
    } catch {
      exists = false;
    }
    if (exists) log(`namespace ${namespace} exists`);
    else {
      await retry(`create namespace ${namespace}`, () =>
        workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION) }).catch((error) => {
          // Already there (a retry after a timed-out first attempt) is what we wanted.
          if ((error as { code?: number }).code === 6) return undefined;
          throw error;
        }),
      timeoutMs);
    }
    await retry(`describe namespace ${namespace}`, () => workflowService.describeNamespace({ namespace }), timeoutMs);
    const missing = async () => {
      const { customAttributes } = await operatorService.listSearchAttributes({ namespace });
      return DEPLOY_SEARCH_ATTRIBUTES.map((key) => key.name).filter((name) => !customAttributes?.[name]);
    };
    const toAdd = await retry('list search attributes', missing, timeoutMs);
    if (toAdd.length > 0) {
      await retry('add search attributes', () => operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(toAdd.map((name) => [name, KEYWORD])) }), timeoutMs);
    }
    // Registered and visible: a workflow started now can upsert them.
    await retry('search attributes visible', async () => {
      const still = await missing();
      if (still.length > 0) throw new Error(`not yet listed: ${still.join(', ')}`);
    }, timeoutMs);
    log(`search attributes ${DEPLOY_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')} registered`);
  } finally {
    await connection.close();
  }
}
