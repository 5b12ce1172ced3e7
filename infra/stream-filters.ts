/**
 * Which records of the table's stream reach which function: the filter patterns the stacks deploy
 * on the event source mappings, and that the local backend's stream poller applies
 * (local/streams.ts). Plain data, no CDK: one definition for both.
 */

/**
 * Only new consent events that withdraw invoke the withdrawal function: Lambda filters the stream
 * before it invokes (filtered-out records cost nothing and are not retried). Everything else the
 * table writes (projections, media, access records) never reaches it. The handler checks the same
 * again, so that a wider filter would not make it act on other records.
 */
export const WITHDRAWAL_FILTER_PATTERN = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { entityType: { S: ['ConsentEvent'] }, decision: { S: ['withdrawn'] } } },
} as const;

/** Records per invocation of the withdrawal function (small: each may delete many items). */
export const WITHDRAWAL_BATCH_SIZE = 10;

/**
 * Only new pending audit entries invoke the chainer (functions/audit/chain.handler.ts), which
 * links them into the month's hash chain. The table's stream has two readers, this one and the
 * withdrawal function: DynamoDB's advised maximum per shard.
 */
export const AUDIT_FILTER_PATTERN = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { entityType: { S: ['AuditPending'] } } },
} as const;

/** Records per invocation of the chainer: busy moments link many entries per transaction. */
export const AUDIT_BATCH_SIZE = 100;
