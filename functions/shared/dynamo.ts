import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
