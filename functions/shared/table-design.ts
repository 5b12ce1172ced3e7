/**
 * The one DynamoDB table's key schema, shared by the CDK data stack and the local backend
 * so that both create exactly the same table.
 */
export const TABLE_KEYS = { partitionKey: 'PK', sortKey: 'SK' } as const;

/** Children of a guardian, all groups, a group's available media newest first. */
export const GSI1 = { indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' } as const;

/** Items due for deletion by day: `GSI2PK = DUE`, `GSI2SK = <YYYY-MM-DD>#<mediaId>` (sweep, issue 5). */
export const GSI2 = { indexName: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' } as const;

export const GLOBAL_INDEXES = [GSI1, GSI2] as const;

/** Items with this attribute (epoch seconds) are removed by DynamoDB's time to live: idempotency keys. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** What the table's stream carries: new images only (old images would only put more personal data into it). */
export const STREAM_VIEW_TYPE = 'NEW_IMAGE' as const;
