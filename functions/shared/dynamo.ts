import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** One DocumentClient per endpoint, created on first use and reused across invocations. */
const clients = new Map<string, DynamoDBDocumentClient>();

export function documentClient(endpoint?: string): DynamoDBDocumentClient {
  const key = endpoint ?? '';
  let client = clients.get(key);
  if (!client) {
    const base = new DynamoDBClient({
      ...(endpoint ? { endpoint, region: process.env.AWS_REGION ?? 'eu-central-1' } : {}),
      maxAttempts: 5,
    });
    client = DynamoDBDocumentClient.from(base, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    clients.set(key, client);
  }
  return client;
}

/**
 * Reads items by key, 100 keys per BatchGetItem, retrying unprocessed keys with back-off. Returns
 * the items found, in no particular order.
 */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  table: string,
  itemKeys: readonly Record<string, unknown>[],
  consistent = false,
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < itemKeys.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead?: boolean }> | undefined = {
      [table]: { Keys: itemKeys.slice(i, i + 100), ...(consistent ? { ConsistentRead: true } : {}) },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      const out = await db.send(new BatchGetCommand({ RequestItems: request }));
      found.push(...(out.Responses?.[table] ?? []));
      request = out.UnprocessedKeys as typeof request;
    }
  }
  return found;
}

/** Every item a Query matches, page after page (the caller stops reading when it has enough). */
export async function* queryAll(db: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): AsyncGenerator<Record<string, unknown>> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    yield* out.Items ?? [];
    start = out.LastEvaluatedKey;
  } while (start);
}

/** The items of `queryAll`, collected. */
export async function queryList(db: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const item of queryAll(db, input)) items.push(item);
  return items;
}
