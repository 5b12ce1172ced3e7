/**
 * The table's stream, locally: DynamoDB Local serves the Streams API, and this poller reads it
 * as Lambda's event source mappings do in AWS. Each consumer (the withdrawal propagation, the
 * audit chainer) gets every record of every shard in order, applies the same filter pattern the
 * stacks deploy (infra/stream-filters.ts), and invokes the same handler with the same event shape,
 * a batch at a time. A batch that fails (or reports failed records) is retried
 * from its first failed record, as Lambda does; after the stacks' number of retries its position
 * is logged (the dead-letter queue's message in AWS) and the consumer moves on.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { runInvocation } from './invocation';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './storage';

/** A stream handler as Lambda invokes it. */
export type StreamHandler = (event: { Records: unknown[] }, context: { awsRequestId: string; functionName: string }) => Promise<unknown>;

export interface StreamConsumer {
  /** As the function is named in AWS (in log lines). */
  name: string;
  /** The event source mapping's filter pattern. */
  filter: FilterPattern;
  batchSize: number;
  /** Loaded on first use: handlers read their configuration when first loaded. */
  handler: () => StreamHandler;
}

/** A Lambda event filter pattern: nested objects ending in arrays of accepted values. */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly (string | number | boolean | null)[] };

/**
 * Whether a stream record matches a filter pattern, by Lambda's rules for the patterns we deploy:
 * every key of the pattern must be present and, at a leaf, equal to one of the listed values.
 * Content filters (prefix, numeric, exists, anything-but) are refused rather than guessed: a
 * pattern using one must be taught here first, or the local backend would filter differently.
 */
export function matchesFilter(pattern: FilterPattern, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return Object.entries(pattern).every(([key, expected]) => {
    if (!Object.hasOwn(record, key)) return false;
    const actual = record[key];
    if (Array.isArray(expected)) {
      for (const e of expected) if (typeof e === 'object' && e !== null) throw new Error(`filter operator ${JSON.stringify(e)} is not supported locally`);
      return expected.some((e) => e === actual);
    }
    return matchesFilter(expected as FilterPattern, actual);
  });
}

/** Set while a stream handler runs: lets the benchmark count the API's requests without the background functions'. */
const invocation = new AsyncLocalStorage<string>();
export const inStreamHandler = (): string | undefined => invocation.getStore();

/** Lambda's retries of a failing batch before its position goes to the on-failure queue. */
const RETRY_ATTEMPTS = 5;
const IDLE_POLL_MS = 250;
const SHARD_REFRESH_MS = 2000;

interface ShardState {
  iterator?: string;
  /** No more records will come: the shard was closed and read to its end. */
  done: boolean;
}

export interface StreamPoller {
  /**
   * Resolves once every record written before the call (and every record those handlers wrote in
   * turn) has been handled or filtered out by every consumer.
   */
  settled: () => Promise<void>;
  /** Stops reading; resolves when the batches being handled have finished. */
  stop: () => Promise<void>;
  /** Read at once instead of at the next interval (after a request: no waiting in tests). */
  nudge: () => void;
}

export async function startStreamPoller(options: { dynamoEndpoint: string; tableName: string; consumers: readonly StreamConsumer[] }): Promise<StreamPoller> {
  const config = { endpoint: options.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const db = new DynamoDBClient(config);
  const table = await db.send(new DescribeTableCommand({ TableName: options.tableName }));
  db.destroy();
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);
  const streams = new DynamoDBStreamsClient(config);

  // One position per shard, shared by the consumers: each gets every record of a page, in order,
  // before the next page is read. (Each event source mapping keeps its own in AWS; one reader here
  // halves the reads, which DynamoDB Local answers in a time that grows with every stream record it
  // holds, of every table.) A consumer's retries hold up the others meanwhile, never their records.
  const states = new Map<string, ShardState>();
  let stopping = false;
  let wake: (() => void) | undefined;
  /** Waiters of settled(): resolved after a complete pass that found nothing new. */
  let waiters: (() => void)[] = [];

  // The shard list, read again when a shard has ended (its children follow) or every few seconds.
  let known: { shards: Shard[]; at: number } | undefined;
  let shardEnded = false;
  const listShards = async (): Promise<Shard[]> => {
    if (known && !shardEnded && Date.now() - known.at < SHARD_REFRESH_MS) return known.shards;
    shardEnded = false;
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const page = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }));
      shards.push(...(page.StreamDescription?.Shards ?? []));
      start = page.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    known = { shards, at: Date.now() };
    return shards;
  };

  const invoke = async (consumer: StreamConsumer, records: _Record[]): Promise<number> => {
    // The index of the first record to retry, or records.length when all went through.
    const requestId = randomUUID();
    // Its own invocation, as each batch is in AWS: its own log context and request id.
    const result = await invocation.run(consumer.name, () =>
      runInvocation(requestId, () => consumer.handler()({ Records: records }, { awsRequestId: requestId, functionName: `local-${consumer.name}` })),
    );
    const failures = (result as Partial<DynamoDBBatchResponse> | undefined)?.batchItemFailures ?? [];
    if (failures.length === 0) return records.length;
    const failed = new Set(failures.map((f) => f.itemIdentifier));
    const first = records.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
    return first < 0 ? 0 : first;
  };

  /** Hands matching records to the consumer in batches; retries as Lambda does. */
  const deliver = async (consumer: StreamConsumer, shardId: string, records: _Record[]): Promise<boolean> => {
    const matching = records.filter((r) => matchesFilter(consumer.filter, r));
    for (let i = 0; i < matching.length; ) {
      let batch = matching.slice(i, i + consumer.batchSize);
      let attempt = 0;
      for (;;) {
        const handled = await invoke(consumer, batch).catch((err: Error) => {
          console.error(JSON.stringify({ level: 'ERROR', message: 'stream batch failed', function: consumer.name, error: err.name }));
          return 0;
        });
        if (handled === batch.length) break;
        batch = batch.slice(handled);
        if (++attempt > RETRY_ATTEMPTS) {
          // In AWS: the batch's position goes to the on-failure queue and an alarm fires.
          console.error(
            JSON.stringify({
              level: 'ERROR',
              message: 'stream batch given up after retries',
              function: consumer.name,
              shardId,
              firstSequenceNumber: batch[0]?.dynamodb?.SequenceNumber,
              lastSequenceNumber: batch.at(-1)?.dynamodb?.SequenceNumber,
            }),
          );
          break;
        }
        await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
      i += consumer.batchSize;
    }
    return matching.length > 0;
  };

  /**
   * One pass over every shard for every consumer, each read to its current end; true when a
   * handler was invoked (it may have written records of its own) or the shards changed.
   */
  const pass = async (): Promise<boolean> => {
    let found = false;
    const shards = await listShards();
    {
      for (const shard of shards) {
        const shardId = shard.ShardId!;
        let state = states.get(shardId);
        // A child shard is read after its parent has been read to its end, as Lambda does.
        const parent = shard.ParentShardId ? states.get(shard.ParentShardId) : undefined;
        if (parent && !parent.done) continue;
        if (!state) {
          // Like a new event source mapping with TRIM_HORIZON: from the oldest record kept (24 h).
          const it = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
          state = { ...(it.ShardIterator ? { iterator: it.ShardIterator } : {}), done: !it.ShardIterator };
          states.set(shardId, state);
        }
        while (!state.done && state.iterator && !stopping) {
          let page;
          try {
            page = await streams.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: 1000 }));
          } catch (err) {
            if (err instanceof ExpiredIteratorException || err instanceof TrimmedDataAccessException) {
              states.delete(shardId);
              found = true;
              break;
            }
            throw err;
          }
          const records = page.Records ?? [];
          // Records for no handler cannot lead to more records: only a delivery asks for another pass.
          for (const consumer of options.consumers) if (records.length && (await deliver(consumer, shardId, records))) found = true;
          if (page.NextShardIterator) state.iterator = page.NextShardIterator;
          else {
            state.done = true;
            shardEnded = true;
            found = true;
          }
          if (records.length === 0) break;
        }
      }
    }
    return found;
  };

  const loop = (async () => {
    while (!stopping) {
      // Waiters registered before this pass began are satisfied by a pass that finds nothing.
      const waiting = waiters;
      waiters = [];
      let found: boolean;
      try {
        found = await pass();
      } catch (err) {
        if (stopping) break;
        console.error(JSON.stringify({ level: 'ERROR', message: 'reading the table stream failed', error: (err as Error).name }));
        found = true;
        await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
      }
      if (found) {
        waiters.unshift(...waiting);
        continue;
      }
      for (const w of waiting) w();
      if (waiters.length === 0) await new Promise<void>((r) => ((wake = r), setTimeout(r, IDLE_POLL_MS)));
      wake = undefined;
    }
    for (const w of waiters) w();
    streams.destroy();
  })();

  const nudge = () => wake?.();
  return {
    nudge,
    settled: () => {
      if (stopping) return loop;
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        nudge();
      });
    },
    stop: async () => {
      stopping = true;
      nudge();
      await loop;
    },
  };
}
