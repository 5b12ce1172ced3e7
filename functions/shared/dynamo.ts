import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < itemKeys.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = { [table]: { Keys: itemKeys.slice(i, i + 100) } };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      const out = await db.send(new BatchGetCommand({ RequestItems: request }));
      found.push(...(out.Responses?.[table] ?? []));
      request = out.UnprocessedKeys as typeof request;
    }
  }
  return found;
}
