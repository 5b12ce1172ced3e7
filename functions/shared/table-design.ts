/**
 * The one DynamoDB table's key schema, shared by the CDK data stack and the local backend
 * so that both create exactly the same table.
 */
export const TABLE_KEYS = { partitionKey: 'PK', sortKey: 'SK' } as const;

export const GSI1 = { indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' } as const;

export const GLOBAL_INDEXES = [GSI1] as const;
